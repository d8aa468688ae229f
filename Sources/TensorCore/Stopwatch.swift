// Timing a kernel honestly: a warm-up, repeated samples, the median and the spread. The lessons,
// the benchmarks and Autograd's profiler all read this one clock.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _Support

/// Seconds per call of one measurement: the median of the timed samples, and the fastest and
/// slowest of them.
public struct Timing: Sendable, Equatable {
    public let median: Double, fastest: Double, slowest: Double

    public init(median: Double, fastest: Double, slowest: Double) {
        (self.median, self.fastest, self.slowest) = (median, fastest, slowest)
    }

    /// The median, fastest and slowest of `samples` (seconds; NaN for none).
    public init(samples: [Double]) {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else {
            (median, fastest, slowest) = (.nan, .nan, .nan)
            return
        }
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        fastest = sorted[0]
        slowest = sorted[sorted.count - 1]
    }

    /// The same timing per unit of work: per call → per hop, per byte, …
    public func divided(by units: Double) -> Timing {
        Timing(median: median / units, fastest: fastest / units, slowest: slowest / units)
    }

    /// "12.3 (11.9–13.0)" in milliseconds: the median, then the spread, to three significant
    /// digits (so that the microseconds of a small kernel do not print as "0.000").
    public var millisecondsText: String {
        "\(significant(median * 1e3)) (\(significant(fastest * 1e3))–\(significant(slowest * 1e3)))"
    }
}

public enum Stopwatch {
    /// Times `body`: a warm-up of at least one call and `minimumSample` seconds (caches, page
    /// faults, threads starting, the clock speeding up), then `repeats` samples. Each sample runs
    /// `body` often enough to last `minimumSample` seconds, so that a 0.1 ms call is not lost in
    /// the clock's resolution, and reports seconds per call.
    public static func time(repeats: Int, minimumSample: Double, _ body: () throws -> Void) rethrows -> Timing {
        var start = now(), warmUpCalls = 0
        repeat {
            try body()
            warmUpCalls += 1
        } while now() - start < minimumSample
        let single = (now() - start) / Double(warmUpCalls)
        let calls = max(1, Int((minimumSample / single).rounded(.up)))
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            start = now()
            for _ in 0..<calls { try body() }
            samples.append((now() - start) / Double(calls))
        }
        return Timing(samples: samples)
    }

    /// Seconds on a monotonic clock (a vDSO call, about 20 ns).
    @inlinable
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
