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
        return LSTMTrainingPass(model: model, batchSize: batchSize, steps: steps, trainsEmbedding: conditions.trainsEmbedding)
    }

    func logits(of model: SequenceClassifier, _ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float]? {
        model.lstmLogits(indices, skippingLeadingPadding: skippingLeadingPadding)
    }
}

extension SequenceClassifier {
    /// The LSTM's logits on its fast path, on the one inference loop, with prediction's kept scratch.
    func lstmLogits(_ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float] {
        let encoder = encoder.lstmEncoder!, workers = Self.inferenceWorkers(rows: indices.rows)
        let set = scratch.take(for: self, steps: indices.columns, workers: workers)
        defer { scratch.give(back: set) }
        let plan = encoder.planInference(indices, skippingLeadingPadding: skippingLeadingPadding, projection: set.projection,
                                         workspace: set.workspaces[0])
        return chunkedLogits(indices, order: plan.order, workers: workers) { rows, features, worker in
            encoder.forwardInference(indices, rows: rows, plan: plan, projection: set.projection,
                                     workspace: set.workspaces[worker], into: features)
        }
    }
}
