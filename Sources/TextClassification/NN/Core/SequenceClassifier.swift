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
/// Training runs through one training pass (the encoder's own or the general path), which
/// splits each batch in two halves that run forward and backward on the two cores; their
/// gradients are summed in a fixed order, so a seeded run gives the same weights on any machine.
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

    /// Every weight with its Keras name: the encoder's, then the head's. The embedding's path
    /// is a stored property, so writes through it change the (large) table in place; it names
    /// the rows in memory, which `fit` first copies out of a model file opened mapped.
    public var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        let encoder: WritableKeyPath<Self, SequenceEncoder> = \.encoder, head: WritableKeyPath<Self, ClassificationHead> = \.head
        let encoderPaths = self.encoder.parameterPaths.map { (name: $0.name, path: encoder.appending(path: $0.path)) }
        let headPaths = ClassificationHead.parameterPaths.map { (name: $0.name, path: head.appending(path: $0.path)) }
        return encoderPaths + headPaths
    }

    /// The weights with their Keras names, in ``parameterPaths`` order (a mapped model's
    /// embedding copied out of its file).
    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameterPaths.map { ($0.name, $0.name == Embedding.weightName ? encoder.embedding.embeddings : self[keyPath: $0.path]) }
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
        let logits = encoder.layer.logits(of: self, indices, skippingLeadingPadding: skippingLeadingPadding)
            ?? layerLogits(indices)
        // Rows read from a mapped file that changed meanwhile give no answer.
        try encoder.embedding.checkIntact()
        return logits
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

        /// Entries `start ..< start + count` of batch row `row`'s multipliers (0 or 1 / (1 − rate)),
        /// into `mask[0..<count]`: the same values whatever part of the row is asked for.
        func mask(row: Int, from start: Int = 0, count: Int, into mask: UnsafeMutablePointer<Float>) {
            var random = RandomGenerator(seed: seed ^ (UInt64(row) &* 0xD6E8_FEB8_6659_FD93))
            random.skip(start)
            let scale = 1 / (1 - rate)
            for j in 0..<count { mask[j] = random.nextUnitFloat() < rate ? 0 : scale }
        }
    }
}
