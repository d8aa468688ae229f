// Timing a kernel honestly: a warm-up, repeated samples, the median and the spread.

import Foundation

/// Seconds per call of one measurement: the median of the timed samples, and the fastest and
/// slowest of them.
struct Timing {
    let median: Double, fastest: Double, slowest: Double

    init(median: Double, fastest: Double, slowest: Double) {
        (self.median, self.fastest, self.slowest) = (median, fastest, slowest)
    }

    /// The median, fastest and slowest of `samples` (seconds; at least one).
    init(samples: [Double]) {
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
    func divided(by units: Double) -> Timing {
        Timing(median: median / units, fastest: fastest / units, slowest: slowest / units)
    }

    /// "12.3 (11.9–13.0)" in milliseconds: the median, then the spread.
    var millisecondsText: String {
        "\(milliseconds(median)) (\(milliseconds(fastest))–\(milliseconds(slowest)))"
    }
}

/// Milliseconds with 3 significant digits: "0.105", "12.3", "197".
func milliseconds(_ seconds: Double) -> String {
    let ms = seconds * 1e3
    return ms >= 100 ? format(ms, 0) : ms >= 10 ? format(ms, 1) : ms >= 1 ? format(ms, 2) : format(ms, 3)
}

enum Stopwatch {
    /// Times `body`: a warm-up of at least one call and `minimumSample` seconds (caches, page
    /// faults, threads starting, the clock speeding up), then `repeats` samples. Each sample runs
    /// `body` often enough to last `minimumSample` seconds, so that a 0.1 ms call is not lost in
    /// the clock's resolution, and reports seconds per call.
    static func time(repeats: Int, minimumSample: Double, _ body: () throws -> Void) rethrows -> Timing {
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

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }
}
