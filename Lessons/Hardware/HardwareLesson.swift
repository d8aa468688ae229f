// Lesson: compute-bound vs memory-bound, measured on the machine the lesson runs on — its memory
// hierarchy, its peak FLOP/s and bytes/s, its roofline, and where standard attention spends its time.
// W = working-set bytes, T = threads, N = sequence length, d = head dim, n = GEMM size (n×n×n),
// I = arithmetic intensity (FLOPs per byte), LLC = last-level cache.

import ArgumentParser
import Figures
import Foundation
import TensorCore
import _Support

/// Compute-bound vs memory-bound, on the student's own machine.
///
/// Reads like the lecture:
/// 1. The memory hierarchy: cache sizes from the system, load latency by pointer chasing and
///    read bandwidth over working sets from 4 KiB to well past the last-level cache.
/// 2. Peak compute: a register-resident FMA loop and SGEMM (every backend), 1 thread and all.
/// 3. Peak memory bandwidth: STREAM copy, scale, add, triad on arrays far larger than the LLC.
/// 4. Machine balance (FLOPs per byte) of this machine beside the lecture's A100.
/// 5. The roofline: GEMM, softmax, layer norm, GELU, dropout, masking, standard and flash
///    attention placed by their FLOPs per byte, under this machine's measured roofs.
/// 6. Where standard attention spends its time: QKᵀ, scale + mask, softmax, dropout, PV, beside
///    their share of the FLOPs — the lecture's claim, checked.
/// 7. Conclusion, computed from the measurements.
///
/// Writes `caches.csv/.md`, `latency.png/.npy`, `bandwidth.png/.npy`, `hierarchy.csv/.md`,
/// `compute.csv/.md`, `stream.csv/.md`, `balance.csv/.md`, `roofline.png` with `roofline.csv`
/// (op,size,flops,bytes,intensity,seconds,gflops), `roofline-detail.csv/.md`,
/// `attention-time.png/.npy`, `attention-shares.png/.npy`, `attention-stages.csv/.md` and
/// `attention-model.csv/.md` into `Output/hardware/`; the conclusion is printed and saved as `conclusion.md`.
public enum HardwareLesson: Lesson {
    public static let name = "hardware"
    public static let summary = "compute-bound vs memory-bound: memory hierarchy, peaks, roofline, attention's time, measured here"
    public static let figureCaptions: [(name: String, caption: String)] = [
        ("latency", "load latency against working-set size: a staircase, one step per cache level"),
        ("bandwidth", "read bandwidth against working-set size, one thread and all threads"),
        ("roofline", "this machine's roofline, with the GEMMs and attention's passes on it"),
        ("attention-time", "standard attention pass by pass: where the time goes as N grows"),
        ("attention-shares", "share of the time vs share of the FLOPs for each pass"),
    ]

    public struct Options: ParsableArguments {
        @Option(name: .customLong("gemm-sizes"), help: ArgumentHelp(
            "GEMM sizes n (n×n times n×n) for the roofline, comma-separated, each 16…8192; the largest is the SGEMM peak (default: 256,512,1024,2048; 128,256,512 with --quick).",
            valueName: "n,n,…"))
        var gemmSizes: String?

        @Option(name: .customLong("max-n"), help: ArgumentHelp(
            "Largest attention sequence length N, a power of two in 512…16384; the time breakdown runs N = 512, 1024, … up to it, the roofline at 1024 and it (default: 4096; 1024 with --quick).",
            valueName: "n"))
        var maxN: Int?

        @Option(name: .customLong("head-dim"), help: ArgumentHelp("Attention head dimension d, 8…256 (default: 64).", valueName: "d"))
        var headDim: Int = 64

        public init() {}

        public func validate() throws {
            _ = try parsedGEMMSizes()
            if let maxN, !(512...16_384).contains(maxN) || maxN & (maxN - 1) != 0 {
                throw ValidationError("--max-n must be a power of two in 512...16384 (512, 1024, …), not \(maxN)")
            }
            guard (8...256).contains(headDim) else {
                throw ValidationError("--head-dim must be in 8...256, not \(headDim)")
            }
        }

        /// The sizes of `--gemm-sizes`, sorted and without repeats, or nil when not given.
        func parsedGEMMSizes() throws -> [Int]? {
            guard let gemmSizes else { return nil }
            let parts = gemmSizes.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let sizes = parts.compactMap { Int($0) }
            guard !parts.isEmpty, sizes.count == parts.count, sizes.allSatisfy({ (16...8192).contains($0) }) else {
                throw ValidationError("--gemm-sizes must be a comma-separated list of sizes in 16...8192 (e.g. 256,512,1024), not '\(gemmSizes)'")
            }
            guard Set(sizes).count <= 8 else {
                throw ValidationError("--gemm-sizes takes at most 8 sizes, not \(Set(sizes).count)")
            }
            return Array(Set(sizes)).sorted()
        }
    }

    /// Everything the run needs, worked out once from the options and --quick.
    struct Settings {
        let quick: Bool
        let gemmSizes: [Int]
        let maxN: Int
        let headDim: Int
        /// Threads of the "all threads" measurements: `--threads`, else every core.
        let threads: Int
        /// "1 thread", "2 threads".
        var threadsText: String { countText(threads, "thread") }
        /// Dropout probability of the attention breakdown (the original transformer's 0.1).
        let dropout: Float = 0.1
        /// The clock the cores actually run at, from the FMA loop (see `estimateClock`).
        var clockGHz: Double? = nil

        init(_ options: Options, quick: Bool) {
            self.quick = quick
            gemmSizes = (try? options.parsedGEMMSizes()).flatMap { $0 } ?? (quick ? [128, 256, 512] : [256, 512, 1024, 2048])
            maxN = options.maxN ?? (quick ? 1024 : 4096)
            headDim = options.headDim
            threads = Parallel.threadCount
        }

        /// N of the time breakdown: 512, 1024, …, maxN.
        var attentionSizes: [Int] { (9...14).map { 1 << $0 }.filter { $0 <= maxN } }
        /// N of the roofline's attention and elementwise points: 1024 and maxN.
        var rooflineSizes: [Int] { Array(Set([min(1024, maxN), maxN])).sorted() }
        /// The SGEMM peak is measured at the largest GEMM size.
        var peakGEMMSize: Int { gemmSizes.last! }

        /// Timed samples per measurement (after a warm-up) and the least time one sample lasts.
        var repeats: Int { quick ? 3 : 5 }
        var minimumSample: Double { quick ? 0.004 : 0.02 }

        /// The last-level cache (32 MiB if the system does not say).
        var lastLevelCache: Int { SystemInfo.caches.filter { $0.kind != "Instruction" }.map(\.bytes).max() ?? (32 << 20) }
        /// Working sets of the latency and bandwidth sweeps: 4 KiB up to 4× the LLC (2× with
        /// --quick), two per octave (one with --quick).
        var sweepSizes: [Int] {
            let largest = lastLevelCache * (quick ? 2 : 4)
            var sizes: [Int] = []
            var size = 4096.0
            while Int(size) <= largest {
                sizes.append(Int(size) / 1024 * 1024)   // whole KiB: whole blocks of the read kernel
                size *= quick ? 2 : 2.0.squareRoot()
            }
            return sizes
        }
        /// Floats per STREAM array: 4× the LLC (STREAM's rule), at least 64 MiB.
        var streamElements: Int { max(4 * lastLevelCache, 64 << 20) / MemoryLayout<Float>.stride }
    }

    public static func validate(_ options: Options, quick: Bool) throws {
        let settings = Settings(options, quick: quick)
        let n = settings.maxN, g = settings.peakGEMMSize
        // The steps run one after another and free what they allocate; the largest one counts.
        let needs = [
            (3 * settings.streamElements * 4, "STREAM (three arrays)"),
            (settings.sweepSizes.last! * (2 + settings.threads), "the largest latency and bandwidth sweep"),
            (3 * n * n * 4 + 8 * n * settings.headDim * 4, "attention at N = \(n)"),
            (3 * g * g * 4, "the SGEMM peak at n = \(g)"),
        ]
        for (bytes, purpose) in needs { try SystemInfo.requireMemory(bytes: bytes, for: purpose) }
    }

    public static func run(_ options: Options, in context: LessonContext) throws {
        var settings = Settings(options, quick: context.quick)
        settings.clockGHz = estimateClock(settings)
        describeTheRun(settings, context)
        let hierarchy = try measureMemoryHierarchy(settings, context)
        let compute = try measurePeakCompute(settings, context)
        let stream = try measureStreamBandwidth(settings, context)
        let machine = MachineRoofs(hierarchy: hierarchy, compute: compute, stream: stream, threads: settings.threads)
        try compareMachineBalance(machine, settings, context)
        let roofline = try drawRoofline(machine, compute, settings, context)
        let breakdown = try breakDownAttentionTime(roofline.stages, machine, settings, context)
        try concludeFromMeasurements(machine, roofline, breakdown, settings, context)
    }

    /// The clock the cores run at while busy, in GHz: the one-thread FMA loop's FLOP/s over the
    /// FLOPs a core can start per cycle (`MachineProbes.assumedFlopsPerCycle`). Boosting cores
    /// run faster than the clock the system reports, and latencies are best read in these cycles.
    static func estimateClock(_ settings: Settings) -> Double? {
        let iterations = 1 << 16
        let timing = Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
            _ = MachineProbes.fmaLoop(iterations: iterations)
        }
        let flops = Double(iterations * MachineProbes.fmaFlopsPerIteration) / timing.fastest
        let ghz = flops / Double(MachineProbes.assumedFlopsPerCycle) / 1e9
        return ghz.isFinite && ghz > 0 ? ghz : nil
    }

    /// What the numbers below come from: the machine, the build, the threads.
    static func describeTheRun(_ settings: Settings, _ context: LessonContext) {
        let reported = MachineProbes.reportedClockGHz.map { ", \(format($0, 2)) GHz reported" } ?? ""
        let clock = settings.clockGHz.map {
            " The FMA loop of step 2 (\(MachineProbes.assumedFlopsPerCycle) FLOPs per cycle at most) implies the cores run at about \(format($0, 2)) GHz while busy; cycles below are at that clock."
        } ?? ""
        context.say("""
            Measured on \(SystemInfo.cpuModel) (\(SystemInfo.coreCount) cores\(reported); SIMD: \
            \(SystemInfo.simdFeatures.joined(separator: " "))), \(formatBytes(SystemInfo.physicalMemory)) of \
            memory, \(SystemInfo.buildConfiguration) build (kernels \(SystemInfo.kernelFlags)), \
            \(settings.threadsText) for "all threads". Every time below is the median of \
            \(settings.repeats) samples after a warm-up, each sample at least \
            \(format(settings.minimumSample * 1e3, 0)) ms long; the spread (fastest–slowest) is shown beside it.
            """ + clock)
        if let busy = coresBusyElsewhere(), busy > 0.25 {
            context.say("""
                NOTE: other programs are running (they kept \(format(busy, 1)) of the \
                \(SystemInfo.coreCount) cores busy just before the lesson started measuring): the \
                numbers below — the all-threads ones most — will be lower and noisier than on an idle machine.
                """)
        }
    }

    /// How many cores other programs kept busy over a quarter of a second while this one slept
    /// (Linux /proc/stat: all time but idle and I/O wait), or nil elsewhere.
    static func coresBusyElsewhere() -> Double? {
        func sample() -> (busy: Double, total: Double)? {
            guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                  let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
            let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            guard fields.count >= 5 else { return nil }
            let total = fields.prefix(8).reduce(0, +)
            return (total - fields[3] - fields[4], total)
        }
        guard let before = sample() else { return nil }
        usleep(250_000)
        guard let after = sample(), after.total > before.total else { return nil }
        return (after.busy - before.busy) / (after.total - before.total) * Double(SystemInfo.coreCount)
    }
}

// MARK: - Measuring

extension HardwareLesson {
    /// Runs `body` with `Parallel.threadCount` (and so every kernel, OpenBLAS included) set to `threads`.
    static func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        return try body()
    }

    /// A rate (GFLOP/s, GB/s, …) from a timing of `work` units per call: the median, and the
    /// spread from the slowest to the fastest sample.
    struct Rate {
        let median: Double, low: Double, high: Double

        init(work: Double, per timing: Timing, unit: Double = 1e9) {
            median = work / timing.median / unit
            low = work / timing.slowest / unit
            high = work / timing.fastest / unit
        }

        /// "123 (118–125)": three significant digits.
        var text: String { "\(significant(median)) (\(significant(low))–\(significant(high)))" }
    }
}

/// "1 thread", "3 threads".
func countText(_ count: Int, _ noun: String) -> String { count == 1 ? "1 \(noun)" : "\(count) \(noun)s" }

