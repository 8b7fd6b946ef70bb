import Dispatch

/// Work split across the machine's cores.
enum Parallel {
    /// How many pieces a training batch is split into. Fixed (not the core count) so that
    /// gradients are summed in the same order, and results are bit-identical, on any machine.
    static let trainingShards = 2

    /// Runs `body(0) … body(count − 1)` concurrently and returns when all are done.
    static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { return body(0) }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}

/// A pointer handed to concurrent workers that write disjoint parts of it.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}
