import Dispatch
import Foundation
import Synchronization
import TextClassification

/// The profile of the texts a model answered lately, compared with the one its fit kept
/// (``DataDrift``): what `/metrics` reports as `textclf_drift_*`.
///
/// Answered texts are profiled off the request path, on a background queue: an answer never
/// waits for it. The work is bounded twice: at most ``maxPending`` texts wait (the rest are
/// skipped and counted), and the queue rests three times as long as it worked, so profiling
/// takes at most about a quarter of the machine under any load. The window is the last
/// ``generationRows`` to twice that many texts profiled: two generations, the older dropped
/// when the newer fills.
final class DriftWindow: Sendable {
    static let generationRows = 5_000
    static let maxPending = 2_048

    let reference: DataProfile
    private let classifier: TextClassifier
    private let queue = DispatchQueue(label: "textclf.drift", qos: .utility)
    private let state: Mutex<State>

    private struct State {
        var pending: [(texts: [String], predictions: [Prediction])] = []
        var pendingTexts = 0
        var working = false
        var older: DataProfile?
        var newer: DataProfile
        var skipped = 0
    }

    /// A window for `classifier`, or `nil` when it has no profile to compare with (a model
    /// saved before profiles were kept).
    init?(classifier: TextClassifier) {
        guard let reference = classifier.trainingProfile else { return nil }
        self.reference = reference
        self.classifier = classifier
        state = Mutex(State(newer: DataProfile(source: "served texts", labelBins: reference.labels.count)))
    }

    /// Hands over answered texts; returns at once.
    func offer(_ texts: [String], _ predictions: [Prediction]) {
        let start: Bool = state.withLock { s in
            guard s.pendingTexts + texts.count <= Self.maxPending else {
                s.skipped += texts.count
                return false
            }
            s.pending.append((texts, predictions))
            s.pendingTexts += texts.count
            defer { s.working = true }
            return !s.working
        }
        if start { queue.async { self.work() } }
    }

    private func work() {
        while true {
            let batch = state.withLock { s in
                defer {
                    s.pending.removeAll()
                    s.pendingTexts = 0
                }
                if s.pending.isEmpty { s.working = false }
                return s.pending
            }
            guard !batch.isEmpty else { return }
            let started = ContinuousClock.now
            var added = DataProfile(source: "served texts", labelBins: reference.labels.count)
            for (texts, predictions) in batch { classifier.add(texts, predictions: predictions, to: &added) }
            state.withLock { s in
                s.newer.merge(added)
                if s.newer.rows >= Self.generationRows {
                    s.older = s.newer
                    s.newer = DataProfile(source: "served texts", labelBins: reference.labels.count)
                }
            }
            let worked = ContinuousClock.now - started
            Thread.sleep(forTimeInterval: 3 * (Double(worked.components.seconds) + Double(worked.components.attoseconds) * 1e-18))
        }
    }

    /// The window's texts compared with the reference, and the texts skipped so far.
    var current: (drift: DataDrift, skipped: Int) {
        state.withLock { s in
            var live = s.older ?? DataProfile(source: "served texts", labelBins: reference.labels.count)
            live.merge(s.newer)
            return (DataDrift(reference: reference, live: live), s.skipped)
        }
    }
}
