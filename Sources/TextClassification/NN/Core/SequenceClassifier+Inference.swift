/// The one inference loop, every encoder's.
extension SequenceClassifier {
    /// The head's logits for every row of `indices` (validated), on all cores: the rows (in
    /// `order`, by default as they come) in chunks of ``LSTMEncoder/inferenceChunk``, dealt
    /// round-robin to `workers`; `features(rows, into, worker)` writes a chunk's features
    /// (`[rows.count, encoder.features]`, into a zeroed buffer of the worker's), which the dense
    /// layer turns into the rows' logits.
    func chunkedLogits(_ indices: IndexMatrix, order: [Int]? = nil, workers: Int? = nil,
                       features: @Sendable (_ rows: ArraySlice<Int>, _ into: UnsafeMutablePointer<Float>,
                                            _ worker: Int) -> Void) -> [Float] {
        let outputs = head.outputs, width = encoder.features, chunk = LSTMEncoder.inferenceChunk
        var logits = [Float](repeating: 0, count: indices.rows * outputs)
        let order = order ?? Array(0..<indices.rows), chunks = (indices.rows + chunk - 1) / chunk
        let workers = workers ?? Self.inferenceWorkers(rows: indices.rows), dense = head.dense
        logits.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                var buffer = [Float](repeating: 0, count: chunk * width), chunkLogits = [Float](repeating: 0, count: chunk * outputs)
                for c in stride(from: worker, to: chunks, by: workers) {
                    let rows = order[c * chunk ..< min(indices.rows, (c + 1) * chunk)]
                    buffer.withUnsafeMutableBufferPointer { f in
                        f.update(repeating: 0)
                        features(rows, f.baseAddress!, worker)
                        chunkLogits.withUnsafeMutableBufferPointer { z in
                            dense.forward(f.baseAddress!, rows: rows.count, into: z.baseAddress!)
                            for (k, row) in rows.enumerated() {
                                (shared.base + row * outputs).update(from: z.baseAddress! + k * outputs, count: outputs)
                            }
                        }
                    }
                }
            }
        }
        return logits
    }

    /// The workers an inference call on `rows` rows uses: every core, but no more than its chunks.
    static func inferenceWorkers(rows: Int) -> Int {
        min(Parallel.threads, (rows + LSTMEncoder.inferenceChunk - 1) / LSTMEncoder.inferenceChunk)
    }

    /// The head's logits on the general path: each chunk through the layers' own forward pass.
    func layerLogits(_ indices: IndexMatrix) -> [Float] {
        chunkedLogits(indices) { rows, into, _ in
            let tokens = indices.rows(rows)
            let embedded = encoder.embedding.embedded(validated: tokens)  // validated by logits(_:)
            let features = encoder.layerForBackpropagation(embedded, tokens: tokens).features
            into.update(from: features.scalars, count: features.count)
        }
    }
}
