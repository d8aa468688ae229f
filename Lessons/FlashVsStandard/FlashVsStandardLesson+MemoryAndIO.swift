// Steps 6 and 7: extra memory (N² vs N) and the bytes each kernel moves through slow memory,
// beside the paper's Θ(Nd + N²) and Θ(N²d²/M).
// N = sequence length, d = head dim, H = heads, M = fast memory (L2 per core), Br × Bc = tile.

import Figures
import Foundation
import TensorCore

extension FlashVsStandardLesson {
    // MARK: - 6. Extra memory

    /// `memory.png`: extra bytes against N, log–log, with an N² reference through standard's
    /// smallest point and an N reference through flash's largest.
    static func chartExtraMemory(_ measurements: [Measurement], _ settings: Settings, _ context: LessonContext) throws {
        context.section("Extra memory: N² for standard, N for flash")
        let mib = Double(1 << 20)
        let n = measurements.map { Double($0.n) }
        let standard = measurements.map { $0.standardStats.map { Double($0.extraBytes) / mib } ?? .nan }
        let flash = measurements.map { Double($0.flashStats.extraBytes) / mib }
        // H · N² floats, the P matrix of every head. Standard's measurement lies exactly on it, so
        // it is drawn as points only, over the dashed line.
        let square = n.map { Double(settings.heads) * $0 * $0 * 4 / mib }
        let linear = n.map { flash.last! * $0 / n.last! }
        let chart = LineChart(
            title: "Extra memory vs sequence length (d = \(settings.headDim), H = \(settings.heads))",
            xLabel: "sequence length N (tokens)", yLabel: "extra memory beyond Q, K, V, O (MiB)",
            series: [
                Series(name: "N² reference: H·N² floats (slope 2)", x: n, y: square, style: .dashed, color: .gray),
                Series(name: "standard (measured: P), on the N² line", x: n, y: standard, style: .none, symbol: .circle,
                       color: Color.series(0)),
                Series(name: "flash (measured: packed K and tiles)", x: n, y: flash, symbol: .square, color: Color.series(1)),
                Series(name: "N reference: ∝ N through flash's largest (slope 1)", x: n, y: linear, style: .dotted, color: .gray),
            ],
            xScale: .log, yScale: .log)
        var data = Table(columns: ["n", "standard_extra_bytes", "flash_extra_bytes", "n_squared_floats_bytes"])
        for (index, m) in measurements.enumerated() {
            try data.append(["\(m.n)", m.standardStats.map { "\($0.extraBytes)" } ?? "", "\(m.flashStats.extraBytes)",
                             "\(Int(square[index] * mib))"])
        }
        try context.save(chart, as: "memory", data: .table(data))

        let largest = measurements.last!
        let ranBoth = measurements.last { $0.standardStats != nil }
        var text = """
            On log–log axes a power law is a straight line whose slope is its exponent. Standard \
            attention's extra memory lies on the N² line (slope 2: double N, four times the memory) \
            — it is the P matrix, H·N² floats. Flash's grows with slope 1: it keeps K packed in the \
            layout its tiles read (and V too when d is not a multiple of 16) and one set of tiles per \
            thread, never an N×N matrix. At N = \(largest.n) flash \
            needs \(formatBytes(largest.flashStats.extraBytes)) extra
            """
        if let both = ranBoth, let standardStats = both.standardStats {
            text += both.n == largest.n
                ? "; standard needs \(formatBytes(standardStats.extraBytes)), \(format(Double(standardStats.extraBytes) / Double(largest.flashStats.extraBytes), 0))× more."
                : "; standard could not run there (it would need \(formatBytes(largest.standardBytesNeeded)))."
        } else {
            text += "."
        }
        context.say(text)
    }

    // MARK: - 7. IO

    /// Counted DRAM bytes per head beside the paper's orders, and flash's count with blocks that
    /// fill M (`AttentionIOModel.blocks(fittingIn:d:)`): the paper's choice Br, Bc = Θ(M/d).
    static func compareTrafficWithThePaper(_ measurements: [Measurement], _ settings: Settings,
                                           _ context: LessonContext) throws {
        context.section("IO: bytes through slow memory, counted and in the paper's Θ")
        let (d, h, fast) = (settings.headDim, settings.heads, fastMemoryBytes)
        let fitted = AttentionIOModel.blocks(fittingIn: fast, d: d)
        var table = Table(
            title: "Slow-memory traffic per head, d = \(d), M = \(formatBytes(fast)) (L2 per core)",
            columns: ["N", "standard counted", "Θ(Nd + N²)·4 B", "ratio", "flash counted (\(FlashBlockSizes.default))",
                      "flash, blocks fitting M (\(fitted))", "Θ(N²d²/M)·4 B", "ratio", "standard / flash counted"])
        for m in measurements {
            let flashCounted = m.flashStats.dramBytes / h
            let standardCounted = m.standardStats.map { $0.dramBytes / h } ?? AttentionIOModel.standardBytes(n: m.n, d: d)
            let flashFitted = AttentionIOModel.flashBytes(n: m.n, d: d, blocks: fitted)
            let standardOrder = AttentionIOModel.standardOrder(n: m.n, d: d)
            let flashOrder = AttentionIOModel.flashOrder(n: m.n, d: d, fastMemoryBytes: fast)
            try table.append([
                "\(m.n)", formatBytes(standardCounted) + (m.standardStats == nil ? " (model)" : ""),
                formatBytes(Int(standardOrder)), format(Double(standardCounted) / standardOrder, 2),
                formatBytes(flashCounted), formatBytes(flashFitted), formatBytes(Int(flashOrder)),
                format(Double(flashFitted) / flashOrder, 2), format(Double(standardCounted) / Double(flashCounted), 1),
            ])
        }
        try context.show(table, as: "io")
        let crossover = fast / (4 * d)          // N·d floats = M: the inputs no longer fit in fast memory
        context.say("""
            Standard attention's count sits at a constant multiple of Θ(Nd + N²) (the ratio column): \
            S and P go out and come back, 4 N² floats in all. Flash reads Q once and writes O once, \
            but reads K and V once per block of Br queries: 2·N·d·(N/Br) floats, which is Θ(N²d²/M) \
            when Br grows with M/d as in the paper. With blocks that fill M = \(formatBytes(fast)) \
            (\(fitted)) the count follows the Θ(N²d²/M) column at a constant ratio once N·d outgrows M \
            (N > \(crossover) here); below that the whole input fits in fast memory and reading it \
            once, Θ(Nd), is all there is. The kernel's default \(FlashBlockSizes.default) is smaller \
            than M allows — it is tuned for L1 (step 8) — so its count is higher, yet still below \
            standard's. The count is the paper's accounting, as if K and V came from DRAM every time; \
            on this CPU they stay in the \(formatBytes(SystemInfo.dataCacheBytes(level: 3) ?? 0)) L3 \
            up to large N, so flash's real DRAM traffic is closer to reading its inputs once.
            """)
    }
}
