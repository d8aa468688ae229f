// Step 6: where standard attention spends its time — QKᵀ, scale + mask, softmax, dropout, PV run as
// the separate passes the lecture draws, each timed inside real runs, beside each one's FLOPs.
// N = sequence length, d = head dim; one head, causal mask, dropout p = 0.1.

import Figures
import Foundation
import TensorCore
import _Support

/// Seconds per pass of standard attention at one N.
struct StageTimings {
    let n: Int
    let timings: [AttentionStage: Timing]

    var total: Double { AttentionStage.allCases.reduce(0) { $0 + timings[$1]!.median } }
}

/// What step 6 measured, N = 512 … max-n.
struct AttentionBreakdown {
    let sizes: [Int]
    let timings: [StageTimings]
    let headDim: Int
    /// The elementwise passes' share of the time by the roofline model, one per N: with this
    /// machine's roofs, and with the A100's (bf16).
    var modelHere: [Double] = [], modelA100: [Double] = []

    /// Share of the time (median) in the elementwise passes at each N.
    func elementwiseTimeShare(_ t: StageTimings) -> Double {
        AttentionStage.allCases.filter { !$0.isMatrixProduct }.reduce(0) { $0 + t.timings[$1]!.median } / t.total
    }

    /// Share of the FLOPs in the elementwise passes at N.
    func elementwiseFlopShare(n: Int) -> Double {
        let costs = AttentionStage.allCases.map { ($0, $0.cost(queries: n, keys: n, headDim: headDim).flops) }
        return costs.filter { !$0.0.isMatrixProduct }.reduce(0) { $0 + $1.1 } / costs.reduce(0) { $0 + $1.1 }
    }

    /// The elementwise passes' share of the time that the roofline model predicts at N: each pass
    /// takes max(FLOPs / P, bytes / B), its bytes scaled to `bytesPerElement` (4 for float32,
    /// 2 for bf16). The matrix products run at `peak`, the elementwise passes at
    /// `elementwisePeak` (on a GPU, tensor cores only multiply matrices).
    /// - Parameters: peaks P in FLOP/s, bandwidth B in bytes/s.
    func modelElementwiseShare(n: Int, peak: Double, elementwisePeak: Double, bandwidth: Double,
                               bytesPerElement: Double) -> Double {
        let times = AttentionStage.allCases.map { stage -> (AttentionStage, Double) in
            let cost = stage.cost(queries: n, keys: n, headDim: headDim)
            let rate = stage.isMatrixProduct ? peak : elementwisePeak
            return (stage, max(cost.flops / rate, cost.bytes * bytesPerElement / 4 / bandwidth))
        }
        return times.filter { !$0.0.isMatrixProduct }.reduce(0) { $0 + $1.1 } / times.reduce(0) { $0 + $1.1 }
    }
}

extension HardwareLesson {
    // MARK: - 6. Where standard attention spends its time

    /// Runs the five passes of `StagedAttention` again and again, timing each one: a warm-up of at
    /// least one run and `minimumSample` seconds, then `repeats` samples, each the mean of enough
    /// runs to last `minimumSample` seconds. Every pass in a run starts from what the one before
    /// left, as in a real forward pass.
    static func timeStages(n: Int, _ settings: Settings, _ context: LessonContext) throws -> StageTimings {
        var generator = context.generator(for: "attention.n\(n)")
        let d = settings.headDim
        let q = Tensor.randomNormal([n, d], using: &generator), k = Tensor.randomNormal([n, d], using: &generator)
        let v = Tensor.randomNormal([n, d], using: &generator)
        let staged = try StagedAttention(q: q, k: k, v: v, causal: true, dropout: settings.dropout, seed: context.seed &+ UInt64(n))
        let stages = AttentionStage.allCases
        var start = Stopwatch.now(), runs = 0
        repeat {
            for stage in stages { staged.run(stage) }
            runs += 1
        } while Stopwatch.now() - start < settings.minimumSample
        let perRun = (Stopwatch.now() - start) / Double(runs)
        let runsPerSample = max(1, Int((settings.minimumSample / perRun).rounded(.up)))
        var samples = [AttentionStage: [Double]]()
        for _ in 0..<settings.repeats {
            var sums = [AttentionStage: Double]()
            for _ in 0..<runsPerSample {
                for stage in stages {
                    start = Stopwatch.now()
                    staged.run(stage)
                    sums[stage, default: 0] += Stopwatch.now() - start
                }
            }
            for stage in stages { samples[stage, default: []].append(sums[stage]! / Double(runsPerSample)) }
        }
        return StageTimings(n: n, timings: samples.mapValues { Timing(samples: $0) })
    }

    static func breakDownAttentionTime(_ measured: [Int: StageTimings], _ machine: MachineRoofs, _ settings: Settings,
                                       _ context: LessonContext) throws -> AttentionBreakdown {
        context.section("Where standard attention spends its time")
        context.say("""
            The lecture: in standard attention, "masking, softmax and dropout take the bulk of the \
            time, matrix multiplication the bulk of the FLOPs". Here are the five passes of one \
            head (d = \(settings.headDim), causal mask, dropout p = \(format(settings.dropout, 1))), each run \
            over memory as PyTorch's eager attention runs them: S = QKᵀ; S ← S/√d with −∞ above the \
            diagonal; P = softmax(S); P ← dropout(P); O = PV. Each pass is timed inside real runs \
            of all five.
            """)
        let d = settings.headDim
        var all: [StageTimings] = []
        for n in settings.attentionSizes {
            all.append(try measured[n] ?? timeStages(n: n, settings, context))
        }
        var breakdown = AttentionBreakdown(sizes: settings.attentionSizes, timings: all, headDim: d)

        var table = Table(
            title: "Standard attention pass by pass, one head, d = \(d): time median (fastest–slowest) and share, FLOPs and share",
            columns: ["N", "pass", "time (ms)", "share of time", "FLOPs", "share of FLOPs", "GFLOP/s", "GB/s (bytes it must move)"],
            alignments: [.right, .left, .right, .right, .right, .right, .right, .right])
        for t in all {
            let costs = AttentionStage.allCases.map { $0.cost(queries: t.n, keys: t.n, headDim: d) }
            let totalFlops = costs.reduce(0) { $0 + $1.flops }
            for (stage, cost) in zip(AttentionStage.allCases, costs) {
                let timing = t.timings[stage]!
                try table.append([
                    "\(t.n)", stage.rawValue, timing.millisecondsText, format(100 * timing.median / t.total, 1) + "%",
                    scientific(Float(cost.flops)), format(100 * cost.flops / totalFlops, 1) + "%",
                    significant(cost.flops / timing.median / 1e9), significant(cost.bytes / timing.median / 1e9),
                ])
            }
        }
        try context.show(table, as: "attention-stages", printedRows: 40)
        try chartAttentionTime(breakdown, context)
        try compareWithTheModel(&breakdown, machine, context)
        return breakdown
    }

    /// `attention-model.csv/.md`: the measured share of the elementwise passes beside what the
    /// roofline model predicts with this machine's roofs and with the A100's.
    static func compareWithTheModel(_ breakdown: inout AttentionBreakdown, _ machine: MachineRoofs,
                                    _ context: LessonContext) throws {
        var table = Table(
            title: "Scale + mask, softmax and dropout: share of the time, measured and by the roofline model (each pass takes max(FLOPs/P, bytes/B); P = SGEMM peak here)",
            columns: ["N", "share of FLOPs", "time, measured here", "model, this machine",
                      "model, A100 bf16 (products 312 TFLOP/s, the rest 19.5 fp32; 1.5 TB/s)"],
            alignments: [.right, .right, .right, .right, .right])
        for t in breakdown.timings {
            let here = machine.memoryRoof(footprint: Double(t.n * t.n * 4))
            let modelHere = breakdown.modelElementwiseShare(n: t.n, peak: machine.gemmPeak * 1e9,
                                                            elementwisePeak: machine.gemmPeak * 1e9,
                                                            bandwidth: here.gbs * 1e9, bytesPerElement: 4)
            let modelA100 = breakdown.modelElementwiseShare(n: t.n, peak: A100.bf16TensorCore * 1e9,
                                                            elementwisePeak: A100.fp32 * 1e9,
                                                            bandwidth: A100.hbmLow * 1e9, bytesPerElement: 2)
            breakdown.modelHere.append(modelHere)
            breakdown.modelA100.append(modelA100)
            try table.append([
                "\(t.n)", format(100 * breakdown.elementwiseFlopShare(n: t.n), 1) + "%",
                format(100 * breakdown.elementwiseTimeShare(t), 0) + "%",
                format(100 * modelHere, 0) + "% (memory: \(here.name))", format(100 * modelA100, 0) + "%",
            ])
        }
        try context.show(table, as: "attention-model")
        let measured = breakdown.timings.map { breakdown.elementwiseTimeShare($0) }
        // The FLOPs of one product (2·N²·d) at the peak, over one trip of the N×N matrix through
        // memory (4·N² bytes here, 2·N² in bf16 on the A100): d·B/(2P) here, d·B/P there.
        let d = Double(breakdown.headDim)
        let tripsHere = d * machine.dram / (2 * machine.gemmPeak), tripsA100 = d * A100.hbmLow / A100.bf16TensorCore
        // The elementwise passes' FLOPs per byte in bf16 (half the float32 bytes), the largest of
        // them; and softmax's with each exp counted as 8 FLOPs instead of 1 (an A100 SM issues 16
        // exps per clock against 64 fp32 FMAs, 128 FLOPs).
        let n = breakdown.sizes.last ?? 1024
        let elementwiseIntensity = AttentionStage.allCases.filter { !$0.isMatrixProduct }.map { stage in
            let cost = stage.cost(queries: n, keys: n, headDim: breakdown.headDim)
            return cost.flops / (cost.bytes / 2)
        }.max() ?? 0
        let softmax = AttentionStage.softmax.cost(queries: n, keys: n, headDim: breakdown.headDim)
        let softmaxWithSlowExp = (softmax.flops + 7 * Double(n) * Double(n)) / (softmax.bytes / 2)
        context.say("""
            The roofline model — every pass takes the longer of its FLOPs over the peak and its \
            bytes over the bandwidth — gives the elementwise passes \(percentRange(breakdown.modelA100)) \
            of the time on the A100. The N×N matrix crosses memory eight times (written by QKᵀ, \
            read and written by each elementwise pass, read by PV), and six of the crossings \
            belong to the elementwise passes; on the A100 the FLOPs of one product (2·N²·d) take \
            \(significant(tripsA100)) of the time of one crossing. With this machine's roofs \
            (\(significant(machine.gemmPeak / machine.dram)) FLOPs of SGEMM per byte of DRAM, not \
            \(significant(A100.bf16TensorCore / A100.hbmLow))) they take as long as \(significant(tripsHere)) \
            crossings of DRAM, and the model gives \(percentRange(breakdown.modelHere)); measured: \
            \(percentRange(measured)).

            The A100's share is a lower bound. Tensor cores only multiply matrices, so the model \
            prices the elementwise passes' FLOPs at the 19.5 TFLOP/s of the A100's fp32 units and \
            counts an exp as one FLOP, while softmax's exponentials run on the special-function \
            units at a quarter of the fp32 FMA rate. It makes no difference here: at 19.5 TFLOP/s \
            over 1.5 TB/s an operation must do \(significant(A100.fp32 / A100.hbmLow)) FLOPs per byte \
            to stop waiting for memory; the elementwise passes do at most \
            \(significant(elementwiseIntensity)) (bf16), and softmax \(significant(softmaxWithSlowExp)) \
            even with each exp counted as 8 FLOPs. Their bytes, not their arithmetic, set their time; \
            if anything, their share on a real A100 is higher.
            """)
    }

    /// "12–19%", or "26%" when all are the same to the percent.
    static func percentRange(_ values: [Double]) -> String {
        let low = format(100 * (values.min() ?? .nan), 0), high = format(100 * (values.max() ?? .nan), 0)
        return low == high ? "\(low)%" : "\(low)–\(high)%"
    }

    /// `attention-time.png`: the passes' times stacked per N, with `attention-time.npy`
    /// ([sizes, 5] ms, passes in order QKᵀ, scale + mask, softmax, dropout, PV); and
    /// `attention-shares.png`: each pass's share of the time beside its share of the FLOPs, with
    /// `attention-shares.npy` ([2·sizes, 5] percent: time share, then FLOP share, for each N).
    static func chartAttentionTime(_ breakdown: AttentionBreakdown, _ context: LessonContext) throws {
        let stages = AttentionStage.allCases
        let milliseconds = breakdown.timings.flatMap { t in stages.map { Float(t.timings[$0]!.median * 1e3) } }
        let timeData = try Tensor(shape: [breakdown.sizes.count, stages.count], scalars: milliseconds)
        var shares: [Float] = []
        for t in breakdown.timings {
            shares += stages.map { Float(100 * t.timings[$0]!.median / t.total) }
            let flops = stages.map { $0.cost(queries: t.n, keys: t.n, headDim: breakdown.headDim).flops }
            let total = flops.reduce(0, +)
            shares += flops.map { Float(100 * $0 / total) }
        }
        let shareData = try Tensor(shape: [2 * breakdown.sizes.count, stages.count], scalars: shares)
        let colors = stageColors

        let time = BarChart(
            title: "Standard attention, one head (d = \(breakdown.headDim), causal, dropout): time per pass",
            xLabel: "sequence length N", yLabel: "time per forward (ms, median)",
            categories: breakdown.sizes.map { "N = \($0)" },
            groups: stages.enumerated().map { s, stage in
                BarChart.Group(name: stage.rawValue, values: breakdown.timings.map { $0.timings[stage]!.median * 1e3 },
                               color: colors[s])
            },
            mode: .stacked, showTotals: true, legend: .outside)
        try context.save(time, as: "attention-time", data: .tensor(timeData))

        let shareChart = BarChart(
            title: "Where the time goes vs where the FLOPs are: share of each pass",
            xLabel: "sequence length N: share of the time, share of the FLOPs", yLabel: "share (%)",
            categories: breakdown.sizes.flatMap { ["\($0) time", "\($0) FLOPs"] },
            groups: stages.enumerated().map { s, stage in
                BarChart.Group(name: stage.rawValue,
                               values: (0..<(2 * breakdown.sizes.count)).map { Double(shareData[$0, s]) }, color: colors[s])
            },
            mode: .stacked, yRange: 0...100, legend: .outside)
        try context.save(shareChart, as: "attention-shares", data: .tensor(shareData))
    }

    /// Matrix products in blues, the elementwise passes in warm colours.
    static let stageColors: [Color] = [
        Color(hex: 0x0072B2), Color(hex: 0xE69F00), Color(hex: 0xD55E00), Color(hex: 0xCC79A7), Color(hex: 0x56B4E9),
    ]
}
