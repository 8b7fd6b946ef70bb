/// The bag encoder's own pass (`Embedding(mask_zero=True)` → `GlobalAveragePooling1D`):
/// each row's mean is summed straight from the embedding rows of its tokens, skipping the
/// padding, and its gradient goes straight back to those rows. The general path builds the
/// `[rows, steps, width]` embedded tensor, its mask and its gradient, padding included
/// (a review holds ~160 tokens of its 700 steps); this one touches only the tokens, and gives
/// the same sums in the same order, so the same weights to the bit (tested).
///
/// The embedding's gradient comes by rows, in order of first use, each row's positions added
/// in position order within a shard and the shards' sums added in shard order, as the general
/// path's scatter over the whole `[rows, steps]` matrix adds them. Its slot table
/// (``BagWorkspace``) is kept from batch to batch.
struct BagTrainingPass: TrainingPass {
    let workspace: BagWorkspace

    /// Also gives the rows the slots the batch's pass then uses.
    func rowsRead(by batch: IndexMatrix) -> [Int32] {
        workspace.assign(batch)
        return workspace.tokens
    }

    func gradients(of model: SequenceClassifier, _ batch: TrainingBatch) throws -> BatchGradients {
        let indices = batch.indices
        try model.encoder.embedding.validate(indices.storage)
        if !workspace.isAssigned { workspace.assign(indices) }
        defer { workspace.release() }
        let rows = indices.rows, shards = min(workspace.shards.count, rows)
        let width = model.encoder.embedding.outputDim, slots = workspace.tokens.count
        let squares = batch.embeddingSquares
        typealias ShardResult = (correct: Float, kernel: Tensor, bias: Tensor, largestShare: Float)
        let (results, losses) = Parallel.shards(of: rows, count: shards) { s, range, losses -> ShardResult in
            let shard = workspace.shards[s]
            var head = shardForward(model, indices, rows: range, embeddingDropout: batch.embeddingDropout, masks: &shard.masks)
            let correct = head.step.run(head.features, rows: range, batch: batch, losses: losses)
            var largestShare: Float = 0
            if batch.trainsEmbedding {
                largestShare = shardBackward(head.step.featureGradients, rows: range, tokenCounts: head.tokenCounts,
                                             dropRate: batch.embeddingDropout?.rate ?? 0, shard: shard,
                                             slots: slots, width: width, squares: squares)
            }
            return (correct, head.step.kernelGradient, head.step.biasGradient, largestShare)
        }
        let kernel = ShardSum.tensors(results.map(\.kernel)), bias = ShardSum.tensors(results.map(\.bias))
        var total = BatchGradients(loss: losses.reduce(0, +) / Float(rows), correct: results.map(\.correct).reduce(0, +),
                                   allFinite: true, gradients: Dictionary(uniqueKeysWithValues: zip(
                                       ClassificationHead.parameterPaths.map(\.name), [kernel.sum, bias.sum])),
                                   embeddingRows: RowGradient())
        var finite = total.loss.isFinite && kernel.allFinite && bias.allFinite
        if batch.trainsEmbedding {
            // A slot sums at most `positions` shares of at most `largest` each (squares: their
            // squares), so when that product is far below Float's 3.4e38 every sum is finite
            // without reading them; otherwise each is checked.
            let largest = results.map(\.largestShare).max() ?? 0, positions = Float(workspace.rowStarts.last ?? 0)
            let surelyFinite = largest.isFinite && positions * largest * max(largest, 1) < 1e30
            finite = workspace.combine(shards, width: width, checksFinite: !surelyFinite) && finite
            let first = workspace.shards[0]
            total.embeddingRows = RowGradient(rows: workspace.tokens, gradient: first.sums, squares: first.squares)
        }
        total.allFinite = finite
        return total
    }

    /// A shard's rows' mean token vectors (`features`, `[rows.count, width]`) and the head
    /// step that will read them; with embedding dropout, each position's mask appended to `masks`.
    private func shardForward(_ model: SequenceClassifier, _ indices: IndexMatrix, rows: Range<Int>, embeddingDropout: SequenceClassifier.Dropout?,
                                 masks: inout [Float]) -> (step: HeadStep, features: [Float], tokenCounts: [Float]) {
        let width = model.encoder.embedding.outputDim, steps = indices.columns, count = rows.count
        let dropRate = embeddingDropout?.rate ?? 0
        var features = [Float](repeating: 0, count: count * width)
        var tokenCounts = [Float](repeating: 0, count: count)
        var mask = [Float](repeating: 0, count: width)
        masks.removeAll(keepingCapacity: true)
        indices.storage.withUnsafeBufferPointer { ids in
            model.encoder.embedding.table.scalars.withUnsafeBufferPointer { table in
                features.withUnsafeMutableBufferPointer { out in
                    for (b, r) in rows.enumerated() {
                        let row = out.baseAddress! + b * width, tokens = ids.baseAddress! + r * steps
                        guard let embeddingDropout, dropRate > 0 else {
                            tokenCounts[b] = RowTable(reading: table.baseAddress!, width: width)
                                .mean(ofTokens: tokens, steps: steps, into: row)
                            continue
                        }
                        var n: Float = 0
                        for t in 0..<steps where tokens[t] != 0 {
                            // The general path masks the embedded value, then sums: same products.
                            let vector = table.baseAddress! + Int(tokens[t]) * width
                            mask.withUnsafeMutableBufferPointer { embeddingDropout.mask(row: r, from: t * width, count: width, into: $0.baseAddress!) }
                            for j in 0..<width { row[j] += vector[j] * mask[j] }
                            masks += mask
                            n += 1
                        }
                        if n > 0 { for j in 0..<width { row[j] /= n } }
                        tokenCounts[b] = n
                    }
                }
            }
        }
        return (HeadStep(head: model.head, rows: count, features: width), features, tokenCounts)
    }

    /// A shard's gradient back to its positions' embedding rows: each position's share of its
    /// row's feature gradient (times its dropout mask) added to its slot, in position order.
    /// Returns a bound on the shares' magnitudes (infinite if one is not finite).
    private func shardBackward(_ featureGradients: [Float], rows: Range<Int>, tokenCounts: [Float], dropRate: Float,
                               shard: BagWorkspace.Shard, slots: Int, width: Int, squares: Bool) -> Float {
        shard.reserve(slots: slots, width: width, squares: squares)
        // g: a row's share before dropout, share: one position's; raw buffers, as the position
        // loop below is the fit's innermost and an array passed to it is converted every time.
        let g = FloatBuffer(count: width), share = FloatBuffer(count: width)
        var used = 0, position = workspace.rowStarts[rows.lowerBound]
        // Dropout's mask is 0 or 1 / (1 − rate); twice that covers the products' rounding.
        var largest: Float = 0, allFinite = true
        let maskBound: Float = dropRate > 0 ? 2 / (1 - dropRate) : 2
        let masks = shard.masks
        featureGradients.withUnsafeBufferPointer { dy in
            shard.withSums(width: width) { sums in
                workspace.positionSlots.withUnsafeBufferPointer { slotOf in
                    for b in 0..<rows.count where tokenCounts[b] > 0 {
                        let n = tokenCounts[b], source = dy.baseAddress! + b * width
                        for j in 0..<width {
                            g.pointer[j] = source[j] / n
                            allFinite = allFinite && g.pointer[j].isFinite
                            largest = max(largest, abs(g.pointer[j]))
                        }
                        share.pointer.update(from: g.pointer, count: width)
                        for _ in 0..<Int(n) {
                            if dropRate > 0 {
                                for j in 0..<width { share.pointer[j] = g.pointer[j] * masks[used + j] }
                                used += width
                            }
                            sums.add(share.pointer, toRow: Int(slotOf[position]))
                            position += 1
                        }
                    }
                }
            }
        }
        return allFinite ? largest * maskBound : .infinity
    }
}

extension SequenceClassifier {
    /// The head's logits for the bag: each row's mean token vector (padding never read)
    /// through the dense layer, on the one inference loop.
    func bagLogits(_ indices: IndexMatrix) -> [Float] {
        let width = encoder.embedding.outputDim, steps = indices.columns, embedding = encoder.embedding
        return indices.storage.withUnsafeBufferPointer { ids in
            let ids = UncheckedSendable(ids.baseAddress!)
            return chunkedLogits(indices) { rows, features, _ in
                for (b, r) in rows.enumerated() {
                    embedding.mean(ofTokens: ids.value + r * steps, steps: steps, into: features + b * width)
                }
            }
        }
    }
}
