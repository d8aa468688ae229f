// Step 5: the roofline — every operation of a transformer layer placed by its arithmetic intensity
// (FLOPs per byte it must move) against the GFLOP/s it reached, under this machine's roofs.
// I = intensity, n = GEMM size, N = sequence length, d = head dim; one head, batch 1.

import Figures
import Foundation
import TensorCore
import _Support

/// An operation the roofline places; the raw value is its name in roofline.csv.
enum RooflineOperation: String {
    case gemm, masking, softmax, dropout
    case layerNorm = "layer_norm", gelu
    case attentionStandard = "attention_standard", attentionFlash = "attention_flash"

    /// The name in figures and tables: "layer norm", "attention flash".
    var label: String { rawValue.replacing("_", with: " ") }
}

/// One measured operation on the roofline.
struct RooflinePoint {
    let op: RooflineOperation
    /// n for GEMM, N for the rest.
    let size: Int
    let cost: OperationCost
    /// Bytes the operation touches, to pick the memory level it runs from.
    let footprint: Double
    let timing: Timing

    var gflops: Double { cost.flops / timing.median / 1e9 }
    var label: String { "\(op.label) \(size)" }
}

/// What step 5 measured; the stage timings are reused by step 6.
struct Roofline {
    let points: [RooflinePoint]
    let stages: [Int: StageTimings]
}

extension HardwareLesson {
    // MARK: - 5. The roofline

    static func drawRoofline(_ machine: MachineRoofs, _ compute: Compute, _ settings: Settings,
                             _ context: LessonContext) throws -> Roofline {
        context.section("The roofline of this machine")
        context.say("""
            Each operation is a point: x = its arithmetic intensity I (the FLOPs it must do over the \
            bytes it must move, from the closed forms in OperationCost.swift), y = the GFLOP/s it \
            reached here. No point can rise above min(P, B · I): the flat roof P is the FMA peak, \
            the slanted roof B · I is what memory can feed. Left of the ridge I = P/B an operation \
            is memory-bound; right of it, compute-bound. The elementwise operations run on an N×N \
            float matrix — the score matrix that standard attention materialises — at \
            N = \(settings.rooflineSizes.map(String.init).joined(separator: " and ")) (masking, softmax \
            and dropout timed as the passes of step 6, inside runs of causal attention); the \
            attention kernels at the same N with d = \(settings.headDim), one head, no mask.
            """)
        var points: [RooflinePoint] = []
        points += try measureGEMMs(compute, settings, context)
        var stages: [Int: StageTimings] = [:]
        for n in settings.rooflineSizes {
            let timings = try timeStages(n: n, settings, context)
            stages[n] = timings
            points += try measureOperations(n: n, stages: timings, settings, context)
        }
        try showRoofline(points, machine, context)
        try chartRoofline(points, machine, settings, context)
        return Roofline(points: points, stages: stages)
    }

    /// GEMM at every size, with the default backend on all threads (the peak size is step 2's run).
    static func measureGEMMs(_ compute: Compute, _ settings: Settings, _ context: LessonContext) throws -> [RooflinePoint] {
        var generator = context.generator(for: "roofline.gemm")
        var points: [RooflinePoint] = []
        let backend = GEMM.currentBackend
        for n in settings.gemmSizes {
            let cost = OperationCost.gemm(m: n, n: n, k: n)
            let timing: Timing
            if let run = compute.gemm.first(where: { $0.size == n && $0.backend == backend && $0.threads == settings.threads }) {
                timing = run.timing
            } else {
                let a = Tensor.randomNormal([n, n], using: &generator), b = Tensor.randomNormal([n, n], using: &generator)
                var c = Tensor.zeros([n, n])
                timing = Stopwatch.time(repeats: settings.repeats, minimumSample: settings.minimumSample) {
                    multiply(a, b, into: &c, n: n, backend: backend)
                }
            }
            points.append(RooflinePoint(op: .gemm, size: n, cost: cost, footprint: 3 * Double(n * n * 4), timing: timing))
        }
        return points
    }

    /// Masking, softmax and dropout (the attention stages), layer norm and GELU (TensorCore's
    /// `Tensor.layerNorm` and `Tensor.gelu`) on an N×N matrix; standard and flash attention at N.
    static func measureOperations(n: Int, stages: StageTimings, _ settings: Settings,
                                  _ context: LessonContext) throws -> [RooflinePoint] {
        let d = settings.headDim, matrix = Double(n * n * 4)
        var points: [RooflinePoint] = []
        for (op, stage) in [(RooflineOperation.masking, AttentionStage.scaleAndMask), (.softmax, .softmax), (.dropout, .dropout)] {
            points.append(RooflinePoint(op: op, size: n, cost: stage.cost(queries: n, keys: n, headDim: d),
                                        footprint: matrix, timing: stages.timings[stage]!))
        }
        var generator = context.generator(for: "roofline.n\(n)")
        let x = Tensor.randomNormal([n, n], using: &generator)
        let gamma = Tensor.randomNormal([n], using: &generator), beta = Tensor.randomNormal([n], using: &generator)
        let (repeats, sample) = (settings.repeats, settings.minimumSample)
        // NOTE: both write into one preallocated matrix: a fresh 64 MiB result per call would time
        // the kernel zeroing new pages (page faults), not the operation.
        var output = Tensor.zeros([n, n])
        let layerNorm = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            try x.layerNorm(gamma: gamma, beta: beta, into: &output)
        }
        points.append(RooflinePoint(op: .layerNorm, size: n, cost: .layerNorm(rows: n, width: n),
                                    footprint: 2 * matrix, timing: layerNorm))
        let gelu = try Stopwatch.time(repeats: repeats, minimumSample: sample) { try x.gelu(into: &output) }
        points.append(RooflinePoint(op: .gelu, size: n, cost: .gelu(count: n * n), footprint: 2 * matrix, timing: gelu))

        let shape = [1, 1, n, d]
        let q = Tensor.randomNormal(shape, using: &generator), k = Tensor.randomNormal(shape, using: &generator)
        let v = Tensor.randomNormal(shape, using: &generator)
        let inputs = Double(4 * n * d * 4)   // Q, K, V, O
        let standard = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            _ = try attentionStandard(q: q, k: k, v: v)
        }
        points.append(RooflinePoint(op: .attentionStandard, size: n, cost: .attentionStandard(n: n, d: d),
                                    footprint: matrix + inputs, timing: standard))
        let flash = try Stopwatch.time(repeats: repeats, minimumSample: sample) {
            _ = try attentionFlash(q: q, k: k, v: v)
        }
        points.append(RooflinePoint(op: .attentionFlash, size: n, cost: .attentionFlash(n: n, d: d),
                                    footprint: inputs, timing: flash))
        return points
    }

    /// `roofline-detail.csv/.md` (printed): every point with its spread and its roof.
    static func showRoofline(_ points: [RooflinePoint], _ machine: MachineRoofs, _ context: LessonContext) throws {
        var table = Table(
            title: "Operations on the roofline: time median (fastest–slowest), GFLOP/s, and the roof at their intensity",
            columns: ["operation", "FLOPs", "bytes", "FLOP/byte", "time (ms)", "GFLOP/s", "data in", "roof GFLOP/s",
                      "% of roof", "bound by"],
            alignments: [.left, .right, .right, .right, .right, .right, .left, .right, .right, .left])
        for p in points {
            let memory = machine.memoryRoof(footprint: p.footprint)
            let roof = machine.attainable(intensity: p.cost.intensity, footprint: p.footprint)
            let bound = memory.gbs * p.cost.intensity < machine.fmaPeak ? "memory (\(memory.name))" : "compute"
            try table.append([
                p.label, scientific(Float(p.cost.flops)), formatBytes(Int(p.cost.bytes)), significant(p.cost.intensity),
                p.timing.millisecondsText, significant(p.gflops), memory.name, significant(roof),
                format(100 * p.gflops / roof, 0) + "%", bound,
            ])
        }
        try context.show(table, as: "roofline-detail", printedRows: 32)
    }

    /// `roofline.png`, log–log, with `roofline.csv` (op,size,flops,bytes,intensity,seconds,gflops).
    static func chartRoofline(_ points: [RooflinePoint], _ machine: MachineRoofs, _ settings: Settings,
                              _ context: LessonContext) throws {
        var csv = Table(columns: ["op", "size", "flops", "bytes", "intensity", "seconds", "gflops"])
        for p in points {
            try csv.append([p.op.rawValue, "\(p.size)", String(format: "%.0f", p.cost.flops), String(format: "%.0f", p.cost.bytes),
                            String(format: "%.6g", p.cost.intensity), String(format: "%.6e", p.timing.median),
                            String(format: "%.6g", p.gflops)])
        }
        let intensities = points.map(\.cost.intensity)
        let low = pow(10, (log10(intensities.min()!) - 0.2).rounded(.down))
        let high = pow(10, (log10(max(intensities.max()!, machine.fmaPeak / machine.dram)) + 0.2).rounded(.up))
        let grid = (0...60).map { low * pow(high / low, Double($0) / 60) }
        func roof(_ bandwidth: Double) -> [Double] { grid.map { min(machine.fmaPeak, bandwidth * $0) } }
        var series = [
            Series(name: "roof: FMA peak \(significant(machine.fmaPeak)) GFLOP/s, DRAM \(significant(machine.dram)) GB/s",
                   x: grid, y: roof(machine.dram), color: .black),
        ]
        for cache in machine.cacheBandwidth where cache.level >= 2 {
            series.append(Series(name: "roof from L\(cache.level): \(significant(cache.gbs)) GB/s", x: grid, y: roof(cache.gbs),
                                 style: cache.level == 2 ? .dashed : .dotted, color: .gray))
        }
        series.append(Series(name: "SGEMM peak \(significant(machine.gemmPeak)) GFLOP/s", x: [grid.first!, grid.last!],
                             y: [machine.gemmPeak, machine.gemmPeak], style: .dotted, color: .blue))
        // One series per N (and one for GEMM), so that marker and colour say the size and the
        // label only the operation: the two points of an operation share its x.
        let palette: [(Series.Symbol, Color)] = [(.circle, Color(hex: 0xE69F00)), (.triangle, Color(hex: 0xD55E00)),
                                                 (.diamond, Color(hex: 0x009E73))]
        var groups: [(String, [RooflinePoint], Series.Symbol, Color, (RooflinePoint) -> String)] = [
            ("GEMM n×n×n", points.filter { $0.op == .gemm }, .square, Color(hex: 0x0072B2), { "gemm \($0.size)" }),
        ]
        for (i, n) in settings.rooflineSizes.enumerated() {
            let (symbol, color) = palette[i % palette.count]
            groups.append(("N = \(n)", points.filter { $0.op != .gemm && $0.size == n }, symbol, color,
                           { $0.op.label }))
        }
        var annotations: [Annotation] = []
        for (name, members, symbol, color, label) in groups {
            series.append(Series(name: name, x: members.map(\.cost.intensity), y: members.map(\.gflops),
                                 style: .none, symbol: symbol, color: color))
            annotations += members.map { Annotation(x: $0.cost.intensity, y: $0.gflops, text: label($0), color: color) }
        }
        let chart = LineChart(
            title: "Roofline of this machine (\(settings.threadsText)): measured operations under measured roofs",
            xLabel: "arithmetic intensity (FLOPs per byte moved)", yLabel: "achieved GFLOP/s (median)",
            series: series, xScale: .log, yScale: .log, xRange: low...high, legend: .outside, width: 1400, height: 800,
            annotations: annotations)
        try context.save(chart, as: "roofline", data: .table(csv))
    }
}
