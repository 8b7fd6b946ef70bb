import Dispatch
import Foundation
import Synchronization
import TextClassification

/// Gathers the texts of concurrent requests into one model pass. Requests that arrive while a
/// pass runs wait (in a bounded queue) and go together into the next one, up to `maxBatch`
/// texts, so many small requests cost about what one large one does. Passes run one at a
/// time on their own thread, off the server's event loops; tokenizing within a pass uses
/// every core (``TextClassifier/encode(_:)``).
final class PredictionBatcher: Sendable {
    let classifier: TextClassifier
    private let maxBatch: Int
    private let maxWait: Duration
    private let maxQueuedTexts: Int
    private let onPass: @Sendable (Int) -> Void
    private let onAnswers: (@Sendable ([String], [Prediction]) -> Void)?
    private let queue = DispatchQueue(label: "textclf.model-pass")
    private let state = Mutex(State())

    private struct State {
        var waiting: [Job] = []
        var waitingTexts = 0
        /// A pass is scheduled or running; new jobs join the queue it will drain.
        var draining = false
    }

    /// One request's texts and where its answer goes. Finished exactly once: by its pass, or
    /// by cancellation (a timed-out request) if its pass has not taken it yet.
    final class Job: Sendable {
        let texts: [String]
        let rule: DecisionRule
        let deadline: ContinuousClock.Instant
        private let continuation: Mutex<CheckedContinuation<[Prediction], any Error>?>

        init(texts: [String], rule: DecisionRule, deadline: ContinuousClock.Instant,
             continuation: CheckedContinuation<[Prediction], any Error>) {
            self.texts = texts
            self.rule = rule
            self.deadline = deadline
            self.continuation = Mutex(continuation)
        }

        var isFinished: Bool { continuation.withLock { $0 == nil } }

        func finish(_ result: Result<[Prediction], any Error>) {
            continuation.withLock { c in
                c?.resume(with: result)
                c = nil
            }
        }
    }

    /// - Parameters:
    ///   - onPass: called with the number of texts of each pass (for metrics).
    ///   - onAnswers: called after each pass with its texts and their predictions, once the
    ///     requests have them (for the drift window); `nil`: the pass gathers nothing for it.
    init(classifier: TextClassifier, maxBatch: Int, maxWait: Duration, maxQueuedTexts: Int,
         onPass: @escaping @Sendable (Int) -> Void = { _ in },
         onAnswers: (@Sendable ([String], [Prediction]) -> Void)? = nil) {
        self.classifier = classifier
        self.maxBatch = max(1, maxBatch)
        self.maxWait = maxWait
        self.maxQueuedTexts = maxQueuedTexts
        self.onPass = onPass
        self.onAnswers = onAnswers
    }

    /// The predictions of `texts`, in order, from the pass they joined. Throws
    /// ``ServiceError`` 503 when the queue is full, ``RequestTimedOut`` when `deadline` has
    /// passed by the time a pass takes the request, `CancellationError` when the calling task
    /// is cancelled before that.
    func predict(_ texts: [String], rule: DecisionRule, deadline: ContinuousClock.Instant = .now + .seconds(3600)) async throws -> [Prediction] {
        guard !texts.isEmpty else { return [] }
        let box = Mutex<Job?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let job = Job(texts: texts, rule: rule, deadline: deadline, continuation: continuation)
                box.withLock { $0 = job }
                enqueue(job)
                if Task.isCancelled { job.finish(.failure(CancellationError())) }
            }
        } onCancel: {
            box.withLock { $0 }?.finish(.failure(CancellationError()))
        }
    }

    private func enqueue(_ job: Job) {
        let start: Bool? = state.withLock { s in
            guard s.waitingTexts + job.texts.count <= maxQueuedTexts else { return nil }
            s.waiting.append(job)
            s.waitingTexts += job.texts.count
            defer { s.draining = true }
            return !s.draining
        }
        switch start {
        case nil:
            job.finish(.failure(ServiceError(.serviceUnavailable, code: "overloaded",
                                             "more than \(maxQueuedTexts) texts are waiting for this model; retry later")))
        case true?:
            if maxWait > .zero {
                queue.asyncAfter(deadline: .now() + .nanoseconds(maxWait.saturatingNanoseconds)) { self.drain() }
            } else {
                queue.async { self.drain() }
            }
        case false?:
            break
        }
    }

    /// Runs passes until no job waits.
    private func drain() {
        while true {
            let jobs: [Job] = state.withLock { s in
                var taken = 0, count = 0
                while taken < s.waiting.count, count == 0 || count + s.waiting[taken].texts.count <= maxBatch {
                    count += s.waiting[taken].texts.count
                    taken += 1
                }
                let jobs = Array(s.waiting.prefix(taken))
                s.waiting.removeFirst(taken)
                s.waitingTexts -= count
                if jobs.isEmpty { s.draining = false }
                return jobs
            }
            guard !jobs.isEmpty else { return }
            let now = ContinuousClock.now
            for job in jobs where job.deadline < now { job.finish(.failure(RequestTimedOut())) }
            let live = jobs.filter { !$0.isFinished }
            guard !live.isEmpty else { continue }
            onPass(live.reduce(0) { $0 + $1.texts.count })
            do {
                let answers = try classifier.predict(live.map { ($0.texts, $0.rule) })
                for (job, answer) in zip(live, answers) { job.finish(.success(answer)) }
                onAnswers?(live.flatMap(\.texts), answers.flatMap { $0 })
            } catch {
                for job in live { job.finish(.failure(error)) }
            }
        }
    }
}
