import Foundation

/// A classifier over padded index sequences: a sequence encoder (``SequenceEncoder``:
/// Embedding → one of its encoder layers) and a classification head (``ClassificationHead``: Dense + activation
/// + loss), as the Keras `Sequential` of the seed example with any of the three heads.
///
/// ```swift
/// var model = SequenceClassifier(inputDim: 1000, embeddingDim: 64, units: 64, seed: 42)
/// let probabilities = try model.predict(padded)          // binary: P(label = 1) per row
/// let topics = SequenceClassifier(inputDim: 1000, head: .multiClass, classes: 10, seed: 42)
/// let perClass = try topics.predict(padded)               // [rows, 10], each row sums to 1
/// ```
///
/// Training splits each batch in two halves that run forward and backward on the two
/// cores, each with its own preallocated ``Workspace``; their gradients are summed in a fixed
/// order, so a seeded run gives the same weights on any machine.
public struct SequenceClassifier: ParameterizedModel, Sendable {
    /// The embedding and the layer after it.
    public var encoder: SequenceEncoder
    /// The dense layer, its activation and loss.
    public var head: ClassificationHead
    /// Prediction's scratch memory, reused across calls (and shared by copies).
    let scratch = InferenceScratch()

    /// A fresh model with Keras's initialisers, drawn from `seed` (embedding, recurrent
    /// layer, dense, in that order).
    /// - Parameters:
    ///   - inputDim: the embedding's rows (vocabulary size, padding included).
    ///   - embeddingDim: the embedding's width.
    ///   - units: the encoder's output width (recurrent units or filters).
    ///   - encoder: the layer after the embedding (``SequenceEncoder/Kind``); the LSTM by default.
    ///   - head: the task.
    ///   - classes: 2 for binary; the number of classes or labels otherwise.
    ///   - seed: the seed of every initial weight.
    public init(inputDim: Int, embeddingDim: Int = 64, units: Int = 64, encoder kind: SequenceEncoder.Kind = .lstm,
                head: ClassificationHead.Kind = .binary, classes: Int = 2, seed: UInt64 = 0) {
        var random = RandomGenerator(seed: seed)
        encoder = SequenceEncoder(kind: kind, inputDim: inputDim, embeddingDim: embeddingDim, units: units, using: &random)
        self.head = ClassificationHead(kind: head, inputDim: encoder.features, classes: classes, using: &random)
    }

    /// A model of these parts; the head must read the encoder's ``SequenceEncoder/features``.
    public init(encoder: SequenceEncoder, head: ClassificationHead) {
        precondition(encoder.features == head.dense.inputDim, "layers must chain: encoder → head")
        self.encoder = encoder
        self.head = head
    }

    /// A model of an LSTM encoder and a head.
    public init(encoder: LSTMEncoder, head: ClassificationHead) {
        self.init(encoder: SequenceEncoder(encoder), head: head)
    }

    /// Every weight with its Keras name: the encoder's, then the head's.
    public var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        let encoder: WritableKeyPath<Self, SequenceEncoder> = \.encoder, head: WritableKeyPath<Self, ClassificationHead> = \.head
        let encoderPaths = self.encoder.parameterPaths.map { (name: $0.name, path: encoder.appending(path: $0.path)) }
        let headPaths = ClassificationHead.parameterPaths.map { (name: $0.name, path: head.appending(path: $0.path)) }
        return encoderPaths + headPaths
    }

    /// The weights with their Keras names, in ``parameterPaths`` order.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameterPaths.map { ($0.name, self[keyPath: $0.path]) }
    }

    /// Each weight's shape by name, for a model of these sizes.
    static func parameterShapes(encoder: SequenceEncoder.Kind = .lstm, inputDim: Int, embeddingDim: Int, units: Int,
                                head: ClassificationHead.Kind, classes: Int) -> [String: [Int]] {
        let features = encoder.features(embeddingDim: embeddingDim, units: units)
        return SequenceEncoder.parameterShapes(kind: encoder, inputDim: inputDim, embeddingDim: embeddingDim, units: units)
            .merging(ClassificationHead.parameterShapes(kind: head, inputDim: features, classes: classes)) { $1 }
    }

    // MARK: Inference

    /// The head's logits, `[rows, head.outputs]` row-major: the sigmoid's input (log-odds)
    /// for binary and multi-label heads, the softmax's for multi-class.
    public func logits(_ indices: IndexMatrix) throws -> [Float] {
        try logits(indices, skippingLeadingPadding: true)
    }

    func logits(_ indices: IndexMatrix, skippingLeadingPadding: Bool) throws -> [Float] {
        try encoder.embedding.validate(indices.storage)
        guard indices.rows > 0 else { return [] }
        return encoder.layer.logits(of: self, indices, skippingLeadingPadding: skippingLeadingPadding)
            ?? layerLogits(indices)
    }

    /// Probabilities, `[rows, head.outputs]`: P(label = 1) per row for a binary head, each
    /// class's (summing to 1) for multi-class, each label's for multi-label.
    public func predict(_ indices: IndexMatrix) throws -> [Float] {
        var values = try logits(indices)
        head.probabilities(fromLogits: &values)
        return values
    }

    // MARK: Training

    /// Keras's `Dropout(rate)` between the encoder and the head, in training only: each
    /// feature is kept with probability 1 − rate and scaled by 1 / (1 − rate) (inverted
    /// dropout), dropped otherwise; identity at inference. A batch row's mask comes from
    /// `seed` and the row's index alone, so it is the same whatever the number of threads.
    public struct Dropout: Equatable, Sendable {
        /// The fraction of features dropped, in [0, 1).
        public var rate: Float
        /// The masks' seed (with the batch row).
        public var seed: UInt64

        /// Dropout at `rate`, masks drawn from `seed`.
        public init(rate: Float, seed: UInt64) {
            self.rate = rate
            self.seed = seed
        }

        /// The multipliers of batch row `row` (0 or 1 / (1 − rate)), into `mask[0..<count]`.
        func mask(row: Int, count: Int, into mask: UnsafeMutablePointer<Float>) {
            var random = RandomGenerator(seed: seed ^ (UInt64(row) &* 0xD6E8_FEB8_6659_FD93))
            let scale = 1 / (1 - rate)
            for j in 0..<count { mask[j] = random.nextUnitFloat() < rate ? 0 : scale }
        }

        /// Entries `start ..< start + count` of row `row`'s mask (the same values as
        /// ``mask(row:count:into:)`` gives there), into `mask[0..<count]`.
        func mask(row: Int, from start: Int, count: Int, into mask: inout [Float]) {
            var random = RandomGenerator(seed: seed ^ (UInt64(row) &* 0xD6E8_FEB8_6659_FD93))
            random.skip(start)
            let scale = 1 / (1 - rate)
            for j in 0..<count { mask[j] = random.nextUnitFloat() < rate ? 0 : scale }
        }
    }

    /// What one batch's forward and backward pass gives.
    public struct BatchResult: Sendable {
        /// Mean loss over the batch (class-weighted if weights were given).
        public var loss: Float
        /// Rows right (for multi-label, the fraction of each row's labels right, summed).
        public var correct: Float
        /// Every weight's gradient, by Keras name.
        public var gradients: [String: Tensor]
        /// For the embedding: the sum over token positions of each position's squared
        /// gradient, which Keras's Adam uses in place of the squared gradient (see
        /// ``Adam/update(_:along:squaredGradients:frozen:)``).
        public var embeddingGradientSquares: Tensor
    }

    /// The loss, accuracy count and gradients of one batch. `labels` holds
    /// `head.targetWidth` values per row (see ``ClassificationHead``); `classWeights`, if
    /// given, one per class (or per label, for multi-label). `workspaces` come from
    /// ``makeTrainingWorkspaces(batchSize:steps:)`` and are reused batch after batch.
    public func lossAndGradients(_ indices: IndexMatrix, labels: [Float], classWeights: [Float]? = nil,
                                 dropout: Dropout? = nil, workspaces: [Workspace]) throws -> BatchResult {
        if encoder.lstmEncoder == nil {
            let result = try layerGradients(indices, labels: labels, classWeights: classWeights, dropout: dropout)
            let dense = result.denseGradients(embeddingShape: encoder.embedding.embeddings.shape)
            return BatchResult(loss: result.loss, correct: result.correct, gradients: dense.gradients,
                               embeddingGradientSquares: dense.embeddingSquares)
        }
        let summary = try accumulateGradients(indices, labels: labels, classWeights: classWeights, dropout: dropout,
                                              workspaces: workspaces)
        let total = workspaces[0]
        func copy(_ buffer: FloatBuffer, shape: [Int]) -> Tensor {
            Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)))
        }
        var gradients: [String: Tensor] = [:]
        for entry in parameterPaths {
            gradients[entry.name] = copy(total.gradient(named: entry.name), shape: self[keyPath: entry.path].shape)
        }
        return BatchResult(loss: summary.loss, correct: summary.correct, gradients: gradients,
                           embeddingGradientSquares: copy(total.encoder.embeddingSquares,
                                                          shape: encoder.embedding.embeddings.shape))
    }

    /// What ``lossAndGradients(_:labels:classWeights:workspaces:)`` computes, with the summed
    /// gradients left in `workspaces[0]` rather than copied out; `allFinite` says whether
    /// every gradient is finite.
    func accumulateGradients(_ indices: IndexMatrix, labels: [Float], classWeights: [Float]? = nil,
                             dropout: Dropout? = nil, workspaces: [Workspace],
                             skippingLeadingPadding: Bool = true) throws -> (loss: Float, correct: Float, allFinite: Bool) {
        precondition(labels.count == indices.rows * head.targetWidth && indices.rows > 0)
        precondition(classWeights.map { $0.count == (head.kind == .multiLabel ? head.outputs : head.classes) } ?? true,
                     "one class weight per class (per label for multi-label)")
        try encoder.embedding.validate(indices.storage)
        guard let encoder = encoder.lstmEncoder else {
            preconditionFailure("workspaces are the LSTM encoder's; the other encoders train through layerGradients")
        }
        let batch = indices.rows
        let shardSize = (batch + workspaces.count - 1) / workspaces.count
        let shards = (batch + shardSize - 1) / shardSize
        // Checked before anything is written into the workspaces (a programmer error: fit
        // makes them from the data's own sizes).
        precondition(workspaces[0].encoder.projection != nil && shardSize <= workspaces[0].encoder.lstm.capacity
                     && indices.columns <= workspaces[0].encoder.lstm.steps,
                     "workspaces are for smaller batches or shorter sequences; make them with makeTrainingWorkspaces(batchSize:steps:)")
        encoder.beginBatch(indices, workspaces: workspaces.map(\.encoder))
        let (correct, losses) = Parallel.shards(of: batch, count: shards) { s, rows, losses in
            backpropagate(indices, labels: labels, classWeights: classWeights, dropout: dropout.flatMap { $0.rate > 0 ? $0 : nil },
                          rows: rows, batchSize: batch, workspace: workspaces[s], losses: losses,
                          skippingLeadingPadding: skippingLeadingPadding)
        }
        let allFinite = sumShards(Array(workspaces[0..<shards]))
        let loss = losses.reduce(0, +) / Float(batch)
        return (loss, correct.reduce(0, +), loss.isFinite && allFinite)
    }

    /// Sums the shards' gradients into the first shard's, in shard order, each core taking a
    /// fixed part of every buffer (the same sums with any number of threads). Returns whether
    /// every gradient is finite.
    private func sumShards(_ workspaces: [Workspace]) -> Bool {
        let encoder = encoder.lstmEncoder!
        let parts = Parallel.trainingShards
        var finite = [Bool](repeating: true, count: parts)
        finite.withUnsafeMutableBufferPointer { finiteBuffer in
            let sharedFinite = SharedPointer(base: finiteBuffer.baseAddress!)
            Parallel.forEach(parts) { part in
                var allFinite = encoder.sumShards(workspaces.map(\.encoder), part: part, of: parts)
                for buffers in [workspaces.map(\.kernelGradient), workspaces.map(\.biasGradient)] {
                    allFinite = sumElementRanges(buffers, part: part, of: parts) && allFinite
                }
                sharedFinite.base[part] = allFinite
            }
        }
        return !finite.contains(false)
    }

    /// Workspaces for training batches of up to `batchSize` rows of `steps` indices.
    public func makeTrainingWorkspaces(batchSize: Int, steps: Int) -> [Workspace] {
        // The other encoders keep their state in their layers' closures (layerGradients).
        guard let encoder = encoder.lstmEncoder else { return [] }
        return encoder.makeTrainingWorkspaces(batchSize: batchSize, steps: steps).map {
            Workspace(encoder: $0, head: head, batch: $0.lstm.capacity)
        }
    }

    /// Forward and backward for `rows` of a batch of `batchSize`; writes each row's loss,
    /// leaves this shard's gradients in `workspace`, returns how many rows it got right.
    private func backpropagate(_ indices: IndexMatrix, labels: [Float], classWeights: [Float]?, dropout: Dropout?,
                               rows: Range<Int>, batchSize: Int, workspace w: Workspace,
                               losses: UnsafeMutablePointer<Float>, skippingLeadingPadding: Bool) -> Float {
        let encoder = encoder.lstmEncoder!
        let encoded = encoder.forward(indices, rows: rows, workspace: w.encoder,
                                      skippingLeadingPadding: skippingLeadingPadding)
        let batch = rows.count, outputs = head.outputs, width = head.targetWidth, units = encoder.features
        var features = encoded
        if let dropout {
            // The dropped features, row b being batch row order[b] (its mask follows the row).
            for (b, r) in w.encoder.order.enumerated() {
                dropout.mask(row: r, count: units, into: w.masks.pointer + b * units)
                for j in 0..<units { w.dropped.pointer[b * units + j] = encoded[b * units + j] * w.masks.pointer[b * units + j] }
            }
            features = UnsafePointer(w.dropped.pointer)
        }
        head.dense.forward(features, rows: batch, into: w.logits.pointer)
        var correct: Float = 0
        func score(_ weights: UnsafePointer<Float>?) {
            labels.withUnsafeBufferPointer { y in
                for (b, r) in w.encoder.order.enumerated() {
                    let row = head.loss(logits: w.logits.pointer + b * outputs, target: y.baseAddress! + r * width,
                                        weights: weights, batchSize: batchSize,
                                        gradient: w.logitGradients.pointer + b * outputs)
                    losses[r] = row.loss
                    correct += row.correct
                }
            }
        }
        if let classWeights { classWeights.withUnsafeBufferPointer { score($0.baseAddress!) } } else { score(nil) }
        w.kernelGradient.zero()
        w.biasGradient.zero()
        head.dense.backward(features, rows: batch, outputGradient: w.logitGradients.pointer,
                            kernelGradient: w.kernelGradient.pointer, biasGradient: w.biasGradient.pointer,
                            inputGradient: w.encoder.featureGradients.pointer)
        if dropout != nil {
            for k in 0..<batch * units { w.encoder.featureGradients.pointer[k] *= w.masks.pointer[k] }
        }
        encoder.backward(steps: indices.columns, batch: batch, workspace: w.encoder)
        return correct
    }

    /// Preallocated memory for one worker's share of a batch: the encoder's and the head's.
    public final class Workspace: @unchecked Sendable {
        let encoder: LSTMEncoder.Workspace
        let logits: FloatBuffer
        let logitGradients: FloatBuffer
        let kernelGradient: FloatBuffer
        let biasGradient: FloatBuffer
        /// Dropout: each row's multipliers and the dropped features.
        let masks: FloatBuffer
        let dropped: FloatBuffer

        init(encoder: LSTMEncoder.Workspace, head: ClassificationHead, batch: Int) {
            self.encoder = encoder
            masks = FloatBuffer(count: batch * head.dense.inputDim)
            dropped = FloatBuffer(count: batch * head.dense.inputDim)
            logits = FloatBuffer(count: batch * head.outputs)
            logitGradients = FloatBuffer(count: batch * head.outputs)
            kernelGradient = FloatBuffer(count: head.dense.kernel.count)
            biasGradient = FloatBuffer(count: head.dense.bias.count)
        }

        /// This shard's gradient of the weight with this Keras name.
        func gradient(named name: String) -> FloatBuffer {
            switch name {
            case "dense/kernel": return kernelGradient
            case "dense/bias": return biasGradient
            default:
                guard let buffer = encoder.gradient(named: name) else { preconditionFailure("no weight named \(name)") }
                return buffer
            }
        }
    }
}
