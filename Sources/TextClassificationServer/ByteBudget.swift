import Synchronization

/// Bytes of memory the requests in flight may hold together (request bodies as they are
/// decoded, answers until they are written). A request takes its share before it allocates
/// and gives it back when done, so a flood of large requests is refused, not absorbed.
final class ByteBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `bytes` if they fit; `false` (nothing taken) if they do not.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            let (sum, overflow) = current.addingReportingOverflow(bytes)
            guard !overflow, sum <= limit else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: sum, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.wrappingSubtract(bytes, ordering: .relaxed)
    }

    var inUse: Int { used.load(ordering: .relaxed) }
}

/// One request's share of a ``ByteBudget``, grown as its body arrives and its answer is made,
/// given back in one step when the request ends: once its answer is written, or when the
/// share is dropped (an error, a connection closed before the answer went out).
final class BudgetShare: Sendable {
    private let budget: ByteBudget
    private let held = Atomic<Int>(0)

    init(_ budget: ByteBudget) { self.budget = budget }

    deinit { releaseAll() }

    /// Takes `bytes` more, or throws 503 `overloaded` (before the caller allocates them).
    func take(_ bytes: Int) throws {
        guard budget.reserve(bytes) else {
            throw ServiceError(.serviceUnavailable, code: "overloaded",
                               "the server holds as many request bytes as it may (\(budget.limit >> 20) MiB); retry later")
        }
        held.wrappingAdd(bytes, ordering: .relaxed)
    }

    /// Gives back everything taken (once; later calls give back what was taken since).
    func releaseAll() {
        budget.release(held.exchange(0, ordering: .relaxed))
    }
}
