/// The one training contract: a fit makes one ``TrainingPass`` for the model (the encoder's own,
/// or the layers' ``GeneralTrainingPass``) and asks it for every batch's ``BatchGradients``,
/// which one optimizer step applies. Whatever runs inside a pass (the LSTM's per-token
/// projections, the bag's slot tables), the training loop, the head's step
/// (``HeadStep``), the sums over shards and the optimizer are the same for every encoder.
///
/// ```swift
/// let pass = model.makeTrainingPass(batchSize: 32, steps: 100)
/// let result = try pass.gradients(of: model, TrainingBatch(indices: batch, labels: labels))
/// result.loss; result.gradients["dense/kernel"]; result.embeddingRows.rows
/// ```
protocol TrainingPass {
    /// The embedding rows `batch` reads, each once: the deferred optimizer catches them up
    /// before the batch runs.
    func rowsRead(by batch: IndexMatrix) -> [Int32]
    /// One batch's loss, rows right and gradients.
    func gradients(of model: SequenceClassifier, _ batch: TrainingBatch) throws -> BatchGradients
}

extension TrainingPass {
    func rowsRead(by batch: IndexMatrix) -> [Int32] { batch.distinctTokens }
}

/// What a fit asks of a training pass, known before the first batch.
struct TrainingConditions {
    /// The embedding is trained (not frozen).
    var trainsEmbedding = true
    /// Neither embedding nor recurrent dropout, and an optimizer that reads the embedding's
    /// per-position squares (Keras's dense Adam): passes that project each token once and keep
    /// vocabulary-sized gradient tables (the LSTM's) are possible.
    var projectsTokens = true
}

/// One training batch and how it is trained.
struct TrainingBatch {
    var indices: IndexMatrix
    /// `head.targetWidth` values per row.
    var labels: [Float]
    /// One weight per class (per label for multi-label), Keras's `class_weight`.
    var classWeights: [Float]? = nil
    /// One weight per row, Keras's `sample_weight`: the row's loss (and so its gradient) times
    /// it; the batch's loss stays the sum over its rows divided by their count. `nil`: all 1.
    var sampleWeights: [Float]? = nil
    var dropout: SequenceClassifier.Dropout? = nil
    var embeddingDropout: SequenceClassifier.Dropout? = nil
    var recurrentDropout: SequenceClassifier.Dropout? = nil
    var trainsEmbedding = true
    /// Also sum the embedding's per-position squared gradients (Keras's dense Adam reads them;
    /// lazy and deferred Adam do not).
    var embeddingSquares = true
}

/// What one batch's forward and backward pass gives, whichever pass computed it: every weight's
/// gradient by Keras name but the embedding's, which comes by rows (only the rows the batch
/// read, with their per-position squares summed by row when asked).
struct BatchGradients {
    /// Mean loss over the batch.
    var loss: Float
    /// Rows right (for multi-label, the fraction of each row's labels right, summed).
    var correct: Float
    /// Whether the loss and every gradient are finite (the optimizer then steps).
    var allFinite: Bool
    var gradients: [String: Tensor]
    var embeddingRows: RowGradient
}

/// A weight's gradient given by rows, the others zero: an embedding's after a batch that read
/// only some of its rows (no vocabulary-sized table per batch). What an ``Optimizer`` steps
/// the embedding with.
public struct RowGradient: Sendable {
    /// The rows that have a gradient, each once.
    public var rows: [Int32] = []
    /// `[rows.count, width]`: each row's gradient, in the order of `rows`.
    public var gradient: [Float] = []
    /// Its per-position squares summed by row (Keras's Adam reads them; see ``Adam``), or
    /// empty when the optimizer does not read them (``Optimizer/readsPositionSquares``).
    public var squares: [Float] = []

    /// A gradient of `rows` (each once), `[rows.count, width]` values and their squares.
    public init(rows: [Int32] = [], gradient: [Float] = [], squares: [Float] = []) {
        self.rows = rows
        self.gradient = gradient
        self.squares = squares
    }
}

extension SequenceClassifier {
    /// The training pass a fit under `conditions` uses, for batches of up to `batchSize` rows of
    /// `steps` indices: the encoder's own, else the layers' general path.
    func makeTrainingPass(batchSize: Int, steps: Int, conditions: TrainingConditions = TrainingConditions())
        -> any TrainingPass {
        encoder.layer.trainingPass(for: self, batchSize: batchSize, steps: steps, conditions: conditions)
            ?? GeneralTrainingPass(vocabulary: encoder.embedding.inputDim)
    }

    /// A fast path's sums, left in its workspaces' vocabulary-sized tables, as
    /// ``BatchGradients``: the head's gradients (in ``ClassificationHead/parameterPaths`` order)
    /// and the layer's (`layerGradients`, in the layer's declared weight order, copied out: a few
    /// small tensors), the embedding's only at the rows the batch read (the tables are zero
    /// elsewhere), so the optimizer's step is the same as over the whole table. The names come
    /// from the layers' declarations, never written here.
    func gathered(_ result: (loss: Float, correct: Float, allFinite: Bool), headGradients: [Tensor],
                  layerGradients: [UnsafePointer<Float>], embedding: (gradient: FloatBuffer, squares: FloatBuffer),
                  rows projection: TokenProjection, trainsEmbedding: Bool) -> BatchGradients {
        var gradients = Dictionary(uniqueKeysWithValues: zip(ClassificationHead.parameterPaths.map(\.name), headGradients))
        let layer = encoder.parameterPaths.filter { $0.name != Embedding.weightName }
        precondition(layer.count == layerGradients.count, "one gradient per weight of the layer")
        for (entry, gradient) in zip(layer, layerGradients) {
            let shape = encoder[keyPath: entry.path].shape
            gradients[entry.name] = Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: gradient,
                                                                                            count: shape.reduce(1, *))))
        }
        var embeddingRows = RowGradient()
        if trainsEmbedding {
            let width = encoder.embedding.outputDim, rows = projection.tokens
            func gather(_ table: FloatBuffer) -> [Float] {
                [Float](unsafeUninitializedCapacity: rows.count * width) { out, initialized in
                    RowTable(table.pointer, width: width).gather(rows, count: rows.count, into: out.baseAddress!)
                    initialized = rows.count * width
                }
            }
            embeddingRows = RowGradient(rows: rows, gradient: gather(embedding.gradient), squares: gather(embedding.squares))
        }
        return BatchGradients(loss: result.loss, correct: result.correct, allFinite: result.allFinite, gradients: gradients,
                              embeddingRows: embeddingRows)
    }
}
