import Dispatch
import Synchronization

/// Where explanations are computed: threads of their own, a fixed number of requests at
/// once, so that explain (one model pass per token) can never hold up predictions, which
/// have their own thread per model. A request beyond the limit is refused 503 at once
/// rather than queued. A request that times out is answered 504 at once; its work runs to
/// its end (it cannot be interrupted midway) and keeps its place until then.
final class ExplainPool: Sendable {
    private let busy: BoundedCount
    private let queue = DispatchQueue(label: "textclf.explain", attributes: .concurrent)

    init(limit: Int) { busy = BoundedCount(limit: limit) }

    func run<T: Sendable>(timeout: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard busy.enter() else {
            throw ServiceError(.serviceUnavailable, code: "overloaded",
                               "\(busy.limit) explain request\(busy.limit == 1 ? " is" : "s are") being computed; retry later")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let answer = Mutex<CheckedContinuation<T, any Error>?>(continuation)
            let finish = { @Sendable (result: Result<T, any Error>) in
                answer.withLock { c in
                    c?.resume(with: result)
                    c = nil
                }
            }
            queue.async {
                let result = Result { try work() }
                self.busy.leave()
                finish(result)
            }
            queue.asyncAfter(deadline: .now() + .nanoseconds(timeout.saturatingNanoseconds)) {
                finish(.failure(RequestTimedOut()))
            }
        }
    }
}
