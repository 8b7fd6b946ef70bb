import Foundation

/// The bidirectional LSTM on the LSTM's fast path: each direction is an ``LSTMEncoder`` of its
/// own (sharing the embedding) with its own per-token input projections, the backward one
/// reading every row reversed in time. The forward direction skips the shared leading padding;
/// the backward one reads the text first and the padding last, so it runs every step (as
/// Keras does). Exact to rounding with the layers' general path (tested).
extension SequenceClassifier {
    /// Both directions as LSTM encoders, for `bilstm`.
    var bidirectionalLSTMEncoders: (forward: LSTMEncoder, backward: LSTMEncoder)? {
        guard let layer = encoder.layer(as: Bidirectional<LSTM>.self) else { return nil }
        return (LSTMEncoder(embedding: encoder.embedding, lstm: layer.forward),
                LSTMEncoder(embedding: encoder.embedding, lstm: layer.backward))
    }

    /// Training memory of the bidirectional LSTM: one set of LSTM workspaces per direction.
    final class BidirectionalWorkspaces: @unchecked Sendable {
        let forward: [LSTMEncoder.Workspace]
        let backward: [LSTMEncoder.Workspace]
        /// The dense layer's gradients, the shards' summed.
        let kernelGradient: FloatBuffer
        let biasGradient: FloatBuffer

        init(forward: [LSTMEncoder.Workspace], backward: [LSTMEncoder.Workspace], head: ClassificationHead) {
            self.forward = forward
            self.backward = backward
            kernelGradient = FloatBuffer(count: head.dense.kernel.count)
            biasGradient = FloatBuffer(count: head.dense.bias.count)
        }

        /// The summed gradient of the weight with this name (after ``SequenceClassifier/bidirectionalGradients``).
        func gradient(named name: String) -> UnsafePointer<Float> {
            let f = forward[0], b = backward[0]
            switch name {
            case Embedding.weightName: return UnsafePointer(f.embeddingGradient.pointer)
            case "bidirectional/forward_lstm/kernel": return UnsafePointer(f.kernelGradient.pointer)
            case "bidirectional/forward_lstm/recurrent_kernel": return UnsafePointer(f.recurrentKernelGradient.pointer)
            case "bidirectional/forward_lstm/bias": return UnsafePointer(f.biasGradient.pointer)
            case "bidirectional/backward_lstm/kernel": return UnsafePointer(b.kernelGradient.pointer)
            case "bidirectional/backward_lstm/recurrent_kernel": return UnsafePointer(b.recurrentKernelGradient.pointer)
            case "bidirectional/backward_lstm/bias": return UnsafePointer(b.biasGradient.pointer)
            case "dense/kernel": return UnsafePointer(kernelGradient.pointer)
            case "dense/bias": return UnsafePointer(biasGradient.pointer)
            default: preconditionFailure("no weight named \(name)")
            }
        }
    }

    func makeBidirectionalWorkspaces(batchSize: Int, steps: Int) -> BidirectionalWorkspaces {
        let (forward, backward) = bidirectionalLSTMEncoders!
        return BidirectionalWorkspaces(forward: forward.makeTrainingWorkspaces(batchSize: batchSize, steps: steps),
                                       backward: backward.makeTrainingWorkspaces(batchSize: batchSize, steps: steps),
                                       head: head)
    }

    /// One batch's loss, rows right and finiteness; the summed gradients are left in `w`
    /// (``BidirectionalWorkspaces/gradient(named:)``).
    func bidirectionalGradients(_ indices: IndexMatrix, labels: [Float], classWeights: [Float]?, dropout: Dropout?,
                                workspaces w: BidirectionalWorkspaces) throws -> (loss: Float, correct: Float, allFinite: Bool) {
        try encoder.embedding.validate(indices.storage)
        let (forward, backward) = bidirectionalLSTMEncoders!
        let reversed = indices.reversingSteps()
        let batch = indices.rows, shardSize = w.forward[0].lstm.capacity
        let shards = (batch + shardSize - 1) / shardSize
        precondition(shards <= w.forward.count && indices.columns <= w.forward[0].lstm.steps, "workspaces too small")
        forward.beginBatch(indices, workspaces: w.forward)
        backward.beginBatch(reversed, workspaces: w.backward)
        var losses = [Float](repeating: 0, count: batch), correct = [Float](repeating: 0, count: shards)
        let u = forward.features, width = 2 * u, steps = indices.columns, head = head
        var kernels = [Tensor](repeating: Tensor(zeros: [0]), count: shards), biases = kernels
        losses.withUnsafeMutableBufferPointer { lossBuffer in
            correct.withUnsafeMutableBufferPointer { correctBuffer in
                kernels.withUnsafeMutableBufferPointer { kernelBuffer in
                    biases.withUnsafeMutableBufferPointer { biasBuffer in
                        let sharedLosses = SharedPointer(base: lossBuffer.baseAddress!)
                        let sharedCorrect = SharedPointer(base: correctBuffer.baseAddress!)
                        let sharedKernels = SharedPointer(base: kernelBuffer.baseAddress!)
                        let sharedBiases = SharedPointer(base: biasBuffer.baseAddress!)
                        Parallel.forEach(shards) { s in
                            let rows = s * shardSize ..< min(batch, (s + 1) * shardSize), n = rows.count
                            let wf = w.forward[s], wb = w.backward[s]
                            let f = forward.forward(indices, rows: rows, workspace: wf, skippingLeadingPadding: true)
                            let b = backward.forward(reversed, rows: rows, workspace: wb, skippingLeadingPadding: true)
                            // Both directions' rows come in their own order: batch-row order for the head.
                            var features = [Float](repeating: 0, count: n * width)
                            for (k, r) in wf.order.enumerated() {
                                for j in 0..<u { features[(r - rows.lowerBound) * width + j] = f[k * u + j] }
                            }
                            for (k, r) in wb.order.enumerated() {
                                for j in 0..<u { features[(r - rows.lowerBound) * width + u + j] = b[k * u + j] }
                            }
                            var step = HeadStep(head: head, rows: n, features: width)
                            sharedCorrect.base[s] = features.withUnsafeBufferPointer {
                                step.run($0.baseAddress!, rows: rows, batchSize: batch, labels: labels,
                                         classWeights: classWeights, dropout: dropout, losses: sharedLosses.base)
                            }
                            for (k, r) in wf.order.enumerated() {
                                for j in 0..<u { wf.featureGradients.pointer[k * u + j] = step.featureGradients[(r - rows.lowerBound) * width + j] }
                            }
                            for (k, r) in wb.order.enumerated() {
                                for j in 0..<u { wb.featureGradients.pointer[k * u + j] = step.featureGradients[(r - rows.lowerBound) * width + u + j] }
                            }
                            forward.backward(steps: steps, batch: n, workspace: wf, scatteringEmbedding: false)
                            backward.backward(steps: steps, batch: n, workspace: wb, scatteringEmbedding: false)
                            if wf.trainsEmbedding {
                                Self.scatterEmbeddingGradient(forward: wf, backward: wb, rows: rows, steps: steps,
                                                              width: forward.embedding.outputDim)
                            }
                            sharedKernels.base[s] = step.kernelGradient
                            sharedBiases.base[s] = step.biasGradient
                        }
                    }
                }
            }
        }
        // Shards summed in a fixed order, each core a fixed part of every buffer.
        let parts = Parallel.trainingShards
        var finite = [Bool](repeating: true, count: parts)
        finite.withUnsafeMutableBufferPointer { finiteBuffer in
            let sharedFinite = SharedPointer(base: finiteBuffer.baseAddress!)
            Parallel.forEach(parts) { part in
                let forwardFinite = forward.sumShards(Array(w.forward[0..<shards]), part: part, of: parts)
                let backwardFinite = backward.sumShards(Array(w.backward[0..<shards]), part: part, of: parts)
                sharedFinite.base[part] = forwardFinite && backwardFinite
            }
        }
        for (buffer, parts) in [(w.kernelGradient, kernels), (w.biasGradient, biases)] {
            buffer.zero()
            for part in parts {
                part.scalars.withUnsafeBufferPointer { VectorMath.add($0.baseAddress!, into: buffer.pointer, count: buffer.count) }
            }
        }
        let loss = losses.reduce(0, +) / Float(batch)
        let headFinite = VectorMath.allFinite(w.kernelGradient.pointer, count: w.kernelGradient.count)
            && VectorMath.allFinite(w.biasGradient.pointer, count: w.biasGradient.count)
        return (loss, correct.reduce(0, +), loss.isFinite && headFinite && !finite.contains(false))
    }

    /// Each position's embedding gradient is the two directions' sum (the backward one reads
    /// position t at step steps-1-t); Keras's Adam squares that sum, so it is formed before the
    /// scatter into the forward workspace's tables.
    private static func scatterEmbeddingGradient(forward wf: LSTMEncoder.Workspace, backward wb: LSTMEncoder.Workspace,
                                                 rows: Range<Int>, steps: Int, width e: Int) {
        let n = rows.count
        var rowInBackward = [Int](repeating: 0, count: n)
        for (k, r) in wb.order.enumerated() { rowInBackward[r - rows.lowerBound] = k }
        for (k, r) in wf.order.enumerated() {
            let kb = rowInBackward[r - rows.lowerBound]
            for t in 0..<steps {
                VectorMath.add(wb.inputs.pointer + ((steps - 1 - t) * n + kb) * e, into: wf.inputs.pointer + (t * n + k) * e, count: e)
            }
        }
        Embedding.scatterAdd(wf.inputs.pointer, indices: wf.tokens, count: steps * n, stride: 1, width: e,
                             into: wf.embeddingGradient.pointer, squares: wf.embeddingSquares.pointer)
    }

    /// The head's logits for the bidirectional LSTM, both directions on the LSTM's inference path.
    func bidirectionalLogits(_ indices: IndexMatrix) -> [Float] {
        let (forward, backward) = bidirectionalLSTMEncoders!
        let u = forward.features, width = 2 * u, outputs = head.outputs
        var features = [Float](repeating: 0, count: indices.rows * width)
        let chunks = (indices.rows + LSTMEncoder.inferenceChunk - 1) / LSTMEncoder.inferenceChunk
        let workers = min(Parallel.threads, chunks)
        features.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            for (direction, encoder, input) in [(0, forward, indices), (1, backward, indices.reversingSteps())] {
                let scratch = (projection: TokenProjection(vocabulary: encoder.embedding.inputDim, width: encoder.embedding.outputDim,
                                                           units: u),
                               workspaces: (0..<workers).map { _ in encoder.makeInferenceWorkspace(steps: indices.columns) })
                encoder.encode(input, skippingLeadingPadding: true, workers: workers, scratch: scratch) { rows, h, _ in
                    for (k, r) in rows.enumerated() {
                        (shared.base + r * width + direction * u).update(from: h + k * u, count: u)
                    }
                }
            }
        }
        var logits = [Float](repeating: 0, count: indices.rows * outputs)
        features.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { z in
                head.dense.forward(x.baseAddress!, rows: indices.rows, into: z.baseAddress!)
            }
        }
        return logits
    }
}

extension IndexMatrix {
    /// Every row reversed in time (what the backward direction of a bidirectional layer reads).
    func reversingSteps() -> IndexMatrix {
        var storage = storage
        for r in 0..<rows { storage[r * columns ..< (r + 1) * columns].reverse() }
        return IndexMatrix(rows: rows, columns: columns, storage: storage)
    }
}
