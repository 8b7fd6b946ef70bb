import Foundation

/// Prediction's scratch memory (the token table and one encoder workspace per worker), kept between calls of ``SequenceClassifier/logits(_:)``.
///
/// Allocated afresh per call (about 1 MB for 512 texts), it made glibc's heap grow with the
/// input when two threads allocate and free: `textclf predict` peaked at 35 MB on 1,000
/// lines, 73 MB on 100,000 and 119 MB on 300,000. Reused, the memory stays flat.
///
/// Shared by copies of a model; a caller takes the whole set, and concurrent callers that
/// find it taken allocate their own.
final class InferenceScratch: @unchecked Sendable {
    struct Set {
        let projection: TokenProjection
        let workspaces: [LSTMEncoder.Workspace]
        let steps: Int
    }

    private let lock = NSLock()
    private var kept: Set?

    /// A set for `model`'s sizes and `steps`, with at least `workers` workspaces of
    /// ``LSTMEncoder/inferenceChunk`` rows.
    func take(for model: SequenceClassifier, steps: Int, workers: Int) -> Set {
        let kept = lock.withLock { () -> Set? in
            defer { self.kept = nil }
            return self.kept
        }
        // Prediction's fast path is the LSTM's; the other encoders take no scratch.
        let encoder = model.encoder.lstmEncoder!
        if let kept, kept.steps == steps, kept.workspaces.count >= workers,
           kept.projection.vocabulary == encoder.embedding.inputDim, kept.projection.width == encoder.embedding.outputDim,
           kept.projection.gateWidth == 4 * encoder.lstm.units {
            return kept
        }
        let count = max(workers, kept?.workspaces.count ?? 0)
        return Set(projection: TokenProjection(vocabulary: encoder.embedding.inputDim, width: encoder.embedding.outputDim,
                                               units: encoder.lstm.units),
                   workspaces: (0..<count).map { _ in encoder.makeInferenceWorkspace(steps: steps) },
                   steps: steps)
    }

    /// Keeps `set` for the next call.
    func give(back set: Set) {
        lock.withLock { kept = set }
    }
}
