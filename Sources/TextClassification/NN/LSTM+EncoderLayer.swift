/// `--encoder lstm`: Keras's `LSTM(units)`, with fast paths for training and inference
/// (``LSTMEncoder``: each token's input projection computed once per batch, the leading padding
/// shared by the rows skipped). Training takes the fast path when nothing rules out per-token
/// projections (``TrainingConditions/projectsTokens``); the general path otherwise. Its names
/// and shapes come from ``RecurrentLayer`` (`RecurrentLayer+EncoderLayer.swift`).
extension LSTM: EncoderLayer {
    static let kind = SequenceEncoder.Kind.lstm
    static let help = "lstm (Keras LSTM)"
    /// The first encoder: models of format 3 have it.
    static let firstFormatVersion = 3

    func trainingPass(for model: SequenceClassifier, batchSize: Int, steps: Int,
                      conditions: TrainingConditions) -> (any TrainingPass)? {
        guard conditions.projectsTokens else { return nil }
        let workspaces = model.makeTrainingWorkspaces(batchSize: batchSize, steps: steps)
        for w in workspaces { w.encoder.trainsEmbedding = conditions.trainsEmbedding }
        return LSTMTrainingPass(workspaces: workspaces)
    }

    func logits(of model: SequenceClassifier, _ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float]? {
        model.lstmLogits(indices, skippingLeadingPadding: skippingLeadingPadding)
    }
}

/// The LSTM's fast training pass: one workspace per shard, its gradients summed into the
/// first's vocabulary-sized tables.
struct LSTMTrainingPass: TrainingPass {
    let workspaces: [SequenceClassifier.Workspace]

    func gradients(of model: SequenceClassifier, _ batch: TrainingBatch) throws -> SequenceClassifier.LayerBatch {
        let result = try model.accumulateGradients(batch.indices, labels: batch.labels, classWeights: batch.classWeights,
                                                   dropout: batch.dropout, workspaces: workspaces)
        let total = workspaces[0]
        return model.gathered(result, gradient: { UnsafePointer(total.gradient(named: $0).pointer) },
                              embeddingSquares: total.encoder.embeddingSquares, rows: total.encoder.projection!,
                              trainsEmbedding: batch.trainsEmbedding)
    }
}

extension SequenceClassifier {
    /// The LSTM's logits on its fast path, on all cores, with prediction's kept scratch.
    func lstmLogits(_ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float] {
        let encoder = encoder.lstmEncoder!, outputs = head.outputs
        var logits = [Float](repeating: 0, count: indices.rows * outputs)
        let chunks = (indices.rows + LSTMEncoder.inferenceChunk - 1) / LSTMEncoder.inferenceChunk
        let workers = min(Parallel.threads, chunks)
        let set = scratch.take(for: self, steps: indices.columns, workers: workers)
        defer { scratch.give(back: set) }
        let dense = head.dense
        logits.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            encoder.encode(indices, skippingLeadingPadding: skippingLeadingPadding, workers: workers,
                           scratch: (set.projection, set.workspaces)) { rows, features, worker in
                let chunk = set.outputs[worker].pointer
                dense.forward(features, rows: rows.count, into: chunk)
                for (k, row) in rows.enumerated() {
                    (shared.base + row * outputs).update(from: chunk + k * outputs, count: outputs)
                }
            }
        }
        return logits
    }
}
