// How TensorCore splits work over the machine's cores.

import Dispatch
import Foundation
import Synchronization

/// The thread pool policy of TensorCore: how many threads the kernels use, and a helper that
/// runs coarse chunks of work on them.
///
///     Parallel.forEach(chunks: 8) { chunk in ... }   // chunks run concurrently
public enum Parallel {
    private static let configured = Mutex<Int?>(nil)

    /// Threads the kernels use: `--threads`, else the `TP_THREADS` environment variable, else
    /// every active core.
    public static var threadCount: Int {
        get {
            configured.withLock({ $0 }) ?? fromEnvironment
        }
        set { configured.withLock { $0 = max(1, newValue) } }
    }

    /// `TP_THREADS`, else every active core; read once (the environment is slow to query).
    /// A value `environmentThreadCount()` refuses counts as unset here; the `lesson` command
    /// refuses it with a message before it runs.
    private static let fromEnvironment: Int = {
        if let count = try? environmentThreadCount() { return count }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The most threads a user may ask for: four per core. Beyond the cores, threads only take
    /// turns on them, and each adds its own buffers and its share of the synchronisation, so
    /// hundreds of them make the kernels several times slower, never faster.
    public static var maximumThreadCount: Int { 4 * max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The `TP_THREADS` environment variable as a thread count, or nil when it is unset or empty.
    ///
    /// - Throws: `TensorError.invalidArgument` with a one-line message when it is not a whole
    ///   number from 1 to `maximumThreadCount`.
    public static func environmentThreadCount() throws -> Int? {
        guard let text = ProcessInfo.processInfo.environment["TP_THREADS"], !text.isEmpty else { return nil }
        guard let count = Int(text), (1...maximumThreadCount).contains(count) else {
            throw TensorError.invalidArgument(
                "TP_THREADS=\(text) is not a thread count from 1 to \(maximumThreadCount) " +
                "(four per core, \(ProcessInfo.processInfo.activeProcessorCount) cores); fix it or unset it")
        }
        return count
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks`, concurrently when there is more than
    /// one chunk and more than one thread. Returns when every chunk has finished.
    ///
    /// Give it coarse chunks (at least tens of microseconds of work each): a chunk is one
    /// dispatch, and dispatch costs about a microsecond.
    @inlinable
    public static func forEach(chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        if chunks == 1 || threadCount == 1 || WorkerPool.isInside {
            for chunk in 0..<chunks { body(chunk) }
        } else if usePool, threadCount == pool.workerCount + 1, pool.run(chunks: chunks, body) {
            return
        } else {
            // NOTE: concurrentPerform wants a @Sendable closure; ours captures raw pointers to
            // disjoint parts of buffers, which is safe but not expressible to the compiler.
            withoutActuallyEscaping(body) { escapable in
                nonisolated(unsafe) let run = escapable
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    WorkerPool.inside { run(chunk) }
                }
            }
        }
    }

    /// The persistent workers: one fewer than the cores (the caller is the last one). Used when
    /// the thread count is the core count and no other thread is using them; otherwise
    /// libdispatch's `concurrentPerform` runs the chunks. `TP_NO_POOL=1` in the environment
    /// turns them off, to measure what they save.
    @usableFromInline static let usePool = ProcessInfo.processInfo.environment["TP_NO_POOL"] == nil
    @usableFromInline static let pool = WorkerPool(workers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// Splits `0..<count` into at most `threadCount × oversubscription` contiguous ranges of at
    /// least `minimum` items and runs `body` on each range concurrently.
    @inlinable
    public static func forEachRange(
        _ count: Int, minimum: Int = 1, oversubscription: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let most = max(1, count / max(1, minimum))
        let chunks = min(most, threadCount * max(1, oversubscription))
        let base = count / chunks, extra = count % chunks
        forEach(chunks: chunks) { chunk in
            let start = chunk * base + min(chunk, extra)
            let end = start + base + (chunk < extra ? 1 : 0)
            body(start..<end)
        }
    }
}
