import Dispatch
import Foundation
import Synchronization
import TextClassification

/// A model's shadow: its shadow version labels the texts its primary has answered, in the
/// background, and `/metrics` counts where the two agree and, where they do not, each pair of
/// (primary's label, shadow's label).
///
/// Never on the request path, and never in its way: answered texts wait in a bounded queue
/// (at most ``maxPending``; more are skipped and counted), served by one thread of its own
/// scheduled `SCHED_IDLE`, which the kernel runs only on a core nothing else wants, in passes
/// of at most ``maxPass`` texts, which the library labels on the calling thread alone. Under
/// load the shadow falls behind, and its work is what is shed.
///
/// A thread that idle may be preempted while it holds a lock, for as long as the cores stay
/// busy, so it shares none that a request waits for: a request hands its texts over only if
/// the queue's lock is free at once (else they are skipped), and the counts are the
/// comparison's own, copied into the metrics at each scrape (``publish()``).
final class ShadowComparison: Sendable {
    static let maxPending = 2_048
    /// One inference chunk, and fewer texts than the library tokenizes on a thread of their
    /// own: a pass runs on the shadow's thread alone, never on the shared workers, which run at
    /// normal priority (measured: passes of 64 added a third to the primary's p99).
    static let maxPass = 32

    let model: String
    private let metrics: ServerMetrics
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Texts a primary answered, waiting for the shadow.
    private struct Job {
        var texts: [String]
        var rule: DecisionRule
        var answers: [Prediction]
        var primary: String
        var shadow: ServedModel
    }

    private struct State {
        var pending: [Job] = []
        var pendingTexts = 0
        var started = false
    }

    /// What the comparisons found, by (primary, shadow) versions.
    private struct Counts {
        var agreements: [[String]: Int] = [:]
        var flips: [[String]: [[String]: Int]] = [:]
        var skipped: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())

    init(model: String, metrics: ServerMetrics) {
        self.model = model
        self.metrics = metrics
    }

    /// Hands over a request's texts and the primary's answers for `shadow` to label; returns
    /// at once. Texts beyond the queue's room are skipped and counted.
    func offer(_ texts: [String], rule: DecisionRule, answers: [Prediction], primary: String, shadow: ServedModel) {
        let taken = state.withLockIfAvailable { s -> Bool? in
            guard s.pendingTexts + texts.count <= Self.maxPending else { return nil }
            s.pending.append(Job(texts: texts, rule: rule, answers: answers, primary: primary, shadow: shadow))
            s.pendingTexts += texts.count
            defer { s.started = true }
            return !s.started
        }
        guard let start = taken ?? nil else {
            counts.withLock { $0.skipped[shadow.version, default: 0] += texts.count }
            return
        }
        if start {
            let thread = Thread { [self] in
                Self.yieldToEverythingElse()
                while true { work() }
            }
            thread.name = "textclf.shadow.\(model)"
            thread.start()
        }
        wake.signal()
    }

    /// Hands the counts gathered since the last call to the metrics (at each scrape).
    func publish() {
        let counts = counts.withLock { counts in
            defer { counts = Counts() }
            return counts
        }
        for (versions, agreements) in counts.agreements {
            metrics.shadowCompared(model: model, primary: versions[0], shadow: versions[1], agreements: agreements,
                                   flips: counts.flips[versions] ?? [:])
        }
        for (shadow, texts) in counts.skipped { metrics.shadowSkipped(model: model, shadow: shadow, texts: texts) }
    }

    /// One wake-up's worth: passes over the waiting texts until none waits.
    private func work() {
        wake.wait()
        while let jobs = take() {
            let shadow = jobs[0].shadow
            do {
                let labels = try shadow.classifier.predict(jobs.map { ($0.texts, $0.rule) })
                counts.withLock { counts in
                    for (job, labels) in zip(jobs, labels) {
                        let versions = [job.primary, shadow.version]
                        for (answer, label) in zip(job.answers, labels) {
                            if answer.label == label.label {
                                counts.agreements[versions, default: 0] += 1
                            } else {
                                counts.agreements[versions, default: 0] += 0  // the key, so publish() finds the flips
                                counts.flips[versions, default: [:]][[answer.label, label.label], default: 0] += 1
                            }
                        }
                    }
                }
            } catch {
                counts.withLock { $0.skipped[shadow.version, default: 0] += jobs.reduce(0) { $0 + $1.texts.count } }
            }
        }
    }

    /// The next pass: waiting jobs for one shadow, up to ``maxPass`` texts (a longer job is
    /// taken in parts).
    private func take() -> [Job]? {
        state.withLock { s in
            guard var first = s.pending.first else { return nil }
            if first.texts.count > Self.maxPass {
                var rest = first
                rest.texts.removeFirst(Self.maxPass)
                rest.answers.removeFirst(Self.maxPass)
                s.pending[0] = rest
                first.texts = Array(first.texts.prefix(Self.maxPass))
                first.answers = Array(first.answers.prefix(Self.maxPass))
                s.pendingTexts -= Self.maxPass
                return [first]
            }
            var taken = 0, texts = 0
            while taken < s.pending.count, s.pending[taken].shadow === first.shadow,
                  texts + s.pending[taken].texts.count <= Self.maxPass {
                texts += s.pending[taken].texts.count
                taken += 1
            }
            let jobs = Array(s.pending.prefix(taken))
            s.pending.removeFirst(taken)
            s.pendingTexts -= texts
            return jobs
        }
    }

    /// Linux's idle scheduling class for the calling thread: it runs when a core would
    /// otherwise be idle, so the answers never wait for it.
    private static func yieldToEverythingElse() {
        var parameters = sched_param()
        parameters.sched_priority = 0
        _ = pthread_setschedparam(pthread_self(), 5 /* SCHED_IDLE: Glibc exports it only with _GNU_SOURCE */, &parameters)
    }
}
