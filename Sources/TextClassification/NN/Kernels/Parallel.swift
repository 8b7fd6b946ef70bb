import Dispatch
import Foundation

/// Work split across the machine's cores.
enum Parallel {
    /// How many pieces a training batch is split into. Fixed (not the core count) so that
    /// gradients are summed in the same order, and results are bit-identical, on any machine.
    static let trainingShards = 2

    /// Threads to use: `TEXTCLF_THREADS` if set (≥ 1), else every core. Results do not
    /// depend on it (work is split the same way, only run on fewer threads).
    static let threads: Int = {
        if let text = ProcessInfo.processInfo.environment["TEXTCLF_THREADS"], let n = Int(text), n >= 1 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    /// Runs `body(0) … body(count − 1)` concurrently (one after another with one thread)
    /// and returns when all are done.
    static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 || threads == 1 {
            for k in 0..<count { body(k) }
            return
        }
        if SpinningWorkers.shared.run(count, body) { return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)  // nested, or another caller's job runs
    }

    /// `[body(0), …, body(count − 1)]`, computed on all threads (each taking every n-th
    /// index) once there are at least `minimumPerThread` indices for each: for work per item
    /// that is large and uneven, such as tokenizing a text.
    static func map<T>(_ count: Int, minimumPerThread: Int = 64, _ body: @Sendable (Int) -> T) -> [T] {
        let workers = min(threads, max(1, count / minimumPerThread))
        guard workers > 1 else { return (0..<count).map(body) }
        let results = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
        let shared = SharedPointer(base: results.baseAddress!)
        forEach(workers) { worker in
            for k in stride(from: worker, to: count, by: workers) { (shared.base + k).initialize(to: body(k)) }
        }
        defer { results.deallocate() }
        return (0..<count).map { (results.baseAddress! + $0).move() }
    }

    /// Runs `body(part, parts)` for every part of `parts` concurrently (each writing its own
    /// range of a shared result); returns whether every part returned `true`.
    static func parts(_ parts: Int, _ body: @Sendable (_ part: Int, _ parts: Int) -> Bool) -> Bool {
        var results = [Bool](repeating: true, count: parts)
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedPointer(base: buffer.baseAddress!)
            forEach(parts) { part in shared.base[part] = body(part, parts) }
        }
        return !results.contains(false)
    }

    /// A training batch of `batch` rows in `shards` consecutive shards of `size` rows (the
    /// last one shorter; by default the batch split evenly), run concurrently:
    /// `body(shard, rows, losses)` writes each of its rows' loss into `losses[row]` and returns
    /// the shard's result. Returns the results in shard order and the losses by row.
    static func shards<Result>(of batch: Int, count shards: Int, size: Int? = nil,
                               _ body: @Sendable (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Result)
        -> (results: [Result], losses: [Float]) {
        let shardSize = size ?? (batch + shards - 1) / shards
        var results = [Result?](repeating: nil, count: shards)
        var losses = [Float](repeating: 0, count: batch)
        results.withUnsafeMutableBufferPointer { resultBuffer in
            losses.withUnsafeMutableBufferPointer { lossBuffer in
                let sharedResults = SharedPointer(base: resultBuffer.baseAddress!)
                let sharedLosses = SharedPointer(base: lossBuffer.baseAddress!)
                forEach(shards) { s in
                    sharedResults.base[s] = body(s, s * shardSize ..< min(batch, (s + 1) * shardSize), sharedLosses.base)
                }
            }
        }
        return (results.map { $0! }, losses)
    }

    /// Runs `first` and `second` at once (one after the other with one thread) and returns
    /// both results; if either throws, throws its error (`first`'s if both do).
    static func both<A, B>(_ first: @Sendable () throws -> A, _ second: @Sendable () throws -> B) throws -> (A, B) {
        var a: Result<A, any Error>?, b: Result<B, any Error>?
        withUnsafeMutablePointer(to: &a) { a in
            withUnsafeMutablePointer(to: &b) { b in
                let a = SharedPointer(base: a), b = SharedPointer(base: b)
                forEach(2) { k in
                    if k == 0 { a.base.pointee = Result { try first() } } else { b.base.pointee = Result { try second() } }
                }
            }
        }
        return (try a!.get(), try b!.get())
    }
}

/// A pointer handed to concurrent workers that write disjoint parts of it.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// A value (typically a pointer) handed to concurrent workers that only read through it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
