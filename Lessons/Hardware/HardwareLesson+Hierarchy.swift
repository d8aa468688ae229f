// Step 1: the memory hierarchy of this machine — cache sizes from the system, load latency by
// pointer chasing, read bandwidth by streaming, over working sets from 4 KiB to past the LLC.
// W = working-set bytes, T = threads.

import Figures
import Foundation
import TensorCore
import _Support

/// What step 1 measured.
struct Hierarchy {
    struct Point {
        let bytes: Int
        /// Seconds per load, chasing pointers.
        let latency: Timing
        /// Bytes per second reading: one thread, and T threads each reading its own W bytes.
        let oneThread: HardwareLesson.Rate, allThreads: HardwareLesson.Rate
    }

    /// One level's numbers, read off the sweep at a working set well inside it.
    struct Level {
        let name: String
        let bytes: Int?
        let latency: Timing
        let oneThread: HardwareLesson.Rate, allThreads: HardwareLesson.Rate
    }

    let points: [Point]
    let levels: [Level]
    /// The working set past the L2 where the latency is already more than half of DRAM's.
    let effectiveLastLevel: Int?

    /// The all-threads read bandwidth (GB/s) of a cache level, if it was measured.
    func bandwidth(level: Int) -> Double? { levels.first { $0.name.hasPrefix("L\(level)") }?.allThreads.median }
}

extension HardwareLesson {
    // MARK: - 1. The memory hierarchy

    static func measureMemoryHierarchy(_ settings: Settings, _ context: LessonContext) throws -> Hierarchy {
        context.section("The memory hierarchy of this machine")
        let caches = SystemInfo.caches.filter { $0.kind != "Instruction" }
        var table = Table(title: "Data caches of CPU 0, as the system reports them (\(SystemInfo.cpuModel))",
                          columns: ["level", "kind", "size", "shared by"], alignments: [.left, .left, .right, .right])
        for cache in caches {
            try table.append(["L\(cache.level)", cache.kind.lowercased(), formatBytes(cache.bytes),
                              cache.sharedByCores > 1 ? "\(cache.sharedByCores) cores" : "1 core"])
        }
        try table.append(["DRAM", "main memory", formatBytes(SystemInfo.physicalMemory), "all cores"])
        try context.show(table, as: "caches")
        context.say("""
            A GPU's SRAM and HBM have their counterparts here: small, fast caches next to each core \
            and a large, slow DRAM behind them. Two probes measure each level. Latency: a random \
            cycle through every 64-byte line of a working set of W bytes, each line holding the \
            address of the next (drawn by Sattolo's algorithm, so the cycle covers every line); \
            each load needs the previous one's answer, so the time per hop is the time of one load \
            from wherever W fits. Bandwidth: reading W bytes again and again with SIMD loads, on \
            one thread
            """ + (settings.threads > 1 ? " and on \(settings.threads) threads at once, each with its own W bytes." : "."))

        var generator = context.generator(for: "pointer-chase")
        var points: [Hierarchy.Point] = []
        for bytes in settings.sweepSizes {
            let ring = PointerChaseRing(bytes: bytes, using: &generator)
            let hops = 1 << 15
            let latency = Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
                ring.chase(hops: hops)
            }.divided(by: Double(hops))
            let one = ProbeBuffer(count: bytes / 4)
            let many = (0..<(settings.threads > 1 ? settings.threads : 0)).map { _ in ProbeBuffer(count: bytes / 4) }
            // Each call reads at least 32 MiB per thread, so that neither a 4 KiB pass nor waking
            // the other threads is lost in the call's own cost.
            let passes = max(1, (32 << 20) / bytes)
            let single = Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
                _ = MachineProbes.read(one, passes: passes)
            }
            let all = settings.threads == 1 ? single : Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
                _ = MachineProbes.read(many, passes: passes)
            }
            let work = Double(passes * bytes)
            points.append(Hierarchy.Point(bytes: bytes, latency: latency, oneThread: Rate(work: work, per: single),
                                          allThreads: Rate(work: work * Double(settings.threads), per: all)))
        }
        let hierarchy = Hierarchy(points: points, levels: levels(of: points, caches: caches, threads: settings.threads),
                                  effectiveLastLevel: effectiveLastLevel(points, caches: caches))
        try showLevels(hierarchy, settings, context)
        try chartHierarchy(hierarchy, caches: caches, settings, context)
        return hierarchy
    }

    /// Reads each level off the sweep in the middle of its range (on log axes): latency and
    /// one-thread bandwidth at the largest W ≤ √(previous level's size · this level's size), where
    /// the working set is well past the level below and well inside this one (caches are not
    /// perfectly used, and on a shared machine other programs hold part of the last level).
    /// All-threads bandwidth at the largest W with T·W below that for a shared level. DRAM is the
    /// largest W measured.
    static func levels(of points: [Hierarchy.Point], caches: [SystemInfo.Cache], threads: Int) -> [Hierarchy.Level] {
        var levels: [Hierarchy.Level] = []
        var below = 4096.0
        let edge = effectiveLastLevel(points, caches: caches).map(Double.init) ?? .infinity
        for cache in caches {
            // Past the L2, stay below where the latency already climbs towards DRAM's.
            let middle = min((below * Double(cache.bytes)).squareRoot(), cache.level > 2 ? edge / 2 : .infinity)
            below = Double(cache.bytes)
            let sharers = Double(cache.sharedByCores > 1 ? max(1, min(threads, cache.sharedByCores)) : 1)
            guard let inside = points.last(where: { Double($0.bytes) <= middle }),
                  let insideAll = points.last(where: { Double($0.bytes) <= middle / sharers }) else { continue }
            levels.append(Hierarchy.Level(name: "L\(cache.level) (\(formatBytes(cache.bytes)))", bytes: cache.bytes,
                                          latency: inside.latency, oneThread: inside.oneThread,
                                          allThreads: insideAll.allThreads))
        }
        if let last = points.last {
            levels.append(Hierarchy.Level(name: "DRAM", bytes: nil, latency: last.latency,
                                          oneThread: last.oneThread, allThreads: last.allThreads))
        }
        return levels
    }

    /// The smallest working set past the L2 whose latency is already more than half of DRAM's:
    /// where the last-level cache stops helping, which on a shared machine can be well below its size.
    static func effectiveLastLevel(_ points: [Hierarchy.Point], caches: [SystemInfo.Cache]) -> Int? {
        guard let dram = points.last?.latency.median, let l2 = caches.first(where: { $0.level == 2 })?.bytes else { return nil }
        return points.first { $0.bytes > l2 && $0.latency.median > dram / 2 }?.bytes
    }

    /// `hierarchy.csv/.md`: latency and bandwidth per level.
    static func showLevels(_ hierarchy: Hierarchy, _ settings: Settings, _ context: LessonContext) throws {
        let clock = settings.clockGHz ?? MachineProbes.reportedClockGHz
        var table = Table(
            title: "Each level of the hierarchy: load latency (pointer chase) and read bandwidth, median (fastest–slowest)",
            columns: ["level", "latency (ns)", "≈ cycles", "read GB/s, 1 thread", "read GB/s, all threads"],
            alignments: [.left, .right, .right, .right, .right])
        for level in hierarchy.levels {
            let ns = level.latency
            try table.append([
                level.name, "\(significant(ns.median * 1e9)) (\(significant(ns.fastest * 1e9))–\(significant(ns.slowest * 1e9)))",
                clock.map { format(ns.median * 1e9 * $0, 0) } ?? "—", level.oneThread.text, level.allThreads.text,
            ])
        }
        try context.show(table, as: "hierarchy")
        let caches = SystemInfo.caches.filter { $0.kind != "Instruction" }
        if let edge = hierarchy.effectiveLastLevel, let last = caches.last, last.level >= 3,
           edge <= last.bytes / 2 {
            context.say("""
                The latency reaches DRAM's (more than half of it) already at W = \(formatBytes(edge)), \
                \(format(Double(last.bytes) / Double(edge), 0))× below the \(formatBytes(last.bytes)) L\(last.level) \
                the system reports: that cache is shared with the chip's other cores — in a virtual \
                machine, other tenants' — so a program gets only part of it.
                """)
        }
        if let first = hierarchy.levels.first, let dram = hierarchy.levels.last, hierarchy.levels.count > 1 {
            context.say("""
                From \(first.name) to DRAM the latency grows \(format(dram.latency.median / first.latency.median, 0))× \
                (\(significant(first.latency.median * 1e9)) → \(significant(dram.latency.median * 1e9)) ns) and the \
                bandwidth of one core falls \(format(first.oneThread.median / dram.oneThread.median, 0))× \
                (\(significant(first.oneThread.median)) → \(significant(dram.oneThread.median)) GB/s): the same \
                cliff as between a GPU's SRAM and its HBM. An operation whose data lives in DRAM runs at \
                DRAM's pace unless it reuses each byte it fetches many times.
                """)
        }
    }

    /// `latency.png` and `bandwidth.png` against W on log axes, the cache sizes marked.
    static func chartHierarchy(_ hierarchy: Hierarchy, caches: [SystemInfo.Cache], _ settings: Settings,
                               _ context: LessonContext) throws {
        let x = hierarchy.points.map { Double($0.bytes) }
        let markers = caches.map { Marker(x: Double($0.bytes), label: "L\($0.level) \(formatBytes($0.bytes))") }
        let latency = LineChart(
            title: "Load latency vs working set (random pointer chase, 1 thread)",
            xLabel: "working set W (bytes)", yLabel: "latency per load (ns, median)",
            series: [Series(name: "latency", x: x, y: hierarchy.points.map { $0.latency.median * 1e9 }, symbol: .circle)],
            xScale: .log, yScale: .log, markers: markers, legend: .hidden)
        // [points, 4]: W (bytes), median, fastest, slowest (ns per load)
        let latencyData = hierarchy.points.flatMap { p in
            [Float(p.bytes), Float(p.latency.median * 1e9), Float(p.latency.fastest * 1e9), Float(p.latency.slowest * 1e9)]
        }
        try context.save(latency, as: "latency", data: .tensor(try Tensor(shape: [x.count, 4], scalars: latencyData)))

        var series = [Series(name: "1 thread", x: x, y: hierarchy.points.map(\.oneThread.median), symbol: .circle)]
        if settings.threads > 1 {
            series.append(Series(name: "\(settings.threads) threads (sum)", x: x, y: hierarchy.points.map(\.allThreads.median),
                                 style: .dashed, symbol: .square))
        }
        let bandwidth = LineChart(
            title: "Read bandwidth vs working set (SIMD loads; all threads: each its own W bytes)",
            xLabel: "working set W per thread (bytes)", yLabel: "read bandwidth (GB/s, median)",
            series: series, xScale: .log, yScale: .log, markers: markers)
        // [points, 7]: W (bytes), 1 thread median, low, high, all threads median, low, high (GB/s)
        let bandwidthData = hierarchy.points.flatMap { p in
            [Float(p.bytes), Float(p.oneThread.median), Float(p.oneThread.low), Float(p.oneThread.high),
             Float(p.allThreads.median), Float(p.allThreads.low), Float(p.allThreads.high)]
        }
        try context.save(bandwidth, as: "bandwidth", data: .tensor(try Tensor(shape: [x.count, 7], scalars: bandwidthData)))
    }
}
