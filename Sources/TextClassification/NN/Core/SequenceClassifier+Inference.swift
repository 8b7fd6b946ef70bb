/// The one inference loop (the LSTMs' fast path keeps its own, which orders rows by their
/// padding: ``LSTMEncoder/encode(_:skippingLeadingPadding:workers:scratch:_:)``).
extension SequenceClassifier {
    /// The head's logits for every row of `indices` (validated), on all cores: the rows in
    /// chunks of ``LSTMEncoder/inferenceChunk``, dealt round-robin to the workers;
    /// `features(rows, into)` writes a chunk's features (`[rows.count, encoder.features]`, into
    /// a zeroed buffer of the worker's), which the dense layer turns into its logits.
    func chunkedLogits(_ indices: IndexMatrix,
                       features: @Sendable (_ rows: Range<Int>, _ into: UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let outputs = head.outputs, width = encoder.features, chunk = LSTMEncoder.inferenceChunk
        var logits = [Float](repeating: 0, count: indices.rows * outputs)
        let chunks = (indices.rows + chunk - 1) / chunk
        let workers = min(Parallel.threads, chunks), dense = head.dense
        logits.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                var buffer = [Float](repeating: 0, count: chunk * width)
                for c in stride(from: worker, to: chunks, by: workers) {
                    let rows = c * chunk ..< min(indices.rows, (c + 1) * chunk)
                    buffer.withUnsafeMutableBufferPointer { f in
                        f.update(repeating: 0)
                        features(rows, f.baseAddress!)
                        dense.forward(f.baseAddress!, rows: rows.count, into: shared.base + rows.lowerBound * outputs)
                    }
                }
            }
        }
        return logits
    }

    /// The head's logits on the general path: each chunk through the layers' own forward pass.
    func layerLogits(_ indices: IndexMatrix) -> [Float] {
        chunkedLogits(indices) { rows, into in
            let tokens = indices.rows(rows)
            let embedded = encoder.embedding.embedded(validated: tokens)  // validated by logits(_:)
            let features = encoder.layerForBackpropagation(embedded, tokens: tokens).features
            into.update(from: features.scalars, count: features.count)
        }
    }
}
