// An off-by-default stopwatch that splits a training step into the kernels (GEMM, attention,
// elementwise loops, the optimiser's update) and everything around them: the tape.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _Support
import TensorCore

/// Where the time of a training step goes: the ops wrap their numerical work in
/// `Profiler.measure`, and whatever a step spends outside those regions is the price of the
/// tape (building graph nodes and closures, allocating and zero-filling tensors, reference
/// counting, the topological sort).
///
///     let (loss, report) = try Profiler.profile { try trainingStep() }
///     report.kernelSeconds / report.totalSeconds      // the kernels' share of the step
///
/// Disabled (the default), `measure` costs one load and one branch. Enabled, only the thread
/// that called `profile` records (tests running beside it on other threads are not counted), and
/// a region nested in another is subtracted from it, so no time is counted twice.
public enum Profiler {
    /// What a measured region computes.
    public enum Category: Int, CaseIterable, Sendable {
        /// GEMM calls: linear layers, matmuls, and their gradients.
        case matmul
        /// TensorCore's attention kernels, forward and backward.
        case attention
        /// Elementwise maps, norms, softmax, loss, reductions, copies that move data for an op.
        case elementwise
        /// The optimiser's update and gradient clipping.
        case optimizer
        /// Tape bookkeeping measured directly: allocating and zero-filling fresh tensors for results and gradients.
        case allocation
        /// Tape bookkeeping measured directly: ordering the graph before the backward pass.
        case topologicalSort

        /// Whether the region is numerical work (a kernel) rather than bookkeeping.
        public var isKernel: Bool { rawValue <= Category.optimizer.rawValue }
    }

    /// One call site of `measure` and the time spent in it.
    public struct Site: Sendable {
        public var location: String
        public var category: Category
        public var seconds: Double
    }

    /// What `profile` measured.
    public struct Report: Sendable {
        /// Seconds in each category (exclusive of nested regions).
        public var seconds: [Category: Double]
        /// Seconds at each measured call site, such as "layerNorm(epsilon:) (Ops+Normalization.swift:42)",
        /// exclusive of nested regions, busiest first: which op of a category the time went to.
        public var sites: [Site]
        /// Wall-clock seconds of the whole profiled body.
        public var totalSeconds: Double
        /// Seconds in kernels.
        public var kernelSeconds: Double { seconds.filter { $0.key.isKernel }.values.reduce(0, +) }
        /// Seconds outside kernels: the tape's bookkeeping and the rest of the caller's code.
        public var bookkeepingSeconds: Double { totalSeconds - kernelSeconds }
    }

    nonisolated(unsafe) static var isEnabled = false
    nonisolated(unsafe) static var owner: pthread_t?
    nonisolated(unsafe) static var totals = [Double](repeating: 0, count: Category.allCases.count)
    /// Seconds spent in regions nested in the one now open (subtracted from it when it closes).
    nonisolated(unsafe) static var nested: Double = 0
    /// Seconds per call site and category (`Kernels.make` measures its allocation and its loop
    /// at one site).
    nonisolated(unsafe) static var siteTotals: [SiteKey: Double] = [:]

    /// A call site, compared by the addresses of its literals: cheap enough to update on every
    /// region, so the bookkeeping does not swell the regions around it. Formatted only for the report.
    struct SiteKey: Hashable {
        let category: Category, function: StaticString, file: StaticString, line: UInt

        static func == (a: SiteKey, b: SiteKey) -> Bool {
            a.category == b.category && a.line == b.line
                && a.function.utf8Start == b.function.utf8Start && a.file.utf8Start == b.file.utf8Start
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(category)
            hasher.combine(line)
            hasher.combine(function.utf8Start)
            hasher.combine(file.utf8Start)
        }

        var location: String { "\(function) (\(file.description.split(separator: "/").last ?? ""):\(line))" }
    }

    /// Runs `body` with the profiler on, on this thread, and reports where its time went.
    public static func profile<R>(_ body: () throws -> R) rethrows -> (result: R, report: Report) {
        ensure(!isEnabled, "Profiler.profile cannot be nested")
        totals = [Double](repeating: 0, count: Category.allCases.count)
        siteTotals = [:]
        nested = 0
        owner = pthread_self()
        isEnabled = true
        let start = Stopwatch.now()
        defer { isEnabled = false; owner = nil }
        let result = try body()
        let total = Stopwatch.now() - start
        let seconds = Dictionary(uniqueKeysWithValues: Category.allCases.map { ($0, totals[$0.rawValue]) })
        var merged: [String: Site] = [:]     // one site per category and text, whatever the addresses
        for (key, seconds) in siteTotals {
            merged["\(key.category) \(key.location)", default: Site(location: key.location, category: key.category, seconds: 0)]
                .seconds += seconds
        }
        let sites = merged.values.sorted { ($0.seconds, $1.location) > ($1.seconds, $0.location) }
        return (result, Report(seconds: seconds, sites: sites, totalSeconds: total))
    }

    /// Runs `body`, counting its time (minus regions nested in it) under `category` while profiling.
    @inline(__always)
    static func measure<R>(
        _ category: Category, function: StaticString = #function, file: StaticString = #fileID,
        line: UInt = #line, _ body: () throws -> R
    ) rethrows -> R {
        guard isEnabled else { return try body() }
        return try record(category, function: function, file: file, line: line, body)
    }

    @inline(never)
    static func record<R>(
        _ category: Category, function: StaticString, file: StaticString, line: UInt, _ body: () throws -> R
    ) rethrows -> R {
        guard let owner, pthread_equal(owner, pthread_self()) != 0 else { return try body() }
        let outer = nested
        nested = 0
        let start = Stopwatch.now()
        defer {
            let elapsed = Stopwatch.now() - start
            totals[category.rawValue] += elapsed - nested
            siteTotals[SiteKey(category: category, function: function, file: file, line: line), default: 0] += elapsed - nested
            nested = outer + elapsed
        }
        return try body()
    }
}
