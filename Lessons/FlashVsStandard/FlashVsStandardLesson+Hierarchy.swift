// Steps 1 and 2: the memory hierarchy of this machine, and why Algorithm 0 is memory-bound.
// N = sequence length, d = head dim, H = heads.

import Figures
import Foundation
import TensorCore

extension FlashVsStandardLesson {
    // MARK: - 1. The memory hierarchy

    /// The caches and memory of this machine beside the lecture's numbers for an A100 GPU
    /// (FlashAttention paper, figure 1): SRAM 19 TB/s (20 MB), HBM 1.5 TB/s (40 GB).
    static func describeMemoryHierarchy(_ context: LessonContext) throws {
        context.section("The memory hierarchy of this machine")
        var table = Table(
            title: "Fast and slow memory: this machine (\(SystemInfo.cpuModel)) beside the lecture's A100",
            columns: ["level", "size here", "shared by", "plays the part of", "on the A100 (lecture)"],
            alignments: [.left, .right, .left, .left, .left])
        // The A100's SRAM (192 KB per SM, 20 MB over its 108 SMs) is its one per-SM fast memory, so
        // it appears once; its 40 MB L2, shared by all SMs, sits where a CPU's shared L3 does.
        let lecture = [1: "SRAM: 192 KB per SM, 20 MB in all, 19 TB/s", 2: "(none: the SRAM above is M)",
                       3: "L2: 40 MB, shared by all SMs"]
        let roles = [1: "fast memory: the tile being multiplied", 2: "fast memory M: the resident blocks",
                     3: "a buffer in front of DRAM"]
        for cache in SystemInfo.caches where cache.kind != "Instruction" {
            let shared = cache.sharedByCores > 1 ? "\(cache.sharedByCores) cores" : "1 core"
            try table.append(["L\(cache.level) \(cache.kind.lowercased())", formatBytes(cache.bytes), shared,
                               roles[cache.level] ?? "", lecture[cache.level] ?? ""])
        }
        try table.append(["main memory (DRAM)", formatBytes(SystemInfo.physicalMemory), "all cores",
                           "slow memory: where S and P go", "HBM: 40 GB, 1.5 TB/s"])
        try context.show(table, as: "hierarchy")
        let l2 = fastMemoryBytes
        context.say("""
            Fast memory is small and close to the arithmetic units; slow memory is large and far. \
            On the GPU of the lecture, on-chip SRAM is about 13× faster than HBM but 2000× smaller. \
            On this CPU the L1 and L2 caches play the part of SRAM (M = \(formatBytes(l2)) of L2 per \
            core below) and DRAM (\(formatBytes(SystemInfo.physicalMemory)), \
            \(formatBytes(SystemInfo.availableMemory)) available now) plays the part of HBM. An \
            algorithm whose data does not fit in fast memory runs at the speed of slow memory, \
            unless it is arranged so that each byte brought in is used many times.
            """)
    }

    /// M in the paper's formulas: the L2 cache of one core (1 MiB if the system does not say).
    static var fastMemoryBytes: Int { SystemInfo.dataCacheBytes(level: 2) ?? (1 << 20) }

    // MARK: - 2. Algorithm 0

    /// Algorithm 0: S = Q Kᵀ · scale → memory, P = softmax(S) → memory, O = P V. Counts the bytes
    /// and FLOPs of each step, and runs the kernel once to read its own count.
    static func explainAlgorithmZero(_ settings: Settings, _ context: LessonContext) throws {
        context.section("Algorithm 0: standard attention, and why it is memory-bound")
        let n = min(4096, settings.maxN), d = settings.headDim
        let (nd, nn) = (Double(n * d), Double(n) * Double(n))
        context.say("""
            Algorithm 0 computes attention in three passes, each writing its result to slow memory \
            and the next reading it back: S = Q Kᵀ/√d (N×N), P = softmax(S) (N×N, row by row), \
            O = P V (N×d). Here is what each pass moves and computes for one head at N = \(n), \
            d = \(d) (4-byte floats; the softmax counted as 5 operations per score: max, subtract, \
            exp, add, scale).
            """)
        var table = Table(
            title: "Algorithm 0, pass by pass, N = \(n), d = \(d), one head",
            columns: ["pass", "reads", "writes", "FLOPs", "FLOPs per byte"],
            alignments: [.left, .right, .right, .right, .right])
        let passes: [(String, Double, Double, Double)] = [
            ("1. S = Q Kᵀ · scale", 2 * nd, nn, 2 * nn * Double(d)),
            ("2. P = softmax(S)", nn, nn, 5 * nn),
            ("3. O = P V", nn + nd, nd, 2 * nn * Double(d)),
        ]
        for (name, reads, writes, flops) in passes {
            try table.append([name, formatBytes(Int(4 * reads)), formatBytes(Int(4 * writes)),
                              gigaText(flops), format(flops / (4 * (reads + writes)), 1)])
        }
        try context.show(table, as: "algorithm0")

        // The kernel counts its own traffic; check it against the closed form at a small size.
        let small = min(1024, settings.maxN)
        var generator = context.generator(for: "algorithm0")
        let shape = [1, 1, small, d]
        let q = Tensor.randomNormal(shape, using: &generator), k = Tensor.randomNormal(shape, using: &generator)
        let v = Tensor.randomNormal(shape, using: &generator)
        let standard = try attentionStandard(q: q, k: k, v: v)
        let model = AttentionIOModel.standardBytes(n: small, d: d)
        context.say("""
            The softmax pass does under one operation per byte it moves, while a core can do tens of \
            operations in the time it takes to fetch one byte from DRAM: that pass is memory-bound, \
            and its time is set by the 2·N² floats it reads and writes, not by its arithmetic. The \
            matrix products do about d/2 = \(d / 2) operations per byte and could be compute-bound, \
            but they too must stream the N×N matrices through memory. In all, Algorithm 0 moves \
            Θ(Nd + N²) bytes and needs Θ(N²) extra memory. Run at N = \(small), the kernel counted \
            \(formatBytes(standard.stats.dramBytes)) of traffic (the model says \(formatBytes(model))) \
            and allocated \(formatBytes(standard.stats.extraBytes)) for P.
            """)
    }

    /// "12.9 GFLOP" or "805 MFLOP".
    static func gigaText(_ flops: Double) -> String {
        flops >= 1e9 ? "\(format(flops / 1e9, 1)) GFLOP" : "\(format(flops / 1e6, 0)) MFLOP"
    }
}
