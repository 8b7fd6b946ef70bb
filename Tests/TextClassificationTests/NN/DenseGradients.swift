@testable import TextClassification

/// One batch's loss and gradients as Keras's dense `train_on_batch` sees them: every weight's
/// gradient as a whole tensor (the embedding's included) and the embedding's per-position squares.
struct DenseGradients {
    var loss: Float
    var correct: Float
    var gradients: [String: Tensor]
    var embeddingSquares: Tensor
}

extension SequenceClassifier {
    /// One batch through `pass` (by default the pass a fit of this batch uses), densified.
    func denseGradients(_ x: IndexMatrix, labels: [Float], classWeights: [Float]? = nil, dropout: Dropout? = nil,
                        embeddingDropout: Dropout? = nil, recurrentDropout: Dropout? = nil,
                        pass: (any TrainingPass)? = nil) throws -> DenseGradients {
        let batch = TrainingBatch(indices: x, labels: labels, classWeights: classWeights, dropout: dropout,
                                  embeddingDropout: embeddingDropout, recurrentDropout: recurrentDropout)
        let result = try pass.map { try $0.gradients(of: self, batch) } ?? gradients(batch)
        let dense = result.denseGradients(embeddingShape: encoder.embedding.embeddings.shape)
        return DenseGradients(loss: result.loss, correct: result.correct, gradients: dense.gradients,
                              embeddingSquares: dense.embeddingSquares)
    }

    /// The same through the layers' general path.
    func generalGradients(_ x: IndexMatrix, labels: [Float], classWeights: [Float]? = nil, dropout: Dropout? = nil,
                          embeddingDropout: Dropout? = nil, recurrentDropout: Dropout? = nil) throws -> DenseGradients {
        try denseGradients(x, labels: labels, classWeights: classWeights, dropout: dropout, embeddingDropout: embeddingDropout,
                           recurrentDropout: recurrentDropout, pass: GeneralTrainingPass(vocabulary: encoder.embedding.inputDim))
    }
}
