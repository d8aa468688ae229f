// Steps 9 and 10: causal vs full attention (flash skips the blocks above the diagonal), and the
// conclusion, computed from what was measured.
// N = sequence length, d = head dim, H = heads.

import Figures
import Foundation
import TensorCore

extension FlashVsStandardLesson {
    // MARK: - 9. Causal masking

    /// Forward times with and without the causal mask, for both kernels: flash skips whole key
    /// blocks above the diagonal (about half the work), standard computes S in full and masks it.
    static func compareCausalWithFull(_ measurements: [Measurement], _ settings: Settings,
                                      _ context: LessonContext) throws {
        context.section("Causal masking: flash skips the blocks above the diagonal")
        // The idea on a toy: N = 8 in tiles of Br = Bc = 4 (the kernel's tiles are larger).
        let (n, block) = (walkthroughN, walkthroughBlock)
        let schedule = tileSchedule(n: n, br: block, bc: block, causal: true)
        let labels = (0..<n).map { "k\($0)" }
        let tiles = Heatmap(values: schedule, rows: n, columns: n,
                            title: "Causal tiles on a toy N = 8, Br = Bc = 4: the step at which each score is computed",
                            xLabel: "key (block 1 | block 2)", yLabel: "query (block 1 | block 2)",
                            xTicks: .labels(labels), yTicks: .labels((0..<n).map { "q\($0)" }), range: 0...2,
                            colorbarLabel: "key step (0 = computed, then masked; grey = skipped)", showValues: false)
        try context.save(tiles, as: "causal-tiles", data: .tensor(Tensor(shape: [n, n], scalars: schedule)))
        var table = Table(
            title: "Forward time, ms (median), full vs causal mask; d = \(settings.headDim), H = \(settings.heads)",
            columns: ["N", "flash full", "flash causal", "flash full / causal", "standard full", "standard causal",
                      "standard full / causal"])
        for m in measurements {
            let (flashFull, flashCausal) = settings.causal ? (m.flashOtherMask, m.flashForward) : (m.flashForward, m.flashOtherMask)
            let standardFull = settings.causal ? m.standardOtherMask : m.standardForward
            let standardCausal = settings.causal ? m.standardForward : m.standardOtherMask
            var row = ["\(m.n)", milliseconds(flashFull.median), milliseconds(flashCausal.median),
                       format(flashFull.median / flashCausal.median, 2) + "×"]
            if let full = standardFull, let causal = standardCausal {
                row += [milliseconds(full.median), milliseconds(causal.median), format(full.median / causal.median, 2) + "×"]
            } else {
                row += ["—", "—", "—"]
            }
            try table.append(row)
        }
        try context.show(table, as: "causal")
        let last = measurements.last!
        let ratio = settings.causal ? last.flashOtherMask.median / last.flashForward.median
                                    : last.flashForward.median / last.flashOtherMask.median
        let blocks = (last.n + FlashBlockSizes.default.queryRows - 1) / FlashBlockSizes.default.queryRows
        context.say("""
            Under a causal mask query i sees keys j ≤ i: half the scores, plus the diagonal. Flash \
            skips every key block wholly above the diagonal and masks only the blocks that cross it. \
            causal-tiles.png shows it on a toy N = 8 with Br = Bc = 4: the query block q0…q3 needs \
            only key block 1, the grey tile is never computed, and the dark cells inside the \
            diagonal tiles are computed and then masked. So flash's work falls towards one half as \
            N grows (the diagonal blocks are a fraction ~Br/N of the rest): at N = \(last.n), with \
            \(blocks) query blocks, causal is \
            \(format(ratio, 2))× faster than full. Standard attention computes the whole S and P \
            and only then sets the masked half to −∞ (probability 0): it gains nothing.
            """)
    }

    // MARK: - 10. Conclusion

    /// The lecture's four claims — fast, memory-efficient, exact, IO-aware — with this run's numbers,
    /// printed and saved as `conclusion.md`.
    static func concludeFromMeasurements(_ measurements: [Measurement], sweep: BlockSweep, _ settings: Settings,
                                         _ context: LessonContext) throws {
        context.section("Conclusion")
        let both = measurements.filter { $0.speedup != nil }
        var lines: [String] = []
        if let slowest = both.min(by: { $0.speedup! < $1.speedup! }), let fastest = both.max(by: { $0.speedup! < $1.speedup! }) {
            let training = both.compactMap { m in m.standardTraining.map { $0.median / m.flashTraining.median } }
            lines.append("""
                Fast: flash's forward is \(format(slowest.speedup!, 2))× (N = \(slowest.n)) to \
                \(format(fastest.speedup!, 2))× (N = \(fastest.n)) the speed of standard attention on \
                this machine, and forward + backward \(format(training.min()!, 2))× to \
                \(format(training.max()!, 2))×; the gap opens as S outgrows the caches.
                """)
            let top = both.last!
            lines.append("""
                Memory-efficient: at N = \(top.n) standard attention needs \
                \(formatBytes(top.standardStats!.extraBytes)) extra, flash \
                \(formatBytes(top.flashStats.extraBytes)): \
                \(format(Double(top.standardStats!.extraBytes) / Double(top.flashStats.extraBytes), 0))× less, \
                and the ratio doubles with every doubling of N.
                """)
        } else {
            lines.append("Standard attention ran at no size; flash ran them all.")
        }
        let skipped = measurements.filter { $0.standardForward == nil }
        if let first = skipped.first {
            lines.append("""
                From N = \(first.n) standard attention would need \(formatBytes(first.standardBytesNeeded)), \
                more than this machine can spare; flash ran up to N = \(measurements.last!.n).
                """)
        }
        let flashError = measurements.map(\.flashError).max()!
        let standardError = measurements.compactMap(\.standardError).max()
        lines.append("""
            Exact: the largest error of flash against float64 was \(scientific(Float(flashError)))\
            \(standardError.map { ", of standard \(scientific(Float($0)))" } ?? "") — both float32 \
            rounding; the online softmax reorders the sums, it does not approximate them.
            """)
        let last = measurements.last!
        lines.append("""
            IO-aware: at N = \(last.n) flash's tiles cut the counted slow-memory traffic \
            from \(formatBytes(last.standardStats?.dramBytes ?? settings.heads * AttentionIOModel.standardBytes(n: last.n, d: settings.headDim))) \
            to \(formatBytes(last.flashStats.dramBytes)), and the best tile here was \(sweep.best.blocks).
            """)
        for line in lines { context.say("• " + line) }
        try context.write(markdown: "# Conclusion of this run\n\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n",
                          as: "conclusion")
    }
}
