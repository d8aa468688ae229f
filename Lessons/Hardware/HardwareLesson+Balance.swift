// Step 4: machine balance — how many FLOPs a machine can do per byte it fetches — for this machine,
// from the measured peaks, beside the lecture's A100.
// I = arithmetic intensity (FLOPs per byte), B = bandwidth (bytes/s), P = peak (FLOP/s).

import Figures
import Foundation
import TensorCore
import _Support

/// This machine's measured roofs: the peaks of step 2 and the bandwidths of steps 1 and 3.
struct MachineRoofs {
    /// GFLOP/s on all threads.
    let fmaPeak: Double, gemmPeak: Double
    /// GB/s on all threads: DRAM, and reads from each cache level (step 1), with the bytes of
    /// that level in all the cores used (a shared last level counted once, and no larger than
    /// the working set where its latency already approaches DRAM's).
    let dram: Double
    let cacheBandwidth: [(level: Int, bytes: Int, gbs: Double)]
    let threads: Int

    /// The DRAM roof is the STREAM triad's bandwidth over the bytes it really moves, 16 per
    /// element with the write-allocate read (STREAM counts 12): an in-place pass such as
    /// masking moves exactly the 8 bytes per element it is credited with, and reaches that.
    init(hierarchy: Hierarchy, compute: Compute, stream: Stream, threads: Int) {
        fmaPeak = compute.fmaAllThreads.median
        gemmPeak = compute.gemmPeak.rate.median
        dram = stream.triad.median * Double(StreamKernel.triad.arraysMoved + 1) / Double(StreamKernel.triad.arraysMoved)
        let caches = SystemInfo.caches.filter { $0.kind != "Instruction" }
        let edge = hierarchy.effectiveLastLevel ?? Int.max
        cacheBandwidth = caches.compactMap { cache in
            let bytes = cache.sharedByCores > 1 ? min(cache.bytes, edge) : cache.bytes * threads
            return hierarchy.bandwidth(level: cache.level).map { (cache.level, bytes, $0) }
        }
        self.threads = threads
    }

    /// The bandwidth an operation touching `footprint` bytes can get: the fastest level that
    /// holds it, else DRAM.
    func memoryRoof(footprint: Double) -> (name: String, gbs: Double) {
        for cache in cacheBandwidth.sorted(by: { $0.bytes < $1.bytes }) where footprint <= Double(cache.bytes) {
            return ("L\(cache.level)", cache.gbs)
        }
        return ("DRAM", dram)
    }

    /// The roofline: min(P, B · I) in GFLOP/s, with the FMA peak as P.
    func attainable(intensity: Double, footprint: Double) -> Double {
        min(fmaPeak, memoryRoof(footprint: footprint).gbs * intensity)
    }
}

extension HardwareLesson {
    // MARK: - 4. Machine balance

    /// The lecture's A100 (as in the FlashAttention paper, figure 1): 40–80 GB of HBM at
    /// 1.5–2.0 TB/s, 192 KB of SRAM in each of 108 SMs at about 19 TB/s in all, 312 TFLOP/s of
    /// bf16 on the tensor cores and 19.5 TFLOP/s of fp32 without them.
    enum A100 {
        static let bf16TensorCore = 312_000.0, fp32 = 19_500.0            // GFLOP/s
        static let hbmLow = 1_500.0, hbmHigh = 2_000.0, sram = 19_000.0   // GB/s
    }

    static func compareMachineBalance(_ machine: MachineRoofs, _ settings: Settings, _ context: LessonContext) throws {
        context.section("Machine balance: FLOPs per byte, this machine beside the A100")
        context.say("""
            A machine that does P FLOPs per second and fetches B bytes per second is balanced at \
            P/B FLOPs per byte. An operation that does fewer FLOPs per byte it moves (its \
            arithmetic intensity I) than that waits for memory: it is memory-bound, and runs at \
            B · I. One that does more is compute-bound, and runs at P.
            """)
        var table = Table(
            title: "Machine balance = peak compute / bandwidth",
            columns: ["machine", "compute", "GFLOP/s", "memory", "capacity", "GB/s", "balance (FLOP/byte)"],
            alignments: [.left, .left, .right, .left, .right, .right, .right])
        let here = "this machine (\(settings.threadsText))"
        let dramSize = formatBytes(SystemInfo.physicalMemory)
        let dram = "DRAM, triad (bytes moved)"
        try table.append([here, "FMA loop (measured)", significant(machine.fmaPeak), dram, dramSize,
                          significant(machine.dram), significant(machine.fmaPeak / machine.dram)])
        try table.append([here, "SGEMM (measured)", significant(machine.gemmPeak), dram, dramSize,
                          significant(machine.dram), significant(machine.gemmPeak / machine.dram)])
        for cache in machine.cacheBandwidth where cache.level >= 2 {
            try table.append([here, "FMA loop (measured)", significant(machine.fmaPeak), "L\(cache.level), reads",
                              formatBytes(cache.bytes), significant(cache.gbs), significant(machine.fmaPeak / cache.gbs)])
        }
        let lecture = "A100 (lecture)"
        try table.append([lecture, "bf16 tensor cores", significant(A100.bf16TensorCore), "HBM", "40 GB", significant(A100.hbmLow),
                          significant(A100.bf16TensorCore / A100.hbmLow)])
        try table.append([lecture, "bf16 tensor cores", significant(A100.bf16TensorCore), "HBM", "80 GB", significant(A100.hbmHigh),
                          significant(A100.bf16TensorCore / A100.hbmHigh)])
        try table.append([lecture, "fp32 (no tensor cores)", significant(A100.fp32), "HBM", "40 GB", significant(A100.hbmLow),
                          significant(A100.fp32 / A100.hbmLow)])
        try table.append([lecture, "bf16 tensor cores", significant(A100.bf16TensorCore), "SRAM (108 SMs × 192 KB)",
                          "20 MB", significant(A100.sram), significant(A100.bf16TensorCore / A100.sram)])
        try context.show(table, as: "balance")
        let ours = machine.fmaPeak / machine.dram, theirs = A100.bf16TensorCore / A100.hbmLow
        let softmax = OperationCost.softmax(rows: 1, columns: 1024).intensity
        var text = """
            This machine does \(significant(ours)) FLOPs in the time it fetches one byte from DRAM; \
            the A100 does \(significant(theirs)) with its tensor cores (\(significant(A100.fp32 / A100.hbmLow)) \
            in plain fp32). A softmax does \(significant(softmax)) FLOPs per byte, \
            \(format(ours / softmax, 0))× too few to keep this machine's cores busy from DRAM and \
            \(format(theirs / softmax, 0))× too few for the A100's tensor cores.
            """
        text += theirs > ours
            ? """
               The GPU is the more lopsided machine, \(format(theirs / ours, 1))× this one's balance: \
              its FLOPs have outgrown its bandwidth even more, which is why the lecture's GPU cares \
              so much about memory traffic.
              """
            : " This machine is the more lopsided one, \(format(ours / theirs, 1))× the A100's balance."
        context.say(text)
    }
}
