// What every benchmark needs besides TensorCore's `Stopwatch`: the build description, aligned
// tables and deterministic inputs.

import Foundation
import TensorCore
import _Support

// MARK: - Where the figures come from

/// The lines every benchmark prints first: how it was built and what it runs on.
func describeMachine() -> [String] {
    #if DEBUG
    let configuration = "debug"
    #else
    let configuration = "release"
    #endif
    var lines = ["build: \(configuration) (kernels are compiled \(SystemInfo.kernelFlags) in debug builds too)"]
    lines.append("cpu: \(SystemInfo.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) active cores")
    lines.append("threads: \(Parallel.threadCount)")
    return lines
}

// MARK: - The ceiling

/// The machine's FMA peak on the run's threads (TensorCore's `FMAPeak`, the hardware lesson's
/// flat roof), measured in every run so that every GFLOP/s figure can be read as a share of it.
///
/// A benchmark measures it before its kernels and again after them (`remeasured`), and prints
/// it and the shares only then: other work on a shared machine can only slow a sample, so a peak
/// measured once, during such a burst, read too low, and a kernel timed in a quiet moment beside
/// it showed more than 100% of it.
struct FMACeiling {
    let gflops: Double

    static func measure() -> FMACeiling { FMACeiling(gflops: FMAPeak.measure(threads: Parallel.threadCount)) }

    /// The faster of this measurement and a new one.
    func remeasured() -> FMACeiling {
        FMACeiling(gflops: max(gflops, FMAPeak.measure(threads: Parallel.threadCount)))
    }

    /// The line that introduces it.
    var description: String {
        "FMA peak: \(fixed(gflops, decimals: 1)) GFLOP/s (\(FMAPeak.chains) chains of \(FMAPeak.lanes)-float FMAs on registers, "
            + "\(Parallel.threadCount) threads, fastest sample before and after the measurements): the most these cores "
            + "can do; \"of peak\" below is a share of it"
    }

    /// `rate` GFLOP/s as a percentage of the peak, e.g. "83%".
    func share(_ rate: Double) -> String { fixed(100 * rate / gflops, decimals: 0) + "%" }

    /// For the summary line of scripts.
    var field: String { "fma_peak_gflops=\(fixed(gflops, decimals: 1))" }
}

// MARK: - Alternating rounds

/// Times several ways of doing the same work against each other: a warm-up of each, then
/// `repeats` rounds of one sample of each, so that a burst of other work on a shared machine
/// hits all of them alike instead of whichever ran at that moment. A sample is `body(way)` called
/// often enough to last `minimumSample` seconds; `pause(way)` runs after each of its samples,
/// untimed. Returns one timing per way (seconds per call).
func timeInRounds(ways: Int, repeats: Int, minimumSample: Double, _ body: (Int) -> Void,
                  pause: (Int) -> Void = { _ in }) -> [Timing] {
    var calls: [Int] = []
    for way in 0..<ways {
        let start = Stopwatch.now()
        var warmUpCalls = 0
        repeat {
            body(way)
            warmUpCalls += 1
        } while Stopwatch.now() - start < minimumSample
        let single = (Stopwatch.now() - start) / Double(warmUpCalls)
        calls.append(max(1, Int((minimumSample / single).rounded(.up))))
        pause(way)
    }
    var samples = [[Double]](repeating: [], count: ways)
    for _ in 0..<max(1, repeats) {
        for way in 0..<ways {
            let start = Stopwatch.now()
            for _ in 0..<calls[way] { body(way) }
            samples[way].append((Stopwatch.now() - start) / Double(calls[way]))
            pause(way)
        }
    }
    return samples.map(Timing.init(samples:))
}

// MARK: - Tables

/// Prints a table with columns padded to their widest cell.
func printAlignedTable(header: [String], rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
    func line(_ cells: [String]) -> String {
        var text = zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
            .joined(separator: " | ")
        while text.last == " " { text.removeLast() }
        return text
    }
    print(line(header))
    print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
    rows.forEach { print(line($0)) }
    print()
}

// MARK: - Inputs

/// Deterministic inputs for benchmarks: SplitMix64, floats uniform in [-1, 1).
struct BenchRandom {
    var state: UInt64
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * 0x1p-23 - 1
    }
    /// `count` numbers in [-1, 1).
    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}

/// Standard error as a `TextOutputStream`, for `print(…, to:)`.
struct StandardError: TextOutputStream {
    mutating func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
