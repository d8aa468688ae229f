// Step 8: flash forward time over a grid of tile sizes Br × Bc — the cache effect.
// N = sequence length, d = head dim, H = heads, Br = query rows per block, Bc = key rows per block.

import Figures
import Foundation
import TensorCore

/// The block-size sweep: forward time for each Br × Bc.
struct BlockSweep {
    let n: Int
    let sizes: [Int]
    /// Median seconds, [Br index][Bc index].
    let seconds: [[Double]]

    var best: (blocks: FlashBlockSizes, seconds: Double) {
        var result = (FlashBlockSizes(queryRows: sizes[0], keyRows: sizes[0]), Double.infinity)
        for (r, br) in sizes.enumerated() {
            for (c, bc) in sizes.enumerated() where seconds[r][c] < result.1 {
                result = (FlashBlockSizes(queryRows: br, keyRows: bc), seconds[r][c])
            }
        }
        return result
    }

    func seconds(for blocks: FlashBlockSizes) -> Double? {
        guard let r = sizes.firstIndex(of: blocks.queryRows), let c = sizes.firstIndex(of: blocks.keyRows) else {
            return nil
        }
        return seconds[r][c]
    }
}

extension FlashVsStandardLesson {
    // MARK: - 8. Block sizes

    /// Times the flash forward at `settings.sweepN` for Br, Bc ∈ {32, 64, 128, 256, 512}.
    static func sweepBlockSizes(_ settings: Settings, _ context: LessonContext) throws -> BlockSweep {
        let n = settings.sweepN, (h, d) = (settings.heads, settings.headDim)
        context.section("Block sizes: the cache effect (Br × Bc at N = \(n))")
        let sizes = [32, 64, 128, 256, 512]
        var generator = context.generator(for: "sweep")
        let shape = [1, h, n, d]
        let q = Tensor.randomNormal(shape, using: &generator), k = Tensor.randomNormal(shape, using: &generator)
        let v = Tensor.randomNormal(shape, using: &generator)
        var seconds: [[Double]] = []
        for br in sizes {
            var row: [Double] = []
            for bc in sizes {
                let blocks = FlashBlockSizes(queryRows: br, keyRows: bc)
                let timing = try Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample / 2) {
                    _ = try attentionFlash(q: q, k: k, v: v, mask: settings.mask, blocks: blocks)
                }
                row.append(timing.median)
            }
            seconds.append(row)
            context.say("  Br = \(br): " + zip(sizes, row).map { "Bc \($0) \(milliseconds($1)) ms" }.joined(separator: ", "))
        }
        let sweep = BlockSweep(n: n, sizes: sizes, seconds: seconds)
        let times = seconds.flatMap { $0 }.map { Float($0 * 1e3) }   // [Br, Bc] ms
        let heatmap = Heatmap(
            values: times, rows: sizes.count, columns: sizes.count,
            title: "Flash forward time by tile size, N = \(n), d = \(d), H = \(h)\(settings.causal ? ", causal" : "") (lower is better)",
            xLabel: "Bc: key/value rows per block", yLabel: "Br: query rows per block",
            xTicks: .labels(sizes.map { "\($0)" }), yTicks: .labels(sizes.map { "\($0)" }),
            colorbarLabel: "time (ms, median)", showValues: true, valueFormat: .significant(3))
        try context.save(heatmap, as: "block-sweep", data: .tensor(Tensor(shape: [sizes.count, sizes.count], scalars: times)))

        let (best, bestSeconds) = sweep.best
        let worst = seconds.flatMap { $0 }.max()!
        let chosen = sweep.seconds(for: .default).map { "\(milliseconds($0)) ms, \(format($0 / bestSeconds, 2))× the best" } ?? "not in the grid"
        func workingSet(_ blocks: FlashBlockSizes) -> String {
            // Q and O blocks (Br·d each), K and V blocks (Bc·d each), the Sᵀ tile (Bc·32).
            formatBytes(4 * (2 * blocks.queryRows * d + 2 * blocks.keyRows * d + blocks.keyRows * 32))
        }
        let l2 = SystemInfo.dataCacheBytes(level: 2) ?? (1 << 20)
        let largest = FlashBlockSizes(queryRows: sizes.last!, keyRows: sizes.last!)
        let largestFits = 4 * (4 * sizes.last! * d + 32 * sizes.last!) <= l2
        func average(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) / bestSeconds }
        let smallColumn = average(seconds.map { $0[0] }), smallRow = average(seconds[0])
        context.say("""
            Fastest: \(best) at \(milliseconds(bestSeconds)) ms (working set of one block about \
            \(workingSet(best))); slowest \(milliseconds(worst)) ms, \(format(worst / bestSeconds, 2))× the \
            best. The default, \(FlashBlockSizes.default) (working set \(workingSet(.default))), runs in \
            \(chosen). The Bc = \(sizes[0]) column averages \(format(smallColumn, 2))× the best and the \
            Br = \(sizes[0]) row \(format(smallRow, 2))×: small tiles pay the loop and rescaling overhead \
            once per few keys, and re-read K and V once per \(sizes[0]) queries. \
            \(largestFits
                ? "Even the largest tile, \(largest), has a working set (\(workingSet(largest))) that fits in this core's \(formatBytes(l2)) L2, so large tiles lose little here; on a core with a smaller L2 (or at larger d) they would spill to L3 and slow down."
                : "The largest tiles, up to \(largest) (\(workingSet(largest))), no longer fit in this core's \(formatBytes(l2)) L2 and every reuse of a K or V row goes further down the hierarchy.") \
            With Br = \(sizes.last!) there are only \(max(1, n / sizes.last!) * h) query blocks to share \
            between \(Parallel.threadCount) threads. Neighbouring cells differ by a few per cent from run \
            to run; read the trend, not single cells.
            """)
        return sweep
    }
}
