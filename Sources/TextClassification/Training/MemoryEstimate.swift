import Foundation

/// What training a configuration will take in memory, estimated before anything is allocated,
/// so that an impossible one (`--units 65536`: a 68 GB recurrent kernel) is refused with the
/// figure instead of the process being killed by the allocator.
struct MemoryEstimate {
    /// Bytes: the weights five times over (the weights, their gradient, Adam's two moments,
    /// the best epoch's copy) and one batch's activations through the encoder.
    var bytes: Double
    var parameters: Double

    init(encoder: SequenceEncoder.Kind, inputDim: Int, embeddingDim: Int, units: Int, head: ClassificationHead.Kind,
         classes: Int, batchSize: Int, maxLength: Int) {
        // Doubles: the products of absurd sizes must not overflow before they are refused.
        parameters = SequenceClassifier.parameterShapes(encoder: encoder, inputDim: inputDim, embeddingDim: embeddingDim,
                                                        units: units, head: head, classes: classes)
            .values.reduce(0) { $0 + $1.reduce(1.0) { $0 * Double($1) } }
        // Per token of a batch: its embedding, and what the encoder keeps for its backward pass.
        let perToken = Double(embeddingDim) + Double(encoder.layerType.activationsPerToken(units: units))
        bytes = 4 * (5 * parameters + Double(batchSize) * Double(maxLength) * perToken)
    }

    /// The memory this process may use: the machine's, or its control group's limit if lower.
    static var available: Double {
        var limit = Double(ProcessInfo.processInfo.physicalMemory)
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
               let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0 {
                limit = min(limit, value)
            }
        }
        return limit
    }

    /// Throws, with the figures, if the estimate is above what is available.
    func check(available: Double = MemoryEstimate.available) throws {
        guard bytes > available else { return }
        throw TextClassificationError.invalidArgument(
            name: "model size", value: String(format: "%.3g parameters", parameters),
            expected: String(format: "a model that fits in memory: training it needs about %.1f GB (weights, gradients, Adam's moments, a batch's activations), this machine has %.1f GB; lower the units, embedding size, vocabulary (num words, buckets) or batch size",
                             bytes / 1e9, available / 1e9))
    }
}
