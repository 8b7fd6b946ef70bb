/// The head's part of a training step, the one every pass runs: dropout on the features (masks
/// by batch row), Dense forward, each row's loss and its gradient, Dense backward.
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

    /// The head's gradients by Keras name.
    var gradients: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: zip(ClassificationHead.parameterPaths.map(\.name), [kernelGradient, biasGradient]))
    }

    /// `features[b]` (`[rows.count, width]`) is batch row `rows[b]`'s, in whatever order the
    /// encoder keeps its rows. Writes each row's loss (already divided by the batch size) into
    /// `losses[row]`; returns the rows right.
    mutating func run<Rows: Collection<Int>>(_ features: UnsafePointer<Float>, rows: Rows, batch: TrainingBatch,
                                             losses: UnsafeMutablePointer<Float>) -> Float {
        let count = rows.count, outputs = head.outputs, width = width
        var dropped = [Float](UnsafeBufferPointer(start: features, count: count * width)), masks = [Float]()
        if let dropout = batch.dropout, dropout.rate > 0 {
            // Masks follow the batch row, not the shard or the encoder's row order.
            masks = [Float](repeating: 0, count: count * width)
            masks.withUnsafeMutableBufferPointer { m in
                for (b, r) in rows.enumerated() { dropout.mask(row: r, count: width, into: m.baseAddress! + b * width) }
            }
            for k in dropped.indices { dropped[k] *= masks[k] }
        }
        var logits = [Float](repeating: 0, count: count * outputs), logitGradients = logits
        let head = head
        dropped.withUnsafeBufferPointer { x in head.dense.forward(x.baseAddress!, rows: count, into: &logits) }
        let correct = Self.score(head, logits: logits, rows: rows, batch: batch, losses: losses, into: &logitGradients)
        dropped.withUnsafeBufferPointer { x in
            head.dense.backward(x.baseAddress!, rows: count, outputGradient: logitGradients,
                                kernelGradient: &kernelGradient.scalars, biasGradient: &biasGradient.scalars,
                                inputGradient: &featureGradients)
        }
        if !masks.isEmpty {
            for k in featureGradients.indices { featureGradients[k] *= masks[k] }
        }
        return correct
    }

    /// Each row's loss into `losses[row]` and its logits' gradient into `gradients` (class and
    /// sample weights applied); returns the rows right (unweighted).
    private static func score<Rows: Collection<Int>>(_ head: ClassificationHead, logits: [Float], rows: Rows,
                                                     batch: TrainingBatch, losses: UnsafeMutablePointer<Float>,
                                                     into gradients: inout [Float]) -> Float {
        let outputs = head.outputs, targets = head.targetWidth, batchSize = batch.indices.rows
        var correct: Float = 0
        logits.withUnsafeBufferPointer { z in
            gradients.withUnsafeMutableBufferPointer { dz in
                batch.labels.withUnsafeBufferPointer { y in
                    func score(_ weights: UnsafePointer<Float>?) {
                        for (b, r) in rows.enumerated() {
                            let row = head.loss(logits: z.baseAddress! + b * outputs, target: y.baseAddress! + r * targets,
                                                weights: weights, batchSize: batchSize, gradient: dz.baseAddress! + b * outputs)
                            losses[r] = row.loss
                            correct += row.correct
                            if let sampleWeights = batch.sampleWeights {
                                // Keras's sample_weight: the row's loss, so its gradient, times its weight.
                                let weight = sampleWeights[r]
                                losses[r] *= weight
                                for j in 0..<outputs { dz[b * outputs + j] *= weight }
                            }
                        }
                    }
                    if let classWeights = batch.classWeights {
                        classWeights.withUnsafeBufferPointer { score($0.baseAddress!) }
                    } else {
                        score(nil)
                    }
                }
            }
        }
        return correct
    }
}
