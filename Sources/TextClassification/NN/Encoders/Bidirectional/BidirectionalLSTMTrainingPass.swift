/// The bidirectional LSTM on the LSTM's fast path: each direction is an ``LSTMEncoder`` of its
/// own (sharing the embedding) with its own per-token input projections, the backward one
/// reading every row reversed in time. The forward direction skips the shared leading padding;
/// the backward one reads the text first and the padding last, so it runs every step (as
/// Keras does). Exact to rounding with the layers' general path (tested).
struct BidirectionalLSTMTrainingPass: TrainingPass {
    /// One workspace per shard and direction.
    let forward: [LSTMEncoder.Workspace]
    let backward: [LSTMEncoder.Workspace]

    init(model: SequenceClassifier, batchSize: Int, steps: Int, trainsEmbedding: Bool) {
        let (forward, backward) = model.bidirectionalLSTMEncoders!
        self.forward = forward.makeTrainingWorkspaces(batchSize: batchSize, steps: steps)
        self.backward = backward.makeTrainingWorkspaces(batchSize: batchSize, steps: steps)
        for w in self.forward + self.backward { w.trainsEmbedding = trainsEmbedding }
    }

    func gradients(of model: SequenceClassifier, _ batch: TrainingBatch) throws -> BatchGradients {
        try model.encoder.embedding.validate(batch.indices.storage)
        let (forwardEncoder, backwardEncoder) = model.bidirectionalLSTMEncoders!
        let indices = batch.indices, reversed = indices.reversingSteps()
        let rows = indices.rows, shardSize = forward[0].lstm.capacity
        let shards = (rows + shardSize - 1) / shardSize
        precondition(shards <= forward.count && indices.columns <= forward[0].lstm.steps, "the pass was made for smaller batches")
        forwardEncoder.beginBatch(indices, workspaces: forward)
        backwardEncoder.beginBatch(reversed, workspaces: backward)
        // Shards of the workspaces' capacity (a short last batch is not split evenly), as the
        // saved models were trained: the sums, and so the weights, stay the same to the bit.
        let (heads, losses) = Parallel.shards(of: rows, count: shards, size: shardSize) { s, range, losses in
            shard(model, batch, reversed: reversed, rows: range, forward: forward[s], backward: backward[s], losses: losses)
        }
        let (usedForward, usedBackward) = (Array(forward[0..<shards]), Array(backward[0..<shards]))
        let tablesFinite = Parallel.parts(Parallel.trainingShards) { part, parts in
            let forwardFinite = forwardEncoder.sumShards(usedForward, part: part, of: parts)
            return backwardEncoder.sumShards(usedBackward, part: part, of: parts) && forwardFinite
        }
        let kernel = ShardSum.tensors(heads.map(\.kernelGradient)), bias = ShardSum.tensors(heads.map(\.biasGradient))
        let loss = losses.reduce(0, +) / Float(rows)
        let allFinite = loss.isFinite && kernel.allFinite && bias.allFinite && tablesFinite
        let f = forward[0], b = backward[0]
        return model.gathered((loss, heads.map(\.correct).reduce(0, +), allFinite), headGradients: [kernel.sum, bias.sum],
                              // Bidirectional's weight order: the forward copy's, then the backward copy's.
                              layerGradients: f.layerGradients + b.layerGradients,
                              embedding: (f.embeddingGradient, f.embeddingSquares), rows: f.projection!,
                              trainsEmbedding: batch.trainsEmbedding)
    }

    /// One shard through both directions and the head; the directions' gradients are left in
    /// their workspaces, the embedding's (both directions' summed) in the forward one's.
    private func shard(_ model: SequenceClassifier, _ batch: TrainingBatch, reversed: IndexMatrix, rows: Range<Int>,
                       forward wf: LSTMEncoder.Workspace, backward wb: LSTMEncoder.Workspace,
                       losses: UnsafeMutablePointer<Float>) -> (correct: Float, kernelGradient: Tensor, biasGradient: Tensor) {
        let (forwardEncoder, backwardEncoder) = model.bidirectionalLSTMEncoders!
        let n = rows.count, u = forwardEncoder.features, width = 2 * u, steps = batch.indices.columns
        let f = forwardEncoder.forward(batch.indices, rows: rows, workspace: wf, skippingLeadingPadding: true)
        let b = backwardEncoder.forward(reversed, rows: rows, workspace: wb, skippingLeadingPadding: true)
        // Both directions' rows come in their own order: batch-row order for the head.
        var features = [Float](repeating: 0, count: n * width)
        for (direction, w, h) in [(0, wf, f), (1, wb, b)] {
            for (k, r) in w.order.enumerated() {
                for j in 0..<u { features[(r - rows.lowerBound) * width + direction * u + j] = h[k * u + j] }
            }
        }
        var step = HeadStep(head: model.head, rows: n, features: width)
        let correct = features.withUnsafeBufferPointer { step.run($0.baseAddress!, rows: rows, batch: batch, losses: losses) }
        for (direction, w) in [(0, wf), (1, wb)] {
            for (k, r) in w.order.enumerated() {
                for j in 0..<u { w.featureGradients.pointer[k * u + j] = step.featureGradients[(r - rows.lowerBound) * width + direction * u + j] }
            }
        }
        forwardEncoder.backward(steps: steps, batch: n, workspace: wf, scatteringEmbedding: false)
        backwardEncoder.backward(steps: steps, batch: n, workspace: wb, scatteringEmbedding: false)
        if wf.trainsEmbedding {
            Self.scatterEmbeddingGradient(forward: wf, backward: wb, rows: rows, steps: steps,
                                          width: forwardEncoder.embedding.outputDim)
        }
        return (correct, step.kernelGradient, step.biasGradient)
    }

    /// Each position's embedding gradient is the two directions' sum (the backward one reads
    /// position t at step steps-1-t); Keras's Adam squares that sum, so it is formed before the
    /// scatter into the forward workspace's tables.
    private static func scatterEmbeddingGradient(forward wf: LSTMEncoder.Workspace, backward wb: LSTMEncoder.Workspace,
                                                 rows: Range<Int>, steps: Int, width e: Int) {
        let n = rows.count
        var rowInBackward = [Int](repeating: 0, count: n)
        for (k, r) in wb.order.enumerated() { rowInBackward[r - rows.lowerBound] = k }
        for (k, r) in wf.order.enumerated() {
            let kb = rowInBackward[r - rows.lowerBound]
            for t in 0..<steps {
                VectorMath.add(wb.inputs.pointer + ((steps - 1 - t) * n + kb) * e, into: wf.inputs.pointer + (t * n + k) * e, count: e)
            }
        }
        RowTable(wf.embeddingGradient.pointer, width: e)
            .scatterAdd(wf.inputs.pointer, indices: wf.tokens, count: steps * n, squares: RowTable(wf.embeddingSquares.pointer, width: e))
    }

}

extension SequenceClassifier {
    /// Both directions as LSTM encoders, for `bilstm`.
    var bidirectionalLSTMEncoders: (forward: LSTMEncoder, backward: LSTMEncoder)? {
        guard let layer = encoder.layer(as: Bidirectional<LSTM>.self) else { return nil }
        return (LSTMEncoder(embedding: encoder.embedding, lstm: layer.forward),
                LSTMEncoder(embedding: encoder.embedding, lstm: layer.backward))
    }

    /// The head's logits for the bidirectional LSTM: per chunk, each direction on the LSTM's
    /// inference path (the backward one on the rows reversed), on the one inference loop. The
    /// rows are in the forward direction's order; the backward one reads them without skipping
    /// its leading padding (pre-padded rows reversed have none; exact either way).
    func bidirectionalLogits(_ indices: IndexMatrix) -> [Float] {
        let (forward, backward) = bidirectionalLSTMEncoders!, u = forward.features, steps = indices.columns
        let workers = Self.inferenceWorkers(rows: indices.rows), reversed = indices.reversingSteps()
        let directions = [(forward, indices, true), (backward, reversed, false)].map { encoder, input, skipping in
            let projection = TokenProjection(vocabulary: encoder.embedding.inputDim, width: encoder.embedding.outputDim,
                                             units: u)
            let workspaces = (0..<workers).map { _ in encoder.makeInferenceWorkspace(steps: steps) }
            let plan = encoder.planInference(input, skippingLeadingPadding: skipping, projection: projection,
                                             workspace: workspaces[0])
            return (encoder, input, projection, workspaces, plan)
        }
        let h = (0..<workers).map { _ in FloatBuffer(count: LSTMEncoder.inferenceChunk * u) }
        return chunkedLogits(indices, order: directions[0].4.order, workers: workers) { rows, features, worker in
            for (d, (encoder, input, projection, workspaces, plan)) in directions.enumerated() {
                encoder.forwardInference(input, rows: rows, plan: plan, projection: projection, workspace: workspaces[worker],
                                         into: h[worker].pointer)
                for k in 0..<rows.count { (features + k * 2 * u + d * u).update(from: h[worker].pointer + k * u, count: u) }
            }
        }
    }
}

extension IndexMatrix {
    /// Every row reversed in time (what the backward direction of a bidirectional layer reads).
    func reversingSteps() -> IndexMatrix {
        var storage = storage
        for r in 0..<rows { storage[r * columns ..< (r + 1) * columns].reverse() }
        return IndexMatrix(rows: rows, columns: columns, storage: storage)
    }
}
