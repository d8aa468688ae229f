// What every benchmark needs: a clock, repeated timing with warm-up, the build description,
// and deterministic inputs.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TensorCore

// MARK: - Timing

/// Seconds per call of one measurement: the median of the timed samples, and their spread.
struct Timing {
    let median: Double, fastest: Double, slowest: Double
}

/// Times `body`: first a warm-up (caches, page faults, thread start-up, clock speed) of at
/// least `minimumSample` seconds, then `repeats` samples. A sample runs `body` enough times to
/// last at least `minimumSample` seconds, so that short calls are not lost in the clock's
/// resolution, and reports seconds per call.
func timeCalls(repeats: Int, minimumSample: Double = 0.05, _ body: () -> Void) -> Timing {
    var start = now(), warmUpCalls = 0
    repeat {
        body()
        warmUpCalls += 1
    } while now() - start < minimumSample
    let single = (now() - start) / Double(warmUpCalls)
    let calls = max(1, Int((minimumSample / single).rounded(.up)))
    var samples: [Double] = []
    for _ in 0..<repeats {
        start = now()
        for _ in 0..<calls { body() }
        samples.append((now() - start) / Double(calls))
    }
    samples.sort()
    let middle = samples.count / 2
    let median = samples.count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2
    return Timing(median: median, fastest: samples.first!, slowest: samples.last!)
}

/// Seconds on a monotonic clock.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

// MARK: - Where the figures come from

/// The lines every benchmark prints first: how it was built and what it runs on.
func describeMachine() -> [String] {
    #if DEBUG
    let configuration = "debug"
    #else
    let configuration = "release"
    #endif
    var lines = ["build: \(configuration) (kernels are compiled -Ounchecked -target-cpu native in debug builds too)"]
    lines.append("cpu: \(processorName()), \(ProcessInfo.processInfo.activeProcessorCount) active cores")
    lines.append("threads: \(Parallel.threadCount)")
    return lines
}

/// The processor's marketing name from /proc/cpuinfo, or "unknown".
func processorName() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
          let colon = line.firstIndex(of: ":")
    else { return "unknown" }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
}

/// `value` with `digits` decimals, or in scientific notation when `digits` is negative.
func format(_ value: Double, _ digits: Int) -> String {
    digits < 0 ? String(format: "%.1e", value) : String(format: "%.\(digits)f", value)
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
