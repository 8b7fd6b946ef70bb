/// The bag encoder's own pass (`Embedding(mask_zero=True)` → `GlobalAveragePooling1D`):
/// each row's mean is summed straight from the embedding rows of its tokens, skipping the
/// padding, and its gradient goes straight back to those rows. The general path builds the
/// `[rows, steps, width]` embedded tensor, its mask and its gradient, padding included
/// (a review holds ~160 tokens of its 700 steps); this one touches only the tokens, and gives
/// the same sums in the same order, so the same weights to the bit (tested).
extension SequenceClassifier {
    /// One batch through the bag and the head, in ``Parallel/trainingShards`` shards of rows:
    /// the same results as the general path (see ``layerGradients(_:)``).
    /// The embedding's gradient comes by rows, in order of first use, each row's positions
    /// added in position order within a shard and the shards' sums added in shard order, as
    /// the general path's scatter over the whole `[rows, steps]` matrix adds them.
    /// - Parameter squares: also sum each position's squared gradient by row (Keras's dense
    ///   Adam reads them; lazy Adam does not).
    func bagGradients(_ indices: IndexMatrix, labels: [Float], classWeights: [Float]?, dropout: Dropout?,
                      embeddingDropout: Dropout?, trainsEmbedding: Bool, squares: Bool,
                      workspace: BagWorkspace) -> LayerBatch {
        if !workspace.isAssigned { workspace.assign(indices) }
        defer { workspace.release() }
        let batch = indices.rows, shards = min(workspace.shards.count, batch)
        let width = encoder.embedding.outputDim, slots = workspace.tokens.count
        typealias ShardResult = (correct: Float, kernel: Tensor, bias: Tensor, largestShare: Float)
        let (results, losses) = Parallel.shards(of: batch, count: shards) { s, rows, losses -> ShardResult in
            let shard = workspace.shards[s]
            var head = bagShardForward(indices, rows: rows, embeddingDropout: embeddingDropout, masks: &shard.masks)
            let correct = head.step.run(head.features, rows: rows, batchSize: batch, labels: labels,
                                        classWeights: classWeights, dropout: dropout, losses: losses)
            var largestShare: Float = 0
            if trainsEmbedding {
                largestShare = bagShardBackward(head.step.featureGradients, rows: rows, tokenCounts: head.tokenCounts,
                                                dropRate: embeddingDropout?.rate ?? 0, workspace: workspace, shard: shard,
                                                slots: slots, squares: squares)
            }
            return (correct, head.step.kernelGradient, head.step.biasGradient, largestShare)
        }
        // Shards summed in shard order (the same sums for any thread count).
        var total = LayerBatch(loss: losses.reduce(0, +) / Float(batch), correct: 0, allFinite: true, gradients: [:],
                               embeddingRows: Adam.RowGradient())
        var kernel = results[0].kernel, bias = results[0].bias
        for s in 0..<shards {
            let shard = results[s]
            total.correct += shard.correct
            if s > 0 {
                kernel.scalars.withUnsafeMutableBufferPointer { sum in
                    shard.kernel.scalars.withUnsafeBufferPointer { VectorMath.add($0.baseAddress!, into: sum.baseAddress!, count: $0.count) }
                }
                bias.scalars.withUnsafeMutableBufferPointer { sum in
                    shard.bias.scalars.withUnsafeBufferPointer { VectorMath.add($0.baseAddress!, into: sum.baseAddress!, count: $0.count) }
                }
            }
        }
        total.gradients = ["dense/kernel": kernel, "dense/bias": bias]
        var finite = total.loss.isFinite
        for gradient in [kernel, bias] {
            finite = finite && gradient.scalars.withUnsafeBufferPointer { VectorMath.allFinite($0.baseAddress!, count: $0.count) }
        }
        if trainsEmbedding {
            // A slot sums at most `positions` shares of at most `largest` each (squares: their
            // squares), so when that product is far below Float's 3.4e38 every sum is finite
            // without reading them; otherwise each is checked.
            let largest = results.map(\.largestShare).max() ?? 0, positions = Float(workspace.rowStarts.last ?? 0)
            let surelyFinite = largest.isFinite && positions * largest * max(largest, 1) < 1e30
            finite = workspace.combine(shards, width: width, squares: squares, checksFinite: !surelyFinite) && finite
            let first = workspace.shards[0]
            total.embeddingRows = Adam.RowGradient(rows: workspace.tokens, gradient: first.sums,
                                                   squares: squares ? first.squares : [])
        }
        total.allFinite = finite
        return total
    }

    /// A shard's rows' mean token vectors (`features`, `[rows.count, width]`) and the head
    /// step that will read them; with embedding dropout, each position's mask appended to `masks`.
    private func bagShardForward(_ indices: IndexMatrix, rows: Range<Int>, embeddingDropout: Dropout?,
                                 masks: inout [Float]) -> (step: HeadStep, features: [Float], tokenCounts: [Float]) {
        let width = encoder.embedding.outputDim, steps = indices.columns, count = rows.count
        let dropRate = embeddingDropout?.rate ?? 0
        var features = [Float](repeating: 0, count: count * width)
        var tokenCounts = [Float](repeating: 0, count: count)
        var mask = [Float](repeating: 0, count: width)
        masks.removeAll(keepingCapacity: true)
        indices.storage.withUnsafeBufferPointer { ids in
            encoder.embedding.embeddings.scalars.withUnsafeBufferPointer { table in
                features.withUnsafeMutableBufferPointer { out in
                    for (b, r) in rows.enumerated() {
                        let row = out.baseAddress! + b * width, tokens = ids.baseAddress! + r * steps
                        var n: Float = 0
                        for t in 0..<steps where tokens[t] != 0 {
                            let vector = table.baseAddress! + Int(tokens[t]) * width
                            if let embeddingDropout, dropRate > 0 {
                                // The general path masks the embedded value, then sums: same products.
                                embeddingDropout.mask(row: r, from: t * width, count: width, into: &mask)
                                for j in 0..<width { row[j] += vector[j] * mask[j] }
                                masks += mask
                            } else {
                                VectorMath.add(vector, into: row, count: width)
                            }
                            n += 1
                        }
                        // Keras divides the sum by the count (not a multiply by its inverse).
                        if n > 0 { for j in 0..<width { row[j] /= n } }
                        tokenCounts[b] = n
                    }
                }
            }
        }
        return (HeadStep(head: head, rows: count, features: width), features, tokenCounts)
    }

    /// A shard's gradient back to its positions' embedding rows: each position's share of its
    /// row's feature gradient (times its dropout mask) added to its slot, in position order.
    /// Returns a bound on the shares' magnitudes (infinite if one is not finite).
    private func bagShardBackward(_ featureGradients: [Float], rows: Range<Int>, tokenCounts: [Float], dropRate: Float,
                                  workspace: BagWorkspace, shard: BagWorkspace.Shard, slots: Int, squares: Bool) -> Float {
        let width = encoder.embedding.outputDim
        shard.sums.resize(to: slots * width, filler: 0)
        shard.squares.resize(to: squares ? slots * width : 0, filler: 0)
        shard.touched.resize(to: slots, filler: false)
        shard.touched.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
        var g = [Float](repeating: 0, count: width), share = g
        var used = 0, position = workspace.rowStarts[rows.lowerBound]
        // Dropout's mask is 0 or 1 / (1 − rate); twice that covers the products' rounding.
        var largest: Float = 0, allFinite = true
        let maskBound: Float = dropRate > 0 ? 2 / (1 - dropRate) : 2
        let masks = shard.masks
        featureGradients.withUnsafeBufferPointer { dy in
            shard.withTables { table in
                workspace.positionSlots.withUnsafeBufferPointer { slotOf in
                    for b in 0..<rows.count where tokenCounts[b] > 0 {
                        let n = tokenCounts[b], source = dy.baseAddress! + b * width
                        for j in 0..<width {
                            g[j] = source[j] / n
                            allFinite = allFinite && g[j].isFinite
                            largest = max(largest, abs(g[j]))
                        }
                        share = g
                        for _ in 0..<Int(n) {
                            if dropRate > 0 {
                                for j in 0..<width { share[j] = g[j] * masks[used + j] }
                                used += width
                            }
                            let slot = Int(slotOf[position])
                            let target = table.sums! + slot * width, square = squares ? table.squares! + slot * width : nil
                            position += 1
                            if table.touched![slot] {
                                for j in 0..<width { target[j] += share[j] }
                                if let square { for j in 0..<width { square[j] += share[j] * share[j] } }
                            } else {
                                // What a zeroed row would hold: 0 + x (+0 for x = −0).
                                table.touched![slot] = true
                                for j in 0..<width { target[j] = 0 + share[j] }
                                if let square { for j in 0..<width { square[j] = 0 + share[j] * share[j] } }
                            }
                        }
                    }
                }
            }
        }
        return allFinite ? largest * maskBound : .infinity
    }

    /// The head's logits for the bag, on all cores: each row's mean token vector through the
    /// dense layer, padding never read.
    func bagLogits(_ indices: IndexMatrix) -> [Float] {
        let outputs = head.outputs, width = encoder.embedding.outputDim, steps = indices.columns
        let chunk = LSTMEncoder.inferenceChunk
        var logits = [Float](repeating: 0, count: indices.rows * outputs)
        let chunks = (indices.rows + chunk - 1) / chunk
        let workers = min(Parallel.threads, chunks)
        let dense = head.dense
        logits.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            indices.storage.withUnsafeBufferPointer { ids in
                encoder.embedding.embeddings.scalars.withUnsafeBufferPointer { table in
                    let ids = UncheckedSendable(ids.baseAddress!), table = UncheckedSendable(table.baseAddress!)
                    Parallel.forEach(workers) { worker in
                        var features = [Float](repeating: 0, count: chunk * width)
                        for c in stride(from: worker, to: chunks, by: workers) {
                            let rows = c * chunk ..< min(indices.rows, (c + 1) * chunk)
                            features.withUnsafeMutableBufferPointer { f in
                                f.update(repeating: 0)
                                for (b, r) in rows.enumerated() {
                                    let row = f.baseAddress! + b * width, tokens = ids.value + r * steps
                                    var n: Float = 0
                                    for t in 0..<steps where tokens[t] != 0 {
                                        VectorMath.add(table.value + Int(tokens[t]) * width, into: row, count: width)
                                        n += 1
                                    }
                                    if n > 0 { for j in 0..<width { row[j] /= n } }
                                }
                                dense.forward(f.baseAddress!, rows: rows.count, into: shared.base + rows.lowerBound * outputs)
                            }
                        }
                    }
                }
            }
        }
        return logits
    }
}
