// A small pool of worker threads that stay awake for a moment between parallel regions.
//
// libdispatch wakes its second worker 10 µs or more after `concurrentPerform` starts; a training
// step of the char transformer runs about a hundred parallel regions of 50–300 µs each, so that
// wake-up alone costs several per cent of the step. These workers spin for a short while after
// each region before they park, so that the next region finds them awake.

import Foundation
import Synchronization

/// Persistent workers for `Parallel.forEach`: one job at a time, chunks handed out by an atomic
/// counter, the calling thread taking chunks too.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
    /// One parallel region. Workers hold it while they take chunks; `body` points at the caller's
    /// closure and is called only for a chunk claimed while the caller still waits (chunk < chunks),
    /// so a worker that arrives late holds a job whose body it never calls.
    private final class Job: @unchecked Sendable {
        let chunks: Int
        let body: UnsafePointer<(Int) -> Void>
        let next = Atomic<Int>(0)
        let finished = Atomic<Int>(0)

        init(chunks: Int, body: UnsafePointer<(Int) -> Void>) {
            self.chunks = chunks
            self.body = body
        }

        /// Claims and runs chunks until none are left.
        func takeChunks() {
            while true {
                let chunk = next.add(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                body.pointee(chunk)
                finished.add(1, ordering: .releasing)
            }
        }
    }

    private let current = Mutex<Job?>(nil)
    /// Incremented for every job; workers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// One caller at a time; a second concurrent caller falls back to libdispatch.
    private let inUse = Atomic<Bool>(false)
    /// Per worker: whether it is parked on its semaphore, and the semaphore.
    private final class Worker: Sendable {
        let parked = Atomic<Bool>(false)
        let wakeUp = DispatchSemaphore(value: 0)
    }
    private let workers: [Worker]

    /// How many times a worker checks for a new job after finishing one before it parks
    /// (a few tens of microseconds).
    private static let spinChecks = 20_000

    /// Whether this thread is inside a parallel region: nested regions run serially.
    @TaskLocal @usableFromInline static var isInside = false

    /// Runs `body` as part of a parallel region, so that regions it starts run serially.
    @usableFromInline static func inside(_ body: () -> Void) { $isInside.withValue(true, operation: body) }

    @usableFromInline let workerCount: Int

    init(workers: Int) {
        workerCount = workers
        self.workers = (0..<workers).map { _ in Worker() }
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.work(index) }
            thread.name = "TensorCore worker \(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the calling thread and the workers,
    /// and returns when all have finished. Returns false, having run nothing, when another thread
    /// is using the pool.
    @usableFromInline
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { inUse.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafePointer(to: &closure) { pointer in
                let job = Job(chunks: chunks, body: pointer)
                current.withLock { $0 = job }
                generation.add(1, ordering: .releasing)
                for worker in workers where worker.parked.exchange(false, ordering: .acquiringAndReleasing) {
                    worker.wakeUp.signal()
                }
                Self.$isInside.withValue(true) { job.takeChunks() }
                while job.finished.load(ordering: .acquiring) < chunks {}
                current.withLock { $0 = nil }
            }
        }
        return true
    }

    private func work(_ index: Int) {
        let me = workers[index]
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinChecks { continue }
                // Park: say so, then look once more (a job may have just been published); sleep
                // unless this thread takes its own flag back first.
                me.parked.store(true, ordering: .releasing)
                if generation.load(ordering: .acquiring) != seen,
                   me.parked.exchange(false, ordering: .acquiringAndReleasing) {
                    break
                }
                me.wakeUp.wait()
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            if let job = current.withLock({ $0 }) {
                Self.$isInside.withValue(true) { job.takeChunks() }
            }
        }
    }
}
