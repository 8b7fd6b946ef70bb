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

    /// One batch's gradients through the pass a fit of this one batch would use (made for the
    /// call; `conditions` by default those the batch implies): what the tests compare with
    /// Keras and with the general path.
    func gradients(_ batch: TrainingBatch, conditions: TrainingConditions? = nil) throws -> BatchGradients {
        let masked = [batch.embeddingDropout, batch.recurrentDropout].contains { ($0?.rate ?? 0) > 0 }
        let conditions = conditions ?? TrainingConditions(trainsEmbedding: batch.trainsEmbedding,
                                                          projectsTokens: !masked && batch.embeddingSquares)
        return try makeTrainingPass(batchSize: batch.indices.rows, steps: batch.indices.columns, conditions: conditions)
            .gradients(of: self, batch)
    }
}

extension BatchGradients {
    /// Every gradient by name, the embedding's as a whole table `[rows, width]`, and its
    /// squares as another (what Keras's dense `train_on_batch` sees).
    func denseGradients(embeddingShape shape: [Int]) -> (gradients: [String: Tensor], embeddingSquares: Tensor) {
        let width = shape[1]
        var gradient = Tensor(zeros: shape), squares = gradient
        for (k, row) in embeddingRows.rows.enumerated() {
            for j in 0..<width {
                gradient.scalars[Int(row) * width + j] = embeddingRows.gradient[k * width + j]
                if !embeddingRows.squares.isEmpty {
                    squares.scalars[Int(row) * width + j] = embeddingRows.squares[k * width + j]
                }
            }
        }
        return (gradients.merging([Embedding.weightName: gradient]) { $1 }, squares)
    }
}
