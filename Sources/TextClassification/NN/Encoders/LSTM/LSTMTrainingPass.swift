/// The LSTM's fast training pass (``LSTMEncoder``: each token's input projection computed once
/// per batch, the leading padding shared by the rows still in it): one workspace per shard,
/// allocated once per fit; the shards' gradients are summed into the first's vocabulary-sized
/// tables and handed on as ``BatchGradients``. The same sums as the general path to rounding
/// (tested), and Keras's to 1e-5 (the parity fixtures).
struct LSTMTrainingPass: TrainingPass {
    let workspaces: [LSTMEncoder.Workspace]
    /// `false` runs every row through its leading padding (a test of the shortcut's exactness).
    var skipsLeadingPadding = true

    /// Workspaces for batches of up to `batchSize` rows of `steps` indices of `model`'s sizes.
    init(model: SequenceClassifier, batchSize: Int, steps: Int, trainsEmbedding: Bool = true, shards: Int? = nil) {
        let encoder = model.encoder.lstmEncoder!
        var workspaces = encoder.makeTrainingWorkspaces(batchSize: batchSize, steps: steps)
        if let shards { workspaces = Array(workspaces.prefix(shards)) }
        for w in workspaces { w.trainsEmbedding = trainsEmbedding }
        self.workspaces = workspaces
    }

    func gradients(of model: SequenceClassifier, _ batch: TrainingBatch) throws -> BatchGradients {
        try model.encoder.embedding.validate(batch.indices.storage)
        let encoder = model.encoder.lstmEncoder!, indices = batch.indices
        let rows = indices.rows, shardSize = (rows + workspaces.count - 1) / workspaces.count
        let shards = (rows + shardSize - 1) / shardSize
        // A programmer error: a fit makes the pass from the data's own sizes.
        precondition(shardSize <= workspaces[0].lstm.capacity && indices.columns <= workspaces[0].lstm.steps,
                     "the pass was made for smaller batches or shorter sequences")
        encoder.beginBatch(indices, workspaces: workspaces)
        let (heads, losses) = Parallel.shards(of: rows, count: shards) { s, range, losses in
            backpropagate(model, batch, rows: range, workspace: workspaces[s], losses: losses)
        }
        let used = Array(workspaces[0..<shards])
        let tablesFinite = Parallel.parts(Parallel.trainingShards) { part, parts in
            encoder.sumShards(used, part: part, of: parts)
        }
        let kernel = ShardSum.tensors(heads.map(\.kernelGradient)), bias = ShardSum.tensors(heads.map(\.biasGradient))
        let loss = losses.reduce(0, +) / Float(rows)
        let allFinite = loss.isFinite && tablesFinite && kernel.allFinite && bias.allFinite
        let total = workspaces[0]
        return model.gathered((loss, heads.map(\.correct).reduce(0, +), allFinite),
                              headGradients: [kernel.sum, bias.sum],
                              layerGradients: total.layerGradients,
                              embedding: (total.embeddingGradient, total.embeddingSquares), rows: total.projection!,
                              trainsEmbedding: batch.trainsEmbedding)
    }

    /// Forward and backward for `rows` of the batch: writes each row's loss, leaves this
    /// shard's encoder gradients in `w` and returns its head step (the head's gradients).
    private func backpropagate(_ model: SequenceClassifier, _ batch: TrainingBatch, rows: Range<Int>,
                               workspace w: LSTMEncoder.Workspace, losses: UnsafeMutablePointer<Float>)
        -> (correct: Float, kernelGradient: Tensor, biasGradient: Tensor) {
        let encoder = model.encoder.lstmEncoder!
        let features = encoder.forward(batch.indices, rows: rows, workspace: w, skippingLeadingPadding: skipsLeadingPadding)
        var head = HeadStep(head: model.head, rows: rows.count, features: encoder.features)
        // The encoder keeps its rows in its own order (by leading padding): row b is batch row order[b].
        let correct = head.run(features, rows: w.order, batch: batch, losses: losses)
        w.featureGradients.pointer.update(from: head.featureGradients, count: head.featureGradients.count)
        encoder.backward(steps: batch.indices.columns, batch: rows.count, workspace: w)
        return (correct, head.kernelGradient, head.biasGradient)
    }
}
