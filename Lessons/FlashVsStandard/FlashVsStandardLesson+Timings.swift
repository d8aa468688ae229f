// Step 5 (and 10): standard vs flash timed over N = 256 … max-n; sizes whose N×N matrices do not
// fit in memory are run for flash only.
// N = sequence length, d = head dim, H = heads (batch 1).

import Figures
import Foundation
import TensorCore

/// What was measured at one sequence length.
struct Measurement {
    let n: Int
    /// Standard attention's forward and forward + backward; nil when its matrices do not fit.
    var standardForward: Timing? = nil, standardTraining: Timing? = nil
    var flashForward: Timing, flashTraining: Timing
    /// Forward times under the other mask (causal when the run is not, and vice versa).
    var standardOtherMask: Timing? = nil, flashOtherMask: Timing
    var standardStats: AttentionStats? = nil, flashStats: AttentionStats
    /// Max |O − O_float64| over the checked rows.
    var standardError: Double? = nil, flashError: Double
    /// Bytes standard attention's forward and backward need for their N×N matrices.
    let standardBytesNeeded: Int

    var speedup: Double? { standardForward.map { $0.median / flashForward.median } }
}

extension FlashVsStandardLesson {
    // MARK: - 5. Timings

    static func measureOverSequenceLengths(_ settings: Settings, _ context: LessonContext) throws -> [Measurement] {
        context.section("Measurements: standard vs flash over N = \(settings.sizes.first!) … \(settings.maxN)")
        context.say("""
            d = \(settings.headDim), H = \(settings.heads), batch 1\(settings.causal ? ", causal mask" : ""), \
            \(Parallel.threadCount) threads, GEMM \(GEMM.currentBackend.rawValue), \
            \(SystemInfo.buildConfiguration) build (kernels \(SystemInfo.kernelFlags)); flash \
            \(FlashBlockSizes.default). Each time is the median of \(settings.repeats) samples after a \
            warm-up (spread: fastest–slowest); a sample lasts at least \(format(settings.minimumSample * 1e3, 0)) ms. \
            Forward + backward runs the forward and then the gradients of Q, K, V. The error is the \
            largest |O − O_float64| over the last \(settings.checkedRows) query rows of every head, \
            against attentionNaive in float64.
            """)
        var measurements: [Measurement] = []
        for n in settings.sizes {
            let measurement = try measure(n: n, settings, context)
            measurements.append(measurement)
            var line = "  N = \(n): "
            if let standard = measurement.standardForward, let speedup = measurement.speedup {
                line += "standard \(milliseconds(standard.median)) ms, flash \(milliseconds(measurement.flashForward.median)) ms "
                line += "(\(format(speedup, 1))×)"
            } else {
                line += "flash \(milliseconds(measurement.flashForward.median)) ms (standard not run)"
            }
            line += ", error \(scientific(Float(measurement.flashError)))"
            context.say(line)
        }
        try showTimings(measurements, settings, context)
        try chartTimings(measurements, settings, context)
        return measurements
    }

    /// Times both kernels at one N on random Q, K, V, dO (seeded by N).
    static func measure(n: Int, _ settings: Settings, _ context: LessonContext) throws -> Measurement {
        let (h, d) = (settings.heads, settings.headDim)
        var generator = context.generator(for: "timings.n\(n)")
        let shape = [1, h, n, d]
        let q = Tensor.randomNormal(shape, using: &generator), k = Tensor.randomNormal(shape, using: &generator)
        let v = Tensor.randomNormal(shape, using: &generator), dO = Tensor.randomNormal(shape, using: &generator)
        let mask = settings.mask, other: AttentionMask = settings.causal ? .none : .causal
        let (repeats, sample) = (n >= 8192 ? min(3, settings.repeats) : settings.repeats, settings.minimumSample)

        let reference = try referenceRows(q: q, k: k, v: v, settings)
        let flash = try attentionFlash(q: q, k: k, v: v, mask: mask)
        let flashForward = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            _ = try attentionFlash(q: q, k: k, v: v, mask: mask)
        }
        let flashTraining = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            let forward = try attentionFlash(q: q, k: k, v: v, mask: mask)
            _ = try attentionFlashBackward(q: q, k: k, v: v, output: forward.output, logsumexp: forward.logsumexp,
                                           dOutput: dO, mask: mask)
        }
        let flashOther = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            _ = try attentionFlash(q: q, k: k, v: v, mask: other)
        }
        let needed = attentionStandardBytes(batch: 1, heads: h, queries: n, keys: n, backward: true)
        var measurement = Measurement(
            n: n, flashForward: flashForward, flashTraining: flashTraining, flashOtherMask: flashOther,
            flashStats: flash.stats, flashError: maxError(flash.output, reference, n: n, settings),
            standardBytesNeeded: needed)

        // 10. Standard attention only where its N×N matrices fit in memory.
        do {
            try SystemInfo.requireMemory(bytes: needed, for: "standard attention's N×N matrices at N = \(n)")
        } catch let error as TensorError {
            context.say("  N = \(n): standard attention not run — \(error.description.replacing("too large: ", with: "")); flash needs only \(formatBytes(flash.stats.extraBytes)) extra.")
            return measurement
        }
        let standard = try attentionStandard(q: q, k: k, v: v, mask: mask)
        measurement.standardStats = standard.stats
        measurement.standardError = maxError(standard.output, reference, n: n, settings)
        measurement.standardForward = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            _ = try attentionStandard(q: q, k: k, v: v, mask: mask)
        }
        measurement.standardTraining = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            let forward = try attentionStandard(q: q, k: k, v: v, mask: mask)
            _ = try attentionStandardBackward(q: q, k: k, v: v, probabilities: forward.probabilities, dOutput: dO)
        }
        measurement.standardOtherMask = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            _ = try attentionStandard(q: q, k: k, v: v, mask: other)
        }
        return measurement
    }

    /// The float64 reference for the last `checkedRows` query rows of every head. Under a causal
    /// mask the last rows of Q with all of K are the last rows of the full problem (query i sees
    /// keys j ≤ i + (M − N)). - Returns: [H, R, d] flattened
    static func referenceRows(q: Tensor, k: Tensor, v: Tensor, _ settings: Settings) throws -> [Double] {
        let n = q.shape[2], rows = min(settings.checkedRows, n)
        let tail = try q.slice(axis: 2, (n - rows)..<n)                                    // [1, H, R, d]
        return try attentionNaive(q: tail, k: k, v: v, mask: settings.mask).output
    }

    /// Max |O − reference| over the checked rows. - Parameter output: [1, H, N, d]
    static func maxError(_ output: Tensor, _ reference: [Double], n: Int, _ settings: Settings) -> Double {
        let (d, rows) = (settings.headDim, min(settings.checkedRows, n))
        let values = output.scalars
        var worst = 0.0
        for head in 0..<settings.heads {
            for r in 0..<rows {
                for c in 0..<d {
                    let actual = Double(values[(head * n + n - rows + r) * d + c])
                    worst = max(worst, abs(actual - reference[(head * rows + r) * d + c]))
                }
            }
        }
        return worst
    }

    /// Forward FLOPs: Q Kᵀ and P V, 2·N²·d each per head; half of them under a causal mask.
    static func forwardFlops(n: Int, _ settings: Settings) -> Double {
        4 * Double(n) * Double(n) * Double(settings.headDim) * Double(settings.heads) * (settings.causal ? 0.5 : 1)
    }

    /// The printed table (with spreads and forward + backward): `timings-detail.csv/.md`.
    static func showTimings(_ measurements: [Measurement], _ settings: Settings, _ context: LessonContext) throws {
        var table = Table(
            title: "Forward and forward + backward, ms: median (fastest–slowest); d = \(settings.headDim), H = \(settings.heads)\(settings.causal ? ", causal" : "")",
            columns: ["N", "standard fwd", "flash fwd", "speedup", "GFLOP/s std", "GFLOP/s flash",
                      "standard fwd+bwd", "flash fwd+bwd", "speedup fwd+bwd", "extra std", "extra flash",
                      "error std", "error flash"])
        for m in measurements {
            let flops = forwardFlops(n: m.n, settings)
            try table.append([
                "\(m.n)", m.standardForward?.millisecondsText ?? "—", m.flashForward.millisecondsText,
                m.speedup.map { format($0, 2) + "×" } ?? "—",
                m.standardForward.map { format(flops / $0.median / 1e9, 1) } ?? "—",
                format(flops / m.flashForward.median / 1e9, 1),
                m.standardTraining?.millisecondsText ?? "—", m.flashTraining.millisecondsText,
                m.standardTraining.map { format($0.median / m.flashTraining.median, 2) + "×" } ?? "—",
                m.standardStats.map { formatBytes($0.extraBytes) } ?? "—", formatBytes(m.flashStats.extraBytes),
                m.standardError.map { scientific(Float($0)) } ?? "—", scientific(Float(m.flashError)),
            ])
        }
        try context.show(table, as: "timings-detail")
    }

    /// `timings.png`: time against N on log–log axes, with `timings.csv` (the columns the course
    /// promises, forward times in ms) beside it.
    static func chartTimings(_ measurements: [Measurement], _ settings: Settings, _ context: LessonContext) throws {
        var csv = Table(columns: ["n", "d", "heads", "causal", "standard_ms", "flash_ms", "speedup",
                                  "standard_gflops", "flash_gflops", "standard_extra_bytes", "flash_extra_bytes",
                                  "standard_dram_bytes", "flash_dram_bytes", "max_abs_error"])
        for m in measurements {
            let flops = forwardFlops(n: m.n, settings)
            try csv.append([
                "\(m.n)", "\(settings.headDim)", "\(settings.heads)", "\(settings.causal)",
                m.standardForward.map { format($0.median * 1e3, 4) } ?? "", format(m.flashForward.median * 1e3, 4),
                m.speedup.map { format($0, 3) } ?? "",
                m.standardForward.map { format(flops / $0.median / 1e9, 2) } ?? "",
                format(flops / m.flashForward.median / 1e9, 2),
                m.standardStats.map { "\($0.extraBytes)" } ?? "", "\(m.flashStats.extraBytes)",
                m.standardStats.map { "\($0.dramBytes)" } ?? "", "\(m.flashStats.dramBytes)",
                String(format: "%.3e", m.flashError),
            ])
        }
        let n = measurements.map { Double($0.n) }
        func series(_ name: String, _ times: [Timing?], style: Series.Style, symbol: Series.Symbol) -> Series {
            Series(name: name, x: n, y: times.map { ($0?.median ?? .nan) * 1e3 }, style: style, symbol: symbol)
        }
        var chart = LineChart(
            title: "Attention time vs sequence length (d = \(settings.headDim), H = \(settings.heads)\(settings.causal ? ", causal" : ""), \(Parallel.threadCount) threads)",
            xLabel: "sequence length N (tokens)", yLabel: "time per call (ms, median)",
            series: [
                series("standard, forward", measurements.map(\.standardForward), style: .solid, symbol: .circle),
                series("flash, forward", measurements.map { $0.flashForward }, style: .solid, symbol: .square),
                series("standard, forward + backward", measurements.map(\.standardTraining), style: .dashed, symbol: .circle),
                series("flash, forward + backward", measurements.map { $0.flashTraining }, style: .dashed, symbol: .square),
            ],
            xScale: .log, yScale: .log)
        // Where S (H·N² floats) outgrows each cache.
        for cache in SystemInfo.caches where cache.kind != "Instruction" && cache.level >= 2 {
            let outgrows = (Double(cache.bytes) / 4 / Double(settings.heads)).squareRoot()
            chart.markers.append(Marker(x: outgrows, label: "S outgrows L\(cache.level) (\(formatBytes(cache.bytes)))"))
        }
        try context.save(chart, as: "timings", data: .table(csv))
    }
}
