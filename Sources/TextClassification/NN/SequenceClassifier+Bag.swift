/// The bag encoder's own pass (`Embedding(mask_zero=True)` → `GlobalAveragePooling1D`):
/// each row's mean is summed straight from the embedding rows of its tokens, skipping the
/// padding, and its gradient goes straight back to those rows. The general path builds the
/// `[rows, steps, width]` embedded tensor, its mask and its gradient, padding included
/// (a review holds ~160 tokens of its 700 steps); this one touches only the tokens, and gives
/// the same sums in the same order, so the same weights to the bit (tested).
extension SequenceClassifier {
    /// One shard's rows of a training batch through the bag and the head: the same results
    /// as the general path's shard (see ``layerGradients(_:labels:classWeights:dropout:embeddingDropout:recurrentDropout:trainsEmbedding:)``).
    /// - Parameter squares: also sum each position's squared gradient by row (Keras's dense
    ///   Adam reads them; lazy Adam does not).
    func bagShardGradients(_ indices: IndexMatrix, rows: Range<Int>, batchSize: Int, labels: [Float],
                           classWeights: [Float]?, dropout: Dropout?, embeddingDropout: Dropout?,
                           trainsEmbedding: Bool, squares: Bool,
                           losses: UnsafeMutablePointer<Float>) -> (batch: LayerBatch, embeddingRows: EmbeddingRows) {
        let width = encoder.embedding.outputDim, steps = indices.columns, count = rows.count
        let dropRate = embeddingDropout?.rate ?? 0
        var features = [Float](repeating: 0, count: count * width)
        var tokenCounts = [Float](repeating: 0, count: count)
        var mask = [Float](repeating: 0, count: width)
        // The forward pass's dropout masks, token by token, for the backward pass to reuse.
        var masks: [Float] = []
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
        var head = HeadStep(head: head, rows: count, features: width)
        let correct = features.withUnsafeBufferPointer { x in
            head.run(x.baseAddress!, rows: rows, batchSize: batchSize, labels: labels, classWeights: classWeights,
                     dropout: dropout, losses: losses)
        }
        var embeddingRows = EmbeddingRows()
        if trainsEmbedding {
            // Rows in order of first use and each position's gradient added in position
            // order, as the general path's scatter over the whole `[rows, steps]` matrix.
            // First the slots (rows in order of first use), then the sums in one table.
            var slotOfToken: [Int32: Int32] = [:]
            var slots: [Int32] = []
            indices.storage.withUnsafeBufferPointer { ids in
                for (b, r) in rows.enumerated() where tokenCounts[b] > 0 {
                    let tokens = ids.baseAddress! + r * steps
                    for t in 0..<steps where tokens[t] != 0 {
                        let token = tokens[t]
                        if let known = slotOfToken[token] {
                            slots.append(known)
                        } else {
                            let slot = Int32(embeddingRows.tokens.count)
                            slotOfToken[token] = slot
                            embeddingRows.tokens.append(token)
                            slots.append(slot)
                        }
                    }
                }
            }
            var gradient = [Float](repeating: 0, count: embeddingRows.tokens.count * width)
            var squareSums = [Float](repeating: 0, count: squares ? gradient.count : 0)
            var g = [Float](repeating: 0, count: width), share = g
            var used = 0, position = 0
            head.featureGradients.withUnsafeBufferPointer { dy in
                gradient.withUnsafeMutableBufferPointer { sums in
                    squareSums.withUnsafeMutableBufferPointer { squareSums in
                        for (b, _) in rows.enumerated() where tokenCounts[b] > 0 {
                            let n = tokenCounts[b], source = dy.baseAddress! + b * width
                            for j in 0..<width { g[j] = source[j] / n }
                            share = g
                            for _ in 0..<Int(n) {
                                if dropRate > 0 {
                                    for j in 0..<width { share[j] = g[j] * masks[used + j] }
                                    used += width
                                }
                                let offset = Int(slots[position]) * width
                                position += 1
                                for j in 0..<width { sums[offset + j] += share[j] }
                                if squares { for j in 0..<width { squareSums[offset + j] += share[j] * share[j] } }
                            }
                        }
                    }
                }
            }
            embeddingRows.gradient = gradient
            embeddingRows.squares = squareSums
        }
        let gradients = ["dense/kernel": head.kernelGradient, "dense/bias": head.biasGradient]
        return (LayerBatch(loss: 0, correct: correct, allFinite: true, gradients: gradients,
                           embeddingRows: Adam.RowGradient()), embeddingRows)
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
