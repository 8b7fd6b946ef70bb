import Foundation

/// The binary classifier: `Embedding → LSTM → Dense(1, sigmoid)` over padded index
/// sequences, as the Keras `Sequential` of the seed example.
///
/// ```swift
/// var model = SequenceClassifier(inputDim: 1000, embeddingDim: 64, units: 64, seed: 42)
/// let probabilities = try model.predict(padded)          // P(label = 1) per row
/// ```
///
/// Training splits each batch in two halves that run forward and backward on the two
/// cores, each with its own preallocated ``Workspace``; their gradients are summed in a fixed
/// order, so a seeded run gives the same weights on any machine.
public struct SequenceClassifier: ParameterizedModel, Sendable {
    public var embedding: Embedding
    public var lstm: LSTM
    public var dense: Dense
    /// Prediction's scratch memory, reused across calls (and shared by copies).
    private let scratch = InferenceScratch()

    /// A fresh model with Keras's initialisers, drawn from `seed`.
    public init(inputDim: Int, embeddingDim: Int = 64, units: Int = 64, seed: UInt64 = 0) {
        var random = RandomGenerator(seed: seed)
        embedding = Embedding(inputDim: inputDim, outputDim: embeddingDim, using: &random)
        lstm = LSTM(inputDim: embeddingDim, units: units, using: &random)
        dense = Dense(inputDim: units, units: 1, activation: .sigmoid, using: &random)
    }

    public init(embedding: Embedding, lstm: LSTM, dense: Dense) {
        precondition(embedding.outputDim == lstm.inputDim && lstm.units == dense.inputDim && dense.units == 1,
                     "layers must chain: embedding → lstm → dense(1)")
        self.embedding = embedding
        self.lstm = lstm
        self.dense = dense
    }

    nonisolated(unsafe) public static let parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] = [
        ("embedding/embeddings", \.embedding.embeddings),
        ("lstm/kernel", \.lstm.kernel),
        ("lstm/recurrent_kernel", \.lstm.recurrentKernel),
        ("lstm/bias", \.lstm.bias),
        ("dense/kernel", \.dense.kernel),
        ("dense/bias", \.dense.bias),
    ]

    /// The weights with their Keras names, in ``parameterPaths`` order.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        Self.parameterPaths.map { ($0.name, self[keyPath: $0.path]) }
    }

    // MARK: Inference

    /// Rows predicted per worker pass: enough for efficient products, few enough that the
    /// embedded inputs (rows × steps × embeddingDim floats) stay near the cache.
    static let predictionChunk = 32  // measured: 16–256 all within ±5%, 32 best

    /// The sigmoid's input (log-odds) for each row of `indices`.
    ///
    /// Leading padding is not recomputed: with index 0 fed from the zero state, every row
    /// goes through the same states until its first real token, so those states are computed
    /// once and each row starts at its first token (exact: the same arithmetic per row).
    /// Rows are grouped by length so that the work follows the real tokens.
    public func logits(_ indices: IndexMatrix) throws -> [Float] {
        try logits(indices, skippingLeadingPadding: true)
    }

    func logits(_ indices: IndexMatrix, skippingLeadingPadding: Bool) throws -> [Float] {
        try embedding.validate(indices.storage)
        var logits = [Float](repeating: 0, count: indices.rows)
        guard indices.rows > 0 else { return logits }
        let steps = indices.columns
        // Rows ordered by the length of their leading padding (descending), so each chunk
        // holds rows of similar length; results go back to their own row.
        var leading = [Int](repeating: 0, count: indices.rows)
        indices.storage.withUnsafeBufferPointer { ids in
            for r in 0..<indices.rows {
                var k = 0
                while k < steps && ids[r * steps + k] == 0 { k += 1 }
                leading[r] = k
            }
        }
        let leadingPadding = leading
        let order = skippingLeadingPadding
            ? Array(0..<indices.rows).sorted { leading[$0] != leading[$1] ? leading[$0] > leading[$1] : $0 < $1 }
            : Array(0..<indices.rows)
        let chunks = (indices.rows + Self.predictionChunk - 1) / Self.predictionChunk
        let workers = min(Parallel.threads, chunks)
        let set = scratch.take(for: self, steps: steps, workers: workers)
        defer { scratch.give(back: set) }
        // Each distinct token's input projection, once for the whole call (the padding's included).
        let projection = set.projection
        projection.collect(indices.storage, including: 0)
        let parts = projection.count >= 64 ? Parallel.threads : 1
        Parallel.forEach(parts) { projection.project(part: $0, of: parts, embedding: embedding, lstm: lstm) }
        let padding: (hidden: [Float], cells: [Float])? = skippingLeadingPadding
            ? lstm.constantInputStates(projection: projection.table.pointer + Int(projection.rowOfToken[0]) * 4 * lstm.units,
                                       steps: steps, workspace: set.workspaces[0].lstm)
            : nil
        logits.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                let workspace = set.workspaces[worker]
                for chunk in stride(from: worker, to: chunks, by: workers) {
                    let start = chunk * Self.predictionChunk
                    // Within a chunk, starts must ascend: reverse the descending-padding order.
                    let rows = Array(order[start ..< min(indices.rows, start + Self.predictionChunk)].reversed())
                    let starts = padding == nil ? nil : rows.map { leadingPadding[$0] }
                    forwardInference(indices, rows: rows, starts: starts, padding: padding, projection: projection,
                                     workspace: workspace)
                    for (k, row) in rows.enumerated() { shared.base[row] = workspace.logits.pointer[k] }
                }
            }
        }
        return logits
    }

    /// P(label = 1) for each row of `indices`.
    public func predict(_ indices: IndexMatrix) throws -> [Float] {
        try logits(indices).map(VectorMath.sigmoid)
    }

    // MARK: Training

    /// What one batch's forward and backward pass gives.
    public struct BatchResult: Sendable {
        /// Mean binary cross-entropy over the batch.
        public var loss: Float
        /// Rows whose probability is on the label's side of 0.5.
        public var correct: Int
        /// One per weight, in ``parameterPaths`` order.
        public var gradients: [Tensor]
        /// For the embedding (index 0): the sum over token positions of each position's
        /// squared gradient, which Keras's Adam uses in place of the squared gradient (see
        /// ``Adam/update(_:along:squaredGradients:)``).
        public var embeddingGradientSquares: Tensor
    }

    /// The loss, accuracy count and gradients of one batch. `workspaces` come from
    /// ``makeTrainingWorkspaces(batchSize:steps:)`` and are reused batch after batch.
    public func lossAndGradients(_ indices: IndexMatrix, labels: [Float], workspaces: [Workspace]) throws -> BatchResult {
        let summary = try accumulateGradients(indices, labels: labels, workspaces: workspaces)
        let total = workspaces[0]
        func copy(_ buffer: FloatBuffer, shape: [Int]) -> Tensor {
            Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)))
        }
        return BatchResult(loss: summary.loss, correct: summary.correct,
                           gradients: Self.parameterPaths.enumerated().map { k, entry in
                               copy(total.gradients[k], shape: self[keyPath: entry.path].shape)
                           },
                           embeddingGradientSquares: copy(total.embeddingSquares, shape: embedding.embeddings.shape))
    }

    /// What ``lossAndGradients(_:labels:workspaces:)`` computes, with the summed gradients
    /// left in `workspaces[0]` (`gradients`, `embeddingSquares`) rather than copied out;
    /// `allFinite` says whether every gradient is finite.
    func accumulateGradients(_ indices: IndexMatrix, labels: [Float], workspaces: [Workspace],
                             skippingLeadingPadding: Bool = true) throws -> (loss: Float, correct: Int, allFinite: Bool) {
        precondition(labels.count == indices.rows && indices.rows > 0)
        try embedding.validate(indices.storage)
        let batch = indices.rows
        let shardSize = (batch + workspaces.count - 1) / workspaces.count
        let shards = (batch + shardSize - 1) / shardSize
        // Checked before anything is written into the workspaces (a programmer error: fit
        // makes them from the data's own sizes).
        precondition(workspaces[0].projection != nil && shardSize <= workspaces[0].lstm.capacity
                     && indices.columns <= workspaces[0].lstm.steps,
                     "workspaces are for smaller batches or shorter sequences; make them with makeTrainingWorkspaces(batchSize:steps:)")
        // The batch's distinct tokens and their input projections, shared by the shards.
        let projection = workspaces[0].projection!
        // The embedding's gradient buffers are zero outside the rows a batch writes (V rows
        // could be 10,000s, a batch's tokens a few hundred): shard 0's rows of the previous
        // batch are cleared here, the other shards' when summed below.
        let width = embedding.outputDim
        for r in 0..<projection.count {
            let offset = Int(projection.tokens[r]) * width
            (workspaces[0].gradients[0].pointer + offset).update(repeating: 0, count: width)
            (workspaces[0].embeddingSquares.pointer + offset).update(repeating: 0, count: width)
        }
        projection.collect(indices.storage)
        for w in workspaces where w.gateSums.count < projection.capacity * projection.gateWidth {
            w.gateSums = FloatBuffer(count: projection.capacity * projection.gateWidth)
        }
        let parts = Parallel.trainingShards
        Parallel.forEach(parts) { part in
            projection.project(part: part, of: parts, embedding: embedding, lstm: lstm)
        }
        var losses = [Float](repeating: 0, count: batch)
        var correct = [Int](repeating: 0, count: shards)
        losses.withUnsafeMutableBufferPointer { lossBuffer in
            correct.withUnsafeMutableBufferPointer { correctBuffer in
                let sharedLoss = SharedPointer(base: lossBuffer.baseAddress!)
                let sharedCorrect = SharedPointer(base: correctBuffer.baseAddress!)
                Parallel.forEach(shards) { s in
                    let rows = s * shardSize ..< min(batch, (s + 1) * shardSize)
                    sharedCorrect.base[s] = backpropagate(indices, labels: labels, rows: rows, batchSize: batch,
                                                          workspace: workspaces[s], losses: sharedLoss.base,
                                                          skippingLeadingPadding: skippingLeadingPadding)
                }
            }
        }
        let allFinite = sumShards(Array(workspaces[0..<shards]), projection: projection)
        let loss = losses.reduce(0, +) / Float(batch)
        return (loss, correct.reduce(0, +), loss.isFinite && allFinite)
    }

    /// Sums the shards' gradients into the first shard's, in shard order, each core taking a
    /// fixed part of every buffer (the same sums with any number of threads), and completes
    /// the kernel's and the bias's gradients from the per-token sums of dz. Returns whether
    /// every gradient is finite.
    private func sumShards(_ workspaces: [Workspace], projection: TokenProjection) -> Bool {
        let parts = Parallel.trainingShards, width = embedding.outputDim
        var finite = [Bool](repeating: true, count: parts)
        finite.withUnsafeMutableBufferPointer { finiteBuffer in
            let sharedFinite = SharedPointer(base: finiteBuffer.baseAddress!)
            Parallel.forEach(parts) { part in
                let total = workspaces[0]
                var allFinite = true
                // The kernel's and the bias's gradients, by columns, from the per-token sums of dz.
                let g4 = 4 * lstm.units
                let columns = TokenProjection.range(part: part, of: parts, count: g4, multiple: 64)
                projection.combine(workspaces.map { (sums: $0.gateSums.pointer, touched: UnsafePointer($0.gateSumsTouched)) },
                                   columns: columns)
                projection.addKernelGradient(part: part, of: parts, sums: total.gateSums.pointer,
                                             into: total.gradients[1].pointer)
                projection.addBiasGradient(sums: total.gateSums.pointer, columns: columns, into: total.gradients[3].pointer)
                allFinite = allFinite && VectorMath.allFinite(total.gradients[3].pointer + columns.lowerBound,
                                                              count: columns.count)
                for r in 0..<lstm.inputDim {
                    allFinite = allFinite && VectorMath.allFinite(total.gradients[1].pointer + r * g4 + columns.lowerBound,
                                                                  count: columns.count)
                }
                // The embedding's gradient and squares: only the batch's tokens' rows.
                for r in TokenProjection.range(part: part, of: parts, count: projection.count, multiple: 1) {
                    let offset = Int(projection.tokens[r]) * width
                    for s in 1..<workspaces.count {
                        let gradient = workspaces[s].gradients[0].pointer + offset
                        let squares = workspaces[s].embeddingSquares.pointer + offset
                        VectorMath.add(gradient, into: total.gradients[0].pointer + offset, count: width)
                        VectorMath.add(squares, into: total.embeddingSquares.pointer + offset, count: width)
                        gradient.update(repeating: 0, count: width)
                        squares.update(repeating: 0, count: width)
                    }
                    allFinite = allFinite && VectorMath.allFinite(total.gradients[0].pointer + offset, count: width)
                }
                // The others (the kernel's and bias's are complete in shard 0's buffers).
                for k in total.gradients.indices where k != 0 && k != 1 && k != 3 {
                    let range = TokenProjection.range(part: part, of: parts, count: total.gradients[k].count, multiple: 16)
                    for s in 1..<workspaces.count {
                        VectorMath.add(workspaces[s].gradients[k].pointer + range.lowerBound,
                                       into: total.gradients[k].pointer + range.lowerBound, count: range.count)
                    }
                    allFinite = allFinite && VectorMath.allFinite(total.gradients[k].pointer + range.lowerBound,
                                                                  count: range.count)
                }
                sharedFinite.base[part] = allFinite
            }
        }
        return !finite.contains(false)
    }

    /// Workspaces for training batches of up to `batchSize` rows of `steps` indices.
    public func makeTrainingWorkspaces(batchSize: Int, steps: Int) -> [Workspace] {
        let shards = min(Parallel.trainingShards, batchSize)
        let shardSize = (batchSize + shards - 1) / shards
        let projection = TokenProjection(vocabulary: embedding.inputDim, width: embedding.outputDim, units: lstm.units)
        return (0..<shards).map { _ in
            Workspace(model: self, batch: shardSize, steps: steps, training: true, projection: projection)
        }
    }

    /// Inference for the given rows (in this order); leaves their logits in `workspace.logits`.
    private func forwardInference(_ indices: IndexMatrix, rows: [Int], starts: [Int]?,
                                  padding: (hidden: [Float], cells: [Float])?, projection: TokenProjection,
                                  workspace w: Workspace) {
        let batch = rows.count, steps = indices.columns
        // Each position's table row; only those each row will read: from its start on.
        indices.storage.withUnsafeBufferPointer { ids in
            for (b, r) in rows.enumerated() {
                let row = ids.baseAddress! + r * steps
                for t in (starts?[b] ?? 0)..<steps { w.tokenRows[t * batch + b] = projection.rowOfToken[Int(row[t])] }
            }
        }
        lstm.forwardInference(LSTM.InputRows(table: projection.table.pointer, rows: w.tokenRows), steps: steps,
                              batch: batch, workspace: w.lstm, starts: starts, initial: padding)
        dense.forward(w.lstm.hidden.pointer, rows: batch, into: w.logits.pointer)
    }

    /// Forward pass of `rows` keeping every step's state for backward; leaves the logits in
    /// `workspace.logits`, row b of the workspace being batch row `workspace.order[b]`.
    ///
    /// Rows are taken in order of their leading padding (least first), so that the rows
    /// whose own tokens have begun at step t are a prefix: the others are in the padding's
    /// states, computed once on one row and copied (`skippingLeadingPadding`; exact).
    private func forward(_ indices: IndexMatrix, rows: Range<Int>, workspace w: Workspace,
                         skippingLeadingPadding: Bool) {
        let batch = rows.count, steps = indices.columns
        var starts = [Int](repeating: 0, count: batch)
        indices.storage.withUnsafeBufferPointer { ids in
            for b in 0..<batch {
                let row = ids.baseAddress! + (rows.lowerBound + b) * steps
                var k = 0
                while k < steps && row[k] == 0 { k += 1 }
                starts[b] = k
            }
            w.order = (0..<batch).sorted { starts[$0] != starts[$1] ? starts[$0] < starts[$1] : $0 < $1 }
                .map { rows.lowerBound + $0 }
            // Time-major token order: row t·batch + b.
            for (b, r) in w.order.enumerated() {
                let row = ids.baseAddress! + r * steps
                for t in 0..<steps { w.tokens[t * batch + b] = row[t] }
            }
        }
        let projection = w.projection!
        projection.rows(of: w.tokens, count: steps * batch, into: w.tokenRows)
        let table = projection.table.pointer
        let sortedStarts = w.order.map { starts[$0 - rows.lowerBound] }
        w.starts = sortedStarts
        let paddingSteps = sortedStarts.last ?? 0
        if paddingSteps > 0 {
            // The padding's run, also read by backward (LSTM.backward(starts:padding:)).
            w.paddingRows.update(repeating: projection.rowOfToken[0], count: paddingSteps)
            lstm.recur(steps: paddingSteps, batch: 1, workspace: w.padding,
                       inputs: LSTM.InputRows(table: table, rows: w.paddingRows))
        }
        if skippingLeadingPadding && paddingSteps > 0 {
            lstm.recur(steps: steps, batch: batch, workspace: w.lstm, inputs: LSTM.InputRows(table: table, rows: w.tokenRows),
                       starts: sortedStarts, padding: w.padding)
        } else {
            lstm.recur(steps: steps, batch: batch, workspace: w.lstm, inputs: LSTM.InputRows(table: table, rows: w.tokenRows))
        }
        dense.forward(w.lstm.lastHidden(steps: steps, batch: batch), rows: batch, into: w.logits.pointer)
    }

    /// Forward and backward for `rows` of a batch of `batchSize`; writes each row's loss,
    /// leaves this shard's gradients in `workspace.gradients`, returns the correct count.
    private func backpropagate(_ indices: IndexMatrix, labels: [Float], rows: Range<Int>, batchSize: Int,
                               workspace w: Workspace, losses: UnsafeMutablePointer<Float>,
                               skippingLeadingPadding: Bool) -> Int {
        forward(indices, rows: rows, workspace: w, skippingLeadingPadding: skippingLeadingPadding)
        let batch = rows.count, steps = indices.columns
        var correct = 0
        for (b, r) in w.order.enumerated() {
            let z = w.logits.pointer[b], y = labels[r]
            losses[r] = BinaryCrossEntropy.loss(logit: z, label: y)
            if (VectorMath.sigmoid(z) > 0.5) == (y > 0.5) { correct += 1 }
            w.logitGradients.pointer[b] = BinaryCrossEntropy.logitGradient(logit: z, label: y, count: batchSize)
        }
        // The embedding's (index 0) and its squares are kept zero between batches (see accumulateGradients).
        for buffer in w.gradients.dropFirst() { buffer.zero() }
        let g = w.gradients
        dense.backward(w.lstm.lastHidden(steps: steps, batch: batch), rows: batch,
                       outputGradient: w.logitGradients.pointer, kernelGradient: g[4].pointer,
                       biasGradient: g[5].pointer, inputGradient: w.hiddenGradients.pointer)
        // The kernel's and bias's gradients are summed by token (TokenProjection), after the shards.
        lstm.backward(nil, steps: steps, batch: batch, outputGradient: w.hiddenGradients.pointer,
                      workspace: w.lstm, kernelGradient: g[1].pointer, recurrentGradient: g[2].pointer,
                      biasGradient: g[3].pointer, inputGradient: w.inputs.pointer,
                      starts: w.starts, padding: w.padding)
        w.projection!.sumByRow(w.lstm.gates.pointer, rows: w.tokenRows, count: steps * batch,
                               into: w.gateSums.pointer, touched: w.gateSumsTouched)
        Embedding.scatterAdd(w.inputs.pointer, indices: w.tokens, count: steps * batch, stride: 1,
                             width: embedding.outputDim, into: g[0].pointer, squares: w.embeddingSquares.pointer)
        return correct
    }

    /// Preallocated memory for one worker's share of a batch.
    public final class Workspace: @unchecked Sendable {
        let tokens: UnsafeMutablePointer<Int32>
        let inputs: FloatBuffer
        let lstm: LSTMWorkspace
        let logits: FloatBuffer
        let logitGradients: FloatBuffer
        let hiddenGradients: FloatBuffer
        /// One per weight, in parameterPaths order (empty when not training).
        let gradients: [FloatBuffer]
        /// Per-position squared embedding gradients, summed by row (Keras's Adam uses them).
        let embeddingSquares: FloatBuffer
        /// Training: the batch's token projections (one instance shared by the shards) and
        /// this shard's sums of dz per distinct token.
        let projection: TokenProjection?
        var gateSums = FloatBuffer(count: 0)
        let gateSumsTouched: UnsafeMutablePointer<Bool>
        /// Each position's row in the projection table (time-major, as `tokens`).
        let tokenRows: UnsafeMutablePointer<Int32>
        /// Training: the batch rows in the workspace's row order (by leading padding).
        var order: [Int] = []
        /// Training: each workspace row's first step of its own tokens (ascending).
        var starts: [Int] = []
        /// Training: one row's run through the padding, and its table rows.
        let padding: LSTMWorkspace
        let paddingRows: UnsafeMutablePointer<Int32>

        init(model: SequenceClassifier, batch: Int, steps: Int, training: Bool, projection: TokenProjection? = nil) {
            let e = model.embedding.outputDim, u = model.lstm.units
            tokens = .allocate(capacity: max(1, batch * steps))
            inputs = FloatBuffer(count: training ? batch * steps * e : 0)
            lstm = LSTMWorkspace(batch: batch, steps: steps, inputDim: e, units: u, training: training)
            logits = FloatBuffer(count: batch)
            logitGradients = FloatBuffer(count: batch)
            hiddenGradients = FloatBuffer(count: batch * u)
            gradients = training ? model.namedParameters.map { FloatBuffer(count: $0.tensor.count) } : []
            embeddingSquares = FloatBuffer(count: training ? model.embedding.embeddings.count : 0)
            self.projection = projection
            gateSumsTouched = .allocate(capacity: max(1, projection?.vocabulary ?? 1))
            tokenRows = .allocate(capacity: max(1, batch * steps))
            padding = LSTMWorkspace(batch: 1, steps: training ? steps : 0, inputDim: e, units: u, training: training)
            paddingRows = .allocate(capacity: max(1, steps))
        }

        deinit {
            tokens.deallocate()
            gateSumsTouched.deallocate()
            tokenRows.deallocate()
            paddingRows.deallocate()
        }
    }
}
