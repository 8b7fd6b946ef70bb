/// One training step's gradients in the one form the optimizer takes, whichever pass computed
/// them: the encoder's own (``EncoderLayer/trainingPass(for:batchSize:steps:conditions:)``) or
/// the layers' general path. The training loop asks for them once per batch and hands them to
/// one ``Adam/update(_:along:rowGradients:frozen:)``.
extension SequenceClassifier {
    /// The encoder's own training pass for a fit under `conditions` (batches of up to
    /// `batchSize` rows of `steps` indices), or `nil` for the general path.
    func trainingPass(batchSize: Int, steps: Int, conditions: TrainingConditions) -> (any TrainingPass)? {
        encoder.layer.trainingPass(for: self, batchSize: batchSize, steps: steps, conditions: conditions)
    }

    /// One batch's loss, rows right and gradients, by `pass` if there is one, else by the
    /// general path: every weight's gradient by Keras name but the embedding's, which comes by
    /// rows (when the embedding is trained).
    func batchGradients(_ batch: TrainingBatch, pass: (any TrainingPass)?) throws -> LayerBatch {
        if let pass { return try pass.gradients(of: self, batch) }
        return try layerGradients(batch)
    }

    /// A fast path's sums, left in its workspaces' vocabulary-sized tables, as a
    /// ``LayerBatch``: the weights' gradients copied out (a few small tensors), the embedding's
    /// only at the rows the batch read (the tables are zero elsewhere), so the optimizer's
    /// step is the same as over the whole table.
    func gathered(_ result: (loss: Float, correct: Float, allFinite: Bool), gradient: (String) -> UnsafePointer<Float>,
                          embeddingSquares: FloatBuffer, rows projection: TokenProjection,
                          trainsEmbedding: Bool) -> LayerBatch {
        var gradients: [String: Tensor] = [:]
        for entry in parameterPaths where entry.name != Embedding.weightName {
            let shape = self[keyPath: entry.path].shape
            gradients[entry.name] = Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: gradient(entry.name),
                                                                                            count: shape.reduce(1, *))))
        }
        var embeddingRows = Adam.RowGradient()
        if trainsEmbedding {
            let width = encoder.embedding.outputDim, rows = UnsafeBufferPointer(start: projection.tokens, count: projection.count)
            func gather(_ table: UnsafePointer<Float>) -> [Float] {
                [Float](unsafeUninitializedCapacity: rows.count * width) { out, initialized in
                    for (k, row) in rows.enumerated() {
                        (out.baseAddress! + k * width).initialize(from: table + Int(row) * width, count: width)
                    }
                    initialized = rows.count * width
                }
            }
            embeddingRows.rows = Array(rows)
            embeddingRows.gradient = gather(gradient(Embedding.weightName))
            embeddingRows.squares = gather(embeddingSquares.pointer)
        }
        return LayerBatch(loss: result.loss, correct: result.correct, allFinite: result.allFinite, gradients: gradients,
                          embeddingRows: embeddingRows)
    }
}
