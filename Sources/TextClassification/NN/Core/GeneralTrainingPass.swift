import Foundation

/// The general path: every encoder without a pass of its own (the GRU, the BiGRU, the
/// convolution), and the LSTMs when embedding or recurrent dropout or a row-wise optimizer rules
/// out theirs; each batch through the layers' own forward and backward passes on tensors
/// (``EncoderLayer/encodedForBackpropagation(_:tokens:recurrentMasks:)``). Deterministic like the
/// fast paths: a batch is split into the same ``Parallel/trainingShards`` halves whatever the
/// thread count, and their gradients summed in shard order.
///
/// - Embedding dropout is Keras's `Dropout` between the embedding and the layer: each embedded
///   value of a row kept with probability 1 − rate and scaled by 1 / (1 − rate); the row's mask
///   follows the seed and the batch row.
/// - Recurrent dropout is Keras's `recurrent_dropout` of the layer: one mask per gate (and
///   direction) on h₋₁, per batch row, from the seed and the row.
struct GeneralTrainingPass: TrainingPass {
    /// Each shard's token slots and the merge's, kept from batch to batch.
    private let shardSlots: [TokenSlots], mergedSlots: TokenSlots

    /// The pass for an embedding of `vocabulary` rows.
    init(vocabulary: Int) {
        shardSlots = (0..<Parallel.trainingShards).map { _ in TokenSlots(vocabulary: vocabulary) }
        mergedSlots = TokenSlots(vocabulary: vocabulary)
    }

    func gradients(of model: SequenceClassifier, _ batch: TrainingBatch) throws -> BatchGradients {
        try model.encoder.embedding.validate(batch.indices.storage)
        let rows = batch.indices.rows, shards = min(Parallel.trainingShards, rows)
        let (results, losses) = Parallel.shards(of: rows, count: shards) { s, range, losses in
            shard(of: model, batch, rows: range, losses: losses, slots: shardSlots[s])
        }
        var total = BatchGradients(loss: losses.reduce(0, +) / Float(rows), correct: results.map(\.correct).reduce(0, +),
                                   allFinite: true, gradients: [:], embeddingRows: RowGradient())
        var finite = total.loss.isFinite
        for name in results[0].gradients.keys {
            let summed = ShardSum.tensors(results.map { $0.gradients[name]! })
            total.gradients[name] = summed.sum
            finite = finite && summed.allFinite
        }
        if batch.trainsEmbedding {
            let merged = EmbeddingRows.merge(results.map(\.embeddingRows), width: model.encoder.embedding.outputDim,
                                             squares: batch.embeddingSquares, slots: mergedSlots)
            total.embeddingRows = merged.rows
            finite = finite && merged.allFinite
        }
        total.allFinite = finite
        return total
    }

    /// One shard's result: its rows right, its gradients by name but the embedding's, and the
    /// embedding's by the rows it read.
    private struct Shard {
        var correct: Float
        var gradients: [String: Tensor]
        var embeddingRows: EmbeddingRows
    }

    /// One shard's rows: writes each row's loss (already divided by the batch size) into
    /// `losses` and returns the shard's gradients.
    private func shard(of model: SequenceClassifier, _ batch: TrainingBatch, rows: Range<Int>,
                       losses: UnsafeMutablePointer<Float>, slots: TokenSlots) -> Shard {
        let tokens = batch.indices.rows(rows), encoder = model.encoder
        var embedded = encoder.embedding.embedded(validated: tokens)  // the batch was validated in gradients
        let rowWidth = tokens.columns * encoder.embedding.outputDim
        let embeddingMasks = Self.masks(batch.embeddingDropout, rows: rows, width: rowWidth)
        if let embeddingMasks { for k in embedded.scalars.indices { embedded.scalars[k] *= embeddingMasks[k] } }
        let recurrentMasks = Self.masks(batch.recurrentDropout, rows: rows, width: encoder.recurrentMaskWidth)
        let (features, backpropagator) = encoder.layerForBackpropagation(embedded, tokens: tokens, recurrentMasks: recurrentMasks)
        var head = HeadStep(head: model.head, rows: rows.count, features: encoder.features)
        let correct = features.scalars.withUnsafeBufferPointer { x in
            head.run(x.baseAddress!, rows: rows, batch: batch, losses: losses)
        }
        var (inputGradient, gradients) = backpropagator(Tensor(shape: [rows.count, encoder.features],
                                                               scalars: head.featureGradients))
        if let embeddingMasks { for k in inputGradient.scalars.indices { inputGradient.scalars[k] *= embeddingMasks[k] } }
        gradients.merge(head.gradients) { $1 }
        let embeddingRows = batch.trainsEmbedding
            ? EmbeddingRows(scattering: inputGradient, of: tokens, width: encoder.embedding.outputDim, slots: slots)
            : EmbeddingRows()
        return Shard(correct: correct, gradients: gradients, embeddingRows: embeddingRows)
    }

    /// `width` mask values per row of `rows` (their batch rows fix them), or `nil` without dropout.
    private static func masks(_ dropout: SequenceClassifier.Dropout?, rows: Range<Int>, width: Int) -> [Float]? {
        guard let dropout, dropout.rate > 0 else { return nil }
        var masks = [Float](repeating: 0, count: rows.count * width)
        masks.withUnsafeMutableBufferPointer { m in
            for (b, r) in rows.enumerated() { dropout.mask(row: r, count: width, into: m.baseAddress! + b * width) }
        }
        return masks
    }
}

/// One shard's embedding gradient, only the rows of the tokens it read (in order of first use):
/// a vocabulary-sized table per shard per batch cost more than the layers did.
struct EmbeddingRows {
    var tokens: [Int32] = []
    var gradient: [Float] = []
    var squares: [Float] = []

    init() {}

    /// Each position's gradient (`[rows, steps, width]`, the positions of `indices`) added to
    /// its token's row in position order, with its square: the same sums as a scatter into the
    /// whole table.
    init(scattering positions: Tensor, of indices: IndexMatrix, width: Int, slots: TokenSlots) {
        slots.reset()
        var local = indices.storage
        local.withUnsafeMutableBufferPointer { slots.assign(replacing: $0) }
        tokens = slots.tokens
        gradient = [Float](repeating: 0, count: tokens.count * width)
        squares = gradient
        positions.scalars.withUnsafeBufferPointer { g in
            gradient.withUnsafeMutableBufferPointer { table in
                squares.withUnsafeMutableBufferPointer { sq in
                    RowTable(table.baseAddress!, width: width)
                        .scatterAdd(g.baseAddress!, indices: local, count: local.count, squares: RowTable(sq.baseAddress!, width: width))
                }
            }
        }
    }

    /// The shards' rows merged by token, in shard order (zero, then each shard's: the sums a
    /// whole table would hold); whether every sum is finite.
    static func merge(_ shards: [EmbeddingRows], width: Int, squares: Bool,
                      slots: TokenSlots) -> (rows: RowGradient, allFinite: Bool) {
        slots.reset()
        for shard in shards { slots.assign(shard.tokens) }
        let zeros = [Float](repeating: 0, count: slots.count * width)
        var merged = RowGradient(rows: slots.tokens, gradient: zeros, squares: squares ? zeros : []), finite = true
        func add(_ compact: [Float], of tokens: [Int32], into full: inout [Float]) {
            compact.withUnsafeBufferPointer { c in
                finite = finite && VectorMath.allFinite(c.baseAddress!, count: c.count)
                full.withUnsafeMutableBufferPointer { f in
                    let table = RowTable(f.baseAddress!, width: width)
                    for (k, token) in tokens.enumerated() { table.add(c.baseAddress! + k * width, toRow: Int(slots[token])) }
                }
            }
        }
        for shard in shards {
            add(shard.gradient, of: shard.tokens, into: &merged.gradient)
            if squares { add(shard.squares, of: shard.tokens, into: &merged.squares) }
        }
        return (merged, finite)
    }
}
