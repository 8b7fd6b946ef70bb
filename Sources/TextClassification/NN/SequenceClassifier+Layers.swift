import Foundation

/// The general path: every encoder without a pass of its own (the GRU, the BiGRU, the
/// convolution), and the LSTMs when embedding or recurrent dropout or a row-wise Adam rules out
/// theirs; each batch through the layers' own forward and backward passes on tensors. Deterministic like the
/// LSTM's: a batch is split into the same two halves whatever the thread count, and their
/// gradients summed in a fixed order.
extension SequenceClassifier {
    /// What one batch gives on the general path: the summed gradients by Keras name but the
    /// embedding's, and the embedding's by row: only the rows the batch read, with their
    /// per-position squared gradients summed by row (Keras's Adam uses them).
    struct LayerBatch {
        var loss: Float
        var correct: Float
        var allFinite: Bool
        var gradients: [String: Tensor]
        var embeddingRows: Adam.RowGradient

        /// Every gradient by name, the embedding's as a whole table `[rows, width]`, and its
        /// squares as another.
        func denseGradients(embeddingShape shape: [Int]) -> (gradients: [String: Tensor], embeddingSquares: Tensor) {
            let width = shape[1]
            var gradient = Tensor(zeros: shape), squares = gradient
            for (k, row) in embeddingRows.rows.enumerated() {
                for j in 0..<width {
                    gradient.scalars[Int(row) * width + j] = embeddingRows.gradient[k * width + j]
                    squares.scalars[Int(row) * width + j] = embeddingRows.squares[k * width + j]
                }
            }
            return (gradients.merging([Embedding.weightName: gradient]) { $1 }, squares)
        }
    }

    /// One shard's embedding gradient, only the rows of the tokens it read (in order of first
    /// use): a vocabulary-sized table per shard per batch cost more than the layers did.
    struct EmbeddingRows {
        var tokens: [Int32] = []
        var gradient: [Float] = []
        var squares: [Float] = []
    }

    /// Forward and backward of one batch through the embedding, the layer and the head, on
    /// the general path (see ``TrainingBatch`` for the options).
    /// - Embedding dropout is Keras's `Dropout` between the embedding and the layer: each
    ///   embedded value of a row kept with probability 1 − rate and scaled by 1 / (1 − rate);
    ///   the row's mask follows the seed and the batch row.
    /// - Recurrent dropout is Keras's `recurrent_dropout` of the layer: one mask per gate (and
    ///   direction) on h₋₁, per batch row, from the seed and the row.
    func layerGradients(_ indices: IndexMatrix, labels: [Float], classWeights: [Float]?, dropout: Dropout?,
                        embeddingDropout: Dropout? = nil, recurrentDropout: Dropout? = nil,
                        trainsEmbedding: Bool = true, embeddingSquares: Bool = true) throws -> LayerBatch {
        try layerGradients(TrainingBatch(indices: indices, labels: labels, classWeights: classWeights, dropout: dropout,
                                         embeddingDropout: embeddingDropout, recurrentDropout: recurrentDropout,
                                         trainsEmbedding: trainsEmbedding, embeddingSquares: embeddingSquares))
    }

    func layerGradients(_ step: TrainingBatch) throws -> LayerBatch {
        let (indices, labels, classWeights, dropout) = (step.indices, step.labels, step.classWeights, step.dropout)
        let (embeddingDropout, recurrentDropout) = (step.embeddingDropout, step.recurrentDropout)
        let (trainsEmbedding, embeddingSquares) = (step.trainsEmbedding, step.embeddingSquares)
        try encoder.embedding.validate(indices.storage)
        let batch = indices.rows, shards = min(Parallel.trainingShards, batch)
        let (results, losses) = Parallel.shards(of: batch, count: shards) { _, rows, losses in
            shardGradients(indices, rows: rows, batchSize: batch, labels: labels, classWeights: classWeights,
                           dropout: dropout, embeddingDropout: embeddingDropout, recurrentDropout: recurrentDropout,
                           trainsEmbedding: trainsEmbedding, losses: losses)
        }
        // Shards summed in shard order (the same sums for any thread count); the embedding's
        // rows merged by token (zero, then each shard's: the sums a whole table would hold).
        var total = results[0].batch
        let width = encoder.embedding.outputDim
        var merged = Adam.RowGradient(), slotOfRow: [Int32: Int] = [:]
        var embeddingFinite = true
        for s in 0..<shards {
            let (shard, rows) = results[s]
            if s > 0 {
                total.correct += shard.correct
                for (name, gradient) in shard.gradients {
                    total.gradients[name]!.scalars.withUnsafeMutableBufferPointer { sum in
                        gradient.scalars.withUnsafeBufferPointer {
                            VectorMath.add($0.baseAddress!, into: sum.baseAddress!, count: $0.count)
                        }
                    }
                }
            }
            for token in rows.tokens where slotOfRow[token] == nil {
                slotOfRow[token] = merged.rows.count
                merged.rows.append(token)
            }
            merged.gradient += repeatElement(0, count: merged.rows.count * width - merged.gradient.count)
            if embeddingSquares {
                merged.squares += repeatElement(0, count: merged.rows.count * width - merged.squares.count)
            }
            for (table, compact) in [(0, rows.gradient)] + (embeddingSquares ? [(1, rows.squares)] : []) {
                compact.withUnsafeBufferPointer { c in
                    embeddingFinite = embeddingFinite && VectorMath.allFinite(c.baseAddress!, count: c.count)
                    func add(into full: inout [Float]) {
                        full.withUnsafeMutableBufferPointer { f in
                            for (k, token) in rows.tokens.enumerated() {
                                VectorMath.add(c.baseAddress! + k * width, into: f.baseAddress! + slotOfRow[token]! * width, count: width)
                            }
                        }
                    }
                    if table == 0 { add(into: &merged.gradient) } else { add(into: &merged.squares) }
                }
            }
        }
        total.loss = losses.reduce(0, +) / Float(batch)
        total.allFinite = total.loss.isFinite && embeddingFinite && total.gradients.values.allSatisfy { gradient in
            gradient.scalars.withUnsafeBufferPointer { VectorMath.allFinite($0.baseAddress!, count: $0.count) }
        }
        total.embeddingRows = merged
        return total
    }

    /// One shard's rows: writes each row's loss (already divided by the batch size) into
    /// `losses` and returns the shard's gradients.
    private func shardGradients(_ indices: IndexMatrix, rows: Range<Int>, batchSize: Int, labels: [Float],
                                classWeights: [Float]?, dropout: Dropout?, embeddingDropout: Dropout?,
                                recurrentDropout: Dropout?, trainsEmbedding: Bool,
                                losses: UnsafeMutablePointer<Float>) -> (batch: LayerBatch, embeddingRows: EmbeddingRows) {
        let shard = indices.rows(rows), count = rows.count, steps = indices.columns
        var embedded = try! encoder.embedding(shard)  // indices validated by the caller
        let rowWidth = steps * encoder.embedding.outputDim
        var embeddingMasks = [Float]()
        if let embeddingDropout, embeddingDropout.rate > 0 {
            embeddingMasks = [Float](repeating: 0, count: count * rowWidth)
            embeddingMasks.withUnsafeMutableBufferPointer { m in
                for (b, r) in rows.enumerated() {
                    embeddingDropout.mask(row: r, count: rowWidth, into: m.baseAddress! + b * rowWidth)
                }
            }
            for k in embedded.scalars.indices { embedded.scalars[k] *= embeddingMasks[k] }
        }
        var recurrentMasks: [Float]?
        if let recurrentDropout, recurrentDropout.rate > 0 {
            let width = encoder.recurrentMaskWidth
            var masks = [Float](repeating: 0, count: count * width)
            masks.withUnsafeMutableBufferPointer { m in
                for (b, r) in rows.enumerated() { recurrentDropout.mask(row: r, count: width, into: m.baseAddress! + b * width) }
            }
            recurrentMasks = masks
        }
        let (features, backpropagator) = encoder.layerForBackpropagation(embedded, tokens: shard, recurrentMasks: recurrentMasks)
        var head = HeadStep(head: head, rows: count, features: encoder.features)
        let correct = features.scalars.withUnsafeBufferPointer { x in
            head.run(x.baseAddress!, rows: rows, batchSize: batchSize, labels: labels, classWeights: classWeights,
                     dropout: dropout, losses: losses)
        }
        let featureGradients = Tensor(shape: [count, encoder.features], scalars: head.featureGradients)
        let (kernelGradient, biasGradient) = (head.kernelGradient, head.biasGradient)
        var (inputGradient, layerGradients) = backpropagator(featureGradients)
        if !embeddingMasks.isEmpty {
            for k in inputGradient.scalars.indices { inputGradient.scalars[k] *= embeddingMasks[k] }
        }
        var gradients = layerGradients
        gradients["dense/kernel"] = kernelGradient
        gradients["dense/bias"] = biasGradient
        var embeddingRows = EmbeddingRows()
        if trainsEmbedding {
            // Each position's row among the shard's distinct tokens, then the same scatter as
            // into the whole table (so the same sums).
            var rowOfToken: [Int32: Int32] = [:]
            let local = shard.storage.map { token -> Int32 in
                if let row = rowOfToken[token] { return row }
                let row = Int32(embeddingRows.tokens.count)
                rowOfToken[token] = row
                embeddingRows.tokens.append(token)
                return row
            }
            let width = encoder.embedding.outputDim
            embeddingRows.gradient = [Float](repeating: 0, count: embeddingRows.tokens.count * width)
            embeddingRows.squares = embeddingRows.gradient
            inputGradient.scalars.withUnsafeBufferPointer { g in
                local.withUnsafeBufferPointer { ids in
                    embeddingRows.gradient.withUnsafeMutableBufferPointer { table in
                        embeddingRows.squares.withUnsafeMutableBufferPointer { sq in
                            Embedding.scatterAdd(g.baseAddress!, indices: ids.baseAddress!, count: count * steps, stride: 1,
                                                 width: width, into: table.baseAddress!, squares: sq.baseAddress!)
                        }
                    }
                }
            }
        }
        let batch = LayerBatch(loss: 0, correct: correct, allFinite: true, gradients: gradients,
                               embeddingRows: Adam.RowGradient())
        return (batch, embeddingRows)
    }

    /// The head's logits on the general path, on all cores, ``LSTMEncoder/inferenceChunk`` rows at a time.
    func layerLogits(_ indices: IndexMatrix) -> [Float] {
        let outputs = head.outputs, chunk = LSTMEncoder.inferenceChunk
        var logits = [Float](repeating: 0, count: indices.rows * outputs)
        let chunks = (indices.rows + chunk - 1) / chunk
        let workers = min(Parallel.threads, chunks)
        logits.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                for c in stride(from: worker, to: chunks, by: workers) {
                    let rows = c * chunk ..< min(indices.rows, (c + 1) * chunk)
                    let tokens = indices.rows(rows)
                    let embedded = try! encoder.embedding(tokens)  // validated by the caller
                    let features = encoder.layerForBackpropagation(embedded, tokens: tokens).features
                    features.scalars.withUnsafeBufferPointer { x in
                        head.dense.forward(x.baseAddress!, rows: rows.count, into: shared.base + rows.lowerBound * outputs)
                    }
                }
            }
        }
        return logits
    }
}

/// The head's part of a training step, shared by the encoders' paths: dropout on the features
/// (masks by batch row), Dense forward, each row's loss and its gradient, Dense backward.
struct HeadStep {
    let head: ClassificationHead
    let width: Int
    var kernelGradient: Tensor
    var biasGradient: Tensor
    /// The features' gradient, `[rows, width]` in the order the features came.
    var featureGradients: [Float]

    init(head: ClassificationHead, rows: Int, features width: Int) {
        self.head = head
        self.width = width
        kernelGradient = Tensor(zeros: head.dense.kernel.shape)
        biasGradient = Tensor(zeros: head.dense.bias.shape)
        featureGradients = [Float](repeating: 0, count: rows * width)
    }

    /// `features` holds batch rows `rows` in order, `[rows.count, width]`. Writes each row's
    /// loss (already divided by the batch size) into `losses[row]`; returns the rows right.
    mutating func run(_ features: UnsafePointer<Float>, rows: Range<Int>, batchSize: Int, labels: [Float],
                      classWeights: [Float]?, dropout: SequenceClassifier.Dropout?,
                      losses: UnsafeMutablePointer<Float>) -> Float {
        let count = rows.count, outputs = head.outputs, targets = head.targetWidth, width = width
        var dropped = [Float](UnsafeBufferPointer(start: features, count: count * width)), masks = [Float]()
        if let dropout, dropout.rate > 0 {
            // Masks follow the batch row, not the shard or the encoder's row order.
            masks = [Float](repeating: 0, count: count * width)
            masks.withUnsafeMutableBufferPointer { m in
                for (b, r) in rows.enumerated() { dropout.mask(row: r, count: width, into: m.baseAddress! + b * width) }
            }
            for k in dropped.indices { dropped[k] *= masks[k] }
        }
        var logits = [Float](repeating: 0, count: count * outputs), logitGradients = logits
        var correct: Float = 0
        let head = head
        dropped.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { z in
                head.dense.forward(x.baseAddress!, rows: count, into: z.baseAddress!)
                logitGradients.withUnsafeMutableBufferPointer { dz in
                    func score(_ weights: UnsafePointer<Float>?) {
                        labels.withUnsafeBufferPointer { y in
                            for (b, r) in rows.enumerated() {
                                let row = head.loss(logits: z.baseAddress! + b * outputs, target: y.baseAddress! + r * targets,
                                                    weights: weights, batchSize: batchSize,
                                                    gradient: dz.baseAddress! + b * outputs)
                                losses[r] = row.loss
                                correct += row.correct
                            }
                        }
                    }
                    if let classWeights { classWeights.withUnsafeBufferPointer { score($0.baseAddress!) } } else { score(nil) }
                    kernelGradient.scalars.withUnsafeMutableBufferPointer { dk in
                        biasGradient.scalars.withUnsafeMutableBufferPointer { db in
                            featureGradients.withUnsafeMutableBufferPointer { dx in
                                head.dense.backward(x.baseAddress!, rows: count, outputGradient: dz.baseAddress!,
                                                    kernelGradient: dk.baseAddress!, biasGradient: db.baseAddress!,
                                                    inputGradient: dx.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        if !masks.isEmpty {
            for k in featureGradients.indices { featureGradients[k] *= masks[k] }
        }
        return correct
    }
}
