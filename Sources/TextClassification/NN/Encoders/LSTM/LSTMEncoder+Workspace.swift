import Foundation

extension LSTMEncoder {
    /// Preallocated memory for one worker's share of a batch.
    final class Workspace: @unchecked Sendable {
        let tokens: UnsafeMutablePointer<Int32>
        let inputs: FloatBuffer
        let lstm: LSTMWorkspace
        /// The gradient of the loss with respect to the features, written by the head.
        let featureGradients: FloatBuffer
        /// This shard's gradients (empty when not training).
        let embeddingGradient: FloatBuffer
        let kernelGradient: FloatBuffer
        let recurrentKernelGradient: FloatBuffer
        let biasGradient: FloatBuffer
        /// Per-position squared embedding gradients, summed by row (Keras's Adam uses them).
        let embeddingSquares: FloatBuffer
        /// Training: the batch's token projections (one instance shared by the shards) and
        /// this shard's sums of dz per distinct token (``gateSums``).
        let projection: TokenProjection?
        private var gateSumsBuffer = FloatBuffer(count: 0)
        private let gateSumsTouched: UnsafeMutablePointer<Bool>
        /// Each position's row in the projection table (time-major, as `tokens`).
        let tokenRows: UnsafeMutablePointer<Int32>
        /// Training: the batch rows in the workspace's row order (by leading padding).
        var order: [Int] = []
        /// Training: each workspace row's first step of its own tokens (ascending).
        var starts: [Int] = []
        /// Training: whether the embedding's gradient is wanted (`false`: frozen embedding).
        var trainsEmbedding = true
        /// Training: one row's run through the padding, and its table rows.
        let padding: LSTMWorkspace
        let paddingRows: UnsafeMutablePointer<Int32>

        init(encoder: LSTMEncoder, batch: Int, steps: Int, training: Bool, projection: TokenProjection? = nil) {
            let e = encoder.embedding.outputDim, u = encoder.lstm.units
            tokens = .allocate(capacity: max(1, batch * steps))
            inputs = FloatBuffer(count: training ? batch * steps * e : 0)
            lstm = LSTMWorkspace(batch: batch, steps: steps, inputDim: e, units: u, training: training)
            featureGradients = FloatBuffer(count: training ? batch * u : 0)
            embeddingGradient = FloatBuffer(count: training ? encoder.embedding.table.count : 0)
            kernelGradient = FloatBuffer(count: training ? encoder.lstm.kernel.count : 0)
            recurrentKernelGradient = FloatBuffer(count: training ? encoder.lstm.recurrentKernel.count : 0)
            biasGradient = FloatBuffer(count: training ? encoder.lstm.bias.count : 0)
            embeddingSquares = FloatBuffer(count: training ? encoder.embedding.table.count : 0)
            self.projection = projection
            gateSumsTouched = .allocate(capacity: max(1, projection?.vocabulary ?? 1))
            tokenRows = .allocate(capacity: max(1, batch * steps))
            padding = LSTMWorkspace(batch: 1, steps: training ? steps : 0, inputDim: e, units: u, training: training)
            paddingRows = .allocate(capacity: max(1, steps))
        }

        /// Training: this shard's sums of dz by the projection's rows, `[rows, 4u]`.
        var gateSums: RowSums {
            RowSums(sums: RowTable(gateSumsBuffer.pointer, width: projection!.gateWidth), squares: nil, touched: gateSumsTouched)
        }

        /// Room in ``gateSums`` for `rows` rows.
        func reserveGateSums(rows: Int) {
            let count = rows * projection!.gateWidth
            if gateSumsBuffer.count < count { gateSumsBuffer = FloatBuffer(count: count) }
        }

        /// This shard's gradients of the LSTM's weights, in ``LSTM``'s weight order
        /// (``RecurrentWeights``: kernel, recurrent kernel, bias).
        var layerGradients: [UnsafePointer<Float>] {
            [kernelGradient, recurrentKernelGradient, biasGradient].map { UnsafePointer($0.pointer) }
        }

        deinit {
            tokens.deallocate()
            gateSumsTouched.deallocate()
            tokenRows.deallocate()
            paddingRows.deallocate()
        }
    }
}
