import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Fork-join on helper threads kept for the process, which spin for a while after each job
/// before they sleep. A training batch forks two or three times in ~1 ms; waking a sleeping
/// thread for each (`DispatchQueue.concurrentPerform`) cost more than the work it split: two
/// ~11 µs halves took 40 µs through dispatch, 16 µs here (2-core AMD EPYC).
///
/// One caller at a time: ``run(_:_:)`` returns `false` without running anything when another
/// job is in progress (a nested call from a job, or a second thread), and the caller then
/// forks another way.
final class SpinningWorkers: @unchecked Sendable {
    /// The process's workers: one helper per core beyond the caller's.
    static let shared = SpinningWorkers(helpers: Parallel.threads - 1)

    /// How long a helper spins for the next job before it sleeps.
    private static let spinSeconds = 0.002

    private let busy = Atomic<Bool>(false)
    /// Bumped to publish a job.
    private let generation = Atomic<Int>(0)
    /// The next iteration to claim; ``closed`` once the job is done, so that a helper that
    /// comes late claims nothing.
    private let next = Atomic<Int>(0)
    private let count = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// Helpers between seeing a job and leaving it: the job's closure lives until they are 0.
    private let active = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    /// Read by a helper only after it claimed an iteration, which orders it after the write.
    private nonisolated(unsafe) var job: Job?
    private static let closed = Int.max / 2

    private final class Job {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }

    private init(helpers: Int) {
        next.store(Self.closed, ordering: .relaxed)
        for _ in 0..<max(0, helpers) {
            let thread = Thread { [unowned self] in self.serve() }
            thread.name = "textclf-worker"
            thread.start()
        }
    }

    /// Runs `body(0) … body(iterations − 1)` on the caller and the helpers, returning when
    /// all are done; `false` (nothing run) if a job is already in progress.
    func run(_ iterations: Int, _ body: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job = Job(body)
            count.store(iterations, ordering: .relaxed)
            finished.store(0, ordering: .relaxed)
            next.store(0, ordering: .releasing)
            generation.add(1, ordering: .sequentiallyConsistent)
            var sleeping = sleepers.load(ordering: .sequentiallyConsistent)
            while sleeping > 0 {
                let (exchanged, found) = sleepers.compareExchange(expected: sleeping, desired: sleeping - 1,
                                                                  ordering: .sequentiallyConsistent)
                if exchanged { wake.signal() }
                sleeping = exchanged ? sleeping - 1 : found
            }
            work()
            Self.spin { finished.load(ordering: .acquiring) < iterations }
            // Sequentially consistent with the helpers' `active` increment and claim: a helper
            // either counts as active here (and is waited for) or claims after the close.
            next.store(Self.closed, ordering: .sequentiallyConsistent)
            Self.spin { active.load(ordering: .sequentiallyConsistent) > 0 }
            job = nil
        }
        return true
    }

    /// Waits while `condition` holds, letting another thread have the core now and then: a
    /// spinning thread must not keep the one it waits for from running.
    private static func spin(while condition: () -> Bool) {
        var spins = 0
        while condition() {
            spins += 1
            if spins & 255 == 0 { sched_yield() }
        }
    }

    /// Claims and runs iterations until none is left.
    private func work() {
        while true {
            let k = next.add(1, ordering: .sequentiallyConsistent).oldValue
            guard k < count.load(ordering: .acquiring) else { return }
            call(k)
            finished.add(1, ordering: .releasing)
        }
    }

    /// One iteration, in a frame of its own so that the job is released before `active` drops.
    @inline(never)
    private func call(_ k: Int) {
        job!.body(k)
    }

    /// A helper's life: wait for a job (spinning, then asleep), help with it, again.
    private func serve() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            let start = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 255 == 0 { sched_yield() }
                guard spins & 1023 == 0,
                      Double(DispatchTime.now().uptimeNanoseconds - start) > Self.spinSeconds * 1e9 else { continue }
                sleep(unless: seen)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            active.add(1, ordering: .sequentiallyConsistent)
            work()
            active.subtract(1, ordering: .releasing)
        }
    }

    /// Sleeps until the next job is published, unless it is already.
    private func sleep(unless seen: Int) {
        sleepers.add(1, ordering: .sequentiallyConsistent)
        guard generation.load(ordering: .sequentiallyConsistent) == seen else {
            // A job came meanwhile: withdraw, or take the wake-up its caller already sent.
            var sleeping = sleepers.load(ordering: .sequentiallyConsistent)
            while sleeping > 0 {
                let (exchanged, found) = sleepers.compareExchange(expected: sleeping, desired: sleeping - 1,
                                                                  ordering: .sequentiallyConsistent)
                if exchanged { return }
                sleeping = found
            }
            wake.wait()
            return
        }
        wake.wait()
    }
}
