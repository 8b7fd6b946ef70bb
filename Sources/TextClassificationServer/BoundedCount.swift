import Synchronization

/// How many of something are in use, against a limit: requests being handled, open
/// connections, explain requests being computed. Lock-free; ``enter()`` fails at the limit.
final class BoundedCount: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Counts one more if fewer than `limit` are in use.
    func enter() -> Bool {
        if count.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.wrappingSubtract(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
