/// One training step's gradients in the one form the optimizer takes, whichever pass computed
/// them: the LSTM's fast path (one direction or both), the bag's own pass, or the layers'
/// general path. The training loop asks for them once per batch and hands them to one
/// ``Adam/update(_:along:rowGradients:frozen:)``.
extension SequenceClassifier {
    /// The training memory of the passes, made once per fit and reused batch after batch.
    struct TrainingScratch {
        /// The LSTM's fast path: one workspace per shard.
        var lstm: [Workspace] = []
        /// The bidirectional LSTM's fast path.
        var bidirectional: BidirectionalWorkspaces?
        /// The bag's slot table.
        var bag: BagWorkspace?
    }

    /// Scratch for batches of up to `batchSize` rows of `steps` indices. The LSTM and the
    /// bidirectional LSTM take their fast path when `fastPath` (no embedding or recurrent
    /// dropout, whose masks its per-token projections rule out; Keras's dense Adam); every
    /// other case takes the layers' general path, the bag its own pass.
    func makeTrainingScratch(batchSize: Int, steps: Int, fastPath: Bool, trainsEmbedding: Bool) -> TrainingScratch {
        var scratch = TrainingScratch()
        if fastPath && encoder.kind == .bilstm {
            let workspaces = makeBidirectionalWorkspaces(batchSize: batchSize, steps: steps)
            for w in workspaces.forward + workspaces.backward { w.trainsEmbedding = trainsEmbedding }
            scratch.bidirectional = workspaces
        } else if fastPath && encoder.kind == .lstm {
            scratch.lstm = makeTrainingWorkspaces(batchSize: batchSize, steps: steps)
            for w in scratch.lstm { w.encoder.trainsEmbedding = trainsEmbedding }
        } else if encoder.kind == .bag {
            scratch.bag = BagWorkspace(vocabulary: encoder.embedding.inputDim)
        }
        return scratch
    }

    /// The rows of the embedding `batch` reads, each once (the deferred optimizer catches them
    /// up before the batch); with the bag's scratch, also gives them the slots its pass uses.
    func rowsRead(by batch: IndexMatrix, scratch: TrainingScratch) -> [Int32] {
        guard let bag = scratch.bag else { return batch.distinctTokens }
        bag.assign(batch)
        return bag.tokens
    }

    /// One batch's loss, rows right and gradients: every weight's by Keras name but the
    /// embedding's, which comes by rows (with `trainsEmbedding`).
    /// - Parameter embeddingSquares: also sum the embedding's per-position squared gradients
    ///   (Keras's dense Adam reads them; lazy Adam does not).
    func batchGradients(_ batch: IndexMatrix, labels: [Float], classWeights: [Float]?, dropout: Dropout?,
                        embeddingDropout: Dropout?, recurrentDropout: Dropout?, trainsEmbedding: Bool,
                        embeddingSquares: Bool, scratch: TrainingScratch) throws -> LayerBatch {
        if let bidirectional = scratch.bidirectional {
            let result = try bidirectionalGradients(batch, labels: labels, classWeights: classWeights, dropout: dropout,
                                                    workspaces: bidirectional)
            let total = bidirectional.forward[0]
            return gathered(result, gradient: { bidirectional.gradient(named: $0) }, embeddingSquares: total.embeddingSquares,
                            rows: total.projection!, trainsEmbedding: trainsEmbedding)
        }
        if let total = scratch.lstm.first {
            let result = try accumulateGradients(batch, labels: labels, classWeights: classWeights, dropout: dropout,
                                                 workspaces: scratch.lstm)
            return gathered(result, gradient: { UnsafePointer(total.gradient(named: $0).pointer) },
                            embeddingSquares: total.encoder.embeddingSquares, rows: total.encoder.projection!,
                            trainsEmbedding: trainsEmbedding)
        }
        return try layerGradients(batch, labels: labels, classWeights: classWeights, dropout: dropout,
                                  embeddingDropout: embeddingDropout, recurrentDropout: recurrentDropout,
                                  trainsEmbedding: trainsEmbedding, embeddingSquares: embeddingSquares,
                                  bagWorkspace: scratch.bag)
    }

    /// The fast path's sums, left in its workspaces' vocabulary-sized tables, as a
    /// ``LayerBatch``: the weights' gradients copied out (a few small tensors), the embedding's
    /// only at the rows the batch read (the tables are zero elsewhere), so the optimizer's
    /// step is the same as over the whole table.
    private func gathered(_ result: (loss: Float, correct: Float, allFinite: Bool), gradient: (String) -> UnsafePointer<Float>,
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
