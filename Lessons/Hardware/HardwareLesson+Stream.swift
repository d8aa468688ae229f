// Step 3: peak memory bandwidth — STREAM copy, scale, add and triad on all threads, over arrays
// four times the size of the last-level cache, so every byte comes from DRAM.
// n = elements per array, T = threads.

import Figures
import Foundation
import TensorCore
import _Support

/// What step 3 measured, in GB/s (STREAM's byte count).
struct Stream {
    let elements: Int
    let rates: [(kernel: StreamKernel, rate: HardwareLesson.Rate)]
    /// Triad on one thread: how much of the bandwidth one core can pull.
    let triadOneThread: HardwareLesson.Rate

    var triad: HardwareLesson.Rate { rates.first { $0.kernel == .triad }!.rate }
}

extension HardwareLesson {
    // MARK: - 3. Peak memory bandwidth

    static func measureStreamBandwidth(_ settings: Settings, _ context: LessonContext) throws -> Stream {
        context.section("Peak memory bandwidth: STREAM")
        let n = settings.streamElements
        let a = ProbeBuffer(count: n), b = ProbeBuffer(count: n), c = ProbeBuffer(count: n)
        b.buffer.update(repeating: 1)
        c.buffer.update(repeating: 2)
        let scalar: Float = 3
        var rates: [(StreamKernel, Rate)] = []
        for kernel in StreamKernel.allCases {
            let timing = Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
                MachineProbes.stream(kernel, a: a, b: b, c: c, scalar: scalar)
            }
            rates.append((kernel, Rate(work: kernel.bytes(elements: n), per: timing)))
        }
        let triadAll = rates.first { $0.0 == .triad }!.1
        let triadOne = settings.threads == 1 ? triadAll : withThreads(1) {
            Rate(work: StreamKernel.triad.bytes(elements: n), per: Stopwatch.time(
                repeats: settings.repeats, minimumSample: settings.minimumSample) {
                MachineProbes.stream(.triad, a: a, b: b, c: c, scalar: scalar)
            })
        }
        let stream = Stream(elements: n, rates: rates, triadOneThread: triadOne)

        var table = Table(
            title: "STREAM, 3 arrays of \(formatBytes(n * 4)) each (\(format(Double(n * 4) / Double(settings.lastLevelCache), 0))× the LLC), GB/s: median (slowest–fastest)",
            columns: ["kernel", "formula", "FLOPs / element", "bytes / element (counted)", "threads", "GB/s", "GB/s incl. write-allocate"],
            alignments: [.left, .left, .right, .right, .right, .right, .right])
        func row(_ kernel: StreamKernel, _ rate: Rate, threads: Int) throws {
            let withAllocate = rate.median * Double(kernel.arraysMoved + 1) / Double(kernel.arraysMoved)
            try table.append([kernel.rawValue, kernel.formula, "\(kernel.flopsPerElement)", "\(4 * kernel.arraysMoved)",
                              "\(threads)", rate.text, significant(withAllocate)])
        }
        for (kernel, rate) in rates { try row(kernel, rate, threads: settings.threads) }
        if settings.threads > 1 { try row(.triad, stream.triadOneThread, threads: 1) }
        try context.show(table, as: "stream")
        context.say("""
            STREAM counts each array once per pass: triad a = b + s·c moves 12 bytes per element. \
            The hardware moves 16: before a core writes a line of a it reads it (write-allocate), \
            hence the last column. With \(settings.threadsText) triad streams \
            \(significant(stream.triad.median)) GB/s\(settings.threads > 1 ? "; one thread alone gets \(significant(stream.triadOneThread.median)) GB/s" : ""). \
            This is the machine's DRAM roof: no \
            operation on data that lives in DRAM can move it faster. The roofline below counts the \
            bytes an operation really moves, so its DRAM roof is triad's \
            \(significant(stream.triad.median * 4 / 3)) GB/s including the write-allocate. Triad does \
            2 FLOPs per 12 bytes; at \(significant(stream.triad.median)) GB/s that is \
            \(significant(stream.triad.median / 6)) GFLOP/s — a small fraction of the FMA peak.
            """)
        return stream
    }
}
