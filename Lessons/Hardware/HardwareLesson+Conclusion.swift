// Step 7: the conclusion — what this run's numbers say about the lecture's claims.
// N = sequence length, I = arithmetic intensity (FLOPs per byte).

import Foundation
import TensorCore
import _Support

extension HardwareLesson {
    // MARK: - 7. Conclusion

    /// What holds an operation far below its roof, from what its kernel does.
    static func whyBelowRoof(_ point: RooflinePoint) -> String {
        switch point.op {
        case .gelu: "its Φ is a degree-9 polynomial and an exp, about 40 FLOPs an element that the count takes as 5"
        case .layerNorm: "it reads each row twice (mean, then variance) before writing it"
        case .softmax: "its exp is a polynomial of about 20 FLOPs that the count takes as 1, so from cache the exp, not memory, is the limit"
        case .gemm: "at n = \(point.size) a product is too small to keep the tiles and the threads busy"
        case .attentionStandard: "S and P make their trips through memory between thin products (inner dimension d), and the softmax's exp costs more than its one counted FLOP"
        case .attentionFlash: "its tiles are thin products (inner dimension d) between rescalings of the running softmax, whose exp costs more than its one counted FLOP"
        case .masking, .dropout: "its kernel, not memory or arithmetic, sets the pace"
        }
    }

    static func concludeFromMeasurements(_ machine: MachineRoofs, _ roofline: Roofline, _ breakdown: AttentionBreakdown,
                                         _ settings: Settings, _ context: LessonContext) throws {
        context.section("Conclusion")
        var lines: [String] = []
        let balance = machine.fmaPeak / machine.dram
        lines.append("""
            Balance: this machine does \(significant(machine.fmaPeak)) GFLOP/s (FMA peak, \(settings.threadsText)) \
            against \(significant(machine.dram)) GB/s from DRAM: \(significant(balance)) FLOPs per \
            byte. The A100 of the lecture: \(significant(A100.bf16TensorCore / A100.hbmLow)) (bf16 tensor \
            cores over HBM). Below its balance an operation is memory-bound.
            """)

        // Which side of the ridge each operation fell on, and how close to its roof it came.
        func ratio(_ p: RooflinePoint) -> Double { p.gflops / machine.attainable(intensity: p.cost.intensity, footprint: p.footprint) }
        let memoryBound = roofline.points.filter { p in
            machine.memoryRoof(footprint: p.footprint).gbs * p.cost.intensity < machine.fmaPeak
        }
        let computeBound = roofline.points.filter { p in !memoryBound.contains { $0.label == p.label } }
        if !computeBound.isEmpty {
            lines.append("""
                Compute-bound (I above the ridge): \(computeBound.map { "\($0.label) (I = \(significant($0.cost.intensity)), \(format(100 * ratio($0), 0))% of the FMA peak)" }.joined(separator: ", ")).
                """)
        }
        if !memoryBound.isEmpty {
            var line = """
                Memory-bound (I below the ridge): \(memoryBound.map { "\($0.label) (I = \(significant($0.cost.intensity)), \(format(100 * ratio($0), 0))% of its \(machine.memoryRoof(footprint: $0.footprint).name) roof)" }.joined(separator: ", ")).
                """
            let above = memoryBound.filter { ratio($0) > 1.05 }
            if !above.isEmpty {
                let masking = above.contains { $0.op == .masking }
                line += """
                     Above 100% (\(above.map(\.label).joined(separator: ", "))): fewer bytes came from \
                    that level than counted — a faster cache still held part of the matrix from the pass \
                    before\(masking ? ", and the causal mask only writes the masked half of the scores, never reads it" : "").
                    """
            }
            lines.append(line)
        }
        let weak = roofline.points.filter { ratio($0) < 0.25 }
        if !weak.isEmpty {
            lines.append("""
                Far below their roof (under 25% of it), so neither memory nor the FMA units set their \
                pace but the kernel itself — a roofline points at such kernels: \
                \(weak.map { "\($0.label): \(whyBelowRoof($0))" }.joined(separator: "; ")).
                """)
        }
        for n in settings.rooflineSizes {
            if let standard = roofline.points.first(where: { $0.op == .attentionStandard && $0.size == n }),
               let flash = roofline.points.first(where: { $0.op == .attentionFlash && $0.size == n }) {
                lines.append("""
                    Attention at N = \(n): standard moves \(formatBytes(Int(standard.cost.bytes))) \
                    (I = \(significant(standard.cost.intensity))), flash \(formatBytes(Int(flash.cost.bytes))) \
                    (I = \(significant(flash.cost.intensity))) for the same FLOPs; flash ran \
                    \(format(standard.timing.median / flash.timing.median, 2))× \
                    \(flash.timing.median < standard.timing.median ? "faster" : "slower") \
                    (\(significant(flash.gflops)) vs \(significant(standard.gflops)) GFLOP/s).
                    """)
            }
        }

        // The lecture's claim about standard attention, at every N measured.
        let shares = breakdown.timings.map { t in (t.n, breakdown.elementwiseTimeShare(t), breakdown.elementwiseFlopShare(n: t.n)) }
        let agreeing = shares.filter { $0.1 > 0.5 }.map(\.0)
        let sharesText = shares.map { "N = \($0.0): \(format(100 * $0.1, 0))% of the time, \(format(100 * $0.2, 1))% of the FLOPs" }
            .joined(separator: "; ")
        let productFlops = 1 - (shares.map(\.2).max() ?? 0)
        var claim = """
            The lecture's claim, "masking, softmax and dropout take the bulk of the time, matmul the \
            bulk of the FLOPs". Scale + mask, softmax and dropout together: \(sharesText). The matrix \
            products do \(format(100 * productFlops, 1))% or more of the FLOPs at every N — \
            \(productFlops > 0.5 ? "that half of the claim holds here as on the GPU" : "not the bulk: that half of the claim fails at this d"). 
            """
        if agreeing.count == shares.count {
            claim += """
                The time half holds too: the elementwise passes take most of the time at every N \
                measured, though they do almost no arithmetic — they are memory-bound, the products \
                are not.
                """
        } else if agreeing.isEmpty {
            claim += """
                The time half does not hold on this machine: the matrix products still take most of \
                the time at every N measured (the elementwise passes \(percentRange(shares.map(\.1)))).
                """
            let modelAgrees = (breakdown.modelHere.max() ?? 1) <= 0.5
            claim += " " + """
                The roofline model \(modelAgrees ? "says why" : "predicts otherwise here, so the kernels, not the roofs, decide"): \
                with this machine's roofs (\(significant(machine.gemmPeak / machine.dram)) FLOPs of SGEMM per \
                byte of DRAM) it predicts \
                \(percentRange(breakdown.modelHere)) for the elementwise passes; with the A100's \
                \(significant(A100.bf16TensorCore / A100.hbmLow)), \(percentRange(breakdown.modelA100))\
                \((breakdown.modelA100.min() ?? 0) > 0.5 ? " — the lecture's \"bulk of the time\". The claim is about a machine whose FLOPs have far outgrown its bandwidth." : ".")
                """
        } else {
            let others = shares.filter { $0.1 <= 0.5 }.map(\.0)
            claim += """
                The time half holds at N = \(agreeing.map(String.init).joined(separator: ", ")) and not at \
                N = \(others.map(String.init).joined(separator: ", ")).
                """
            // The usual reason, said only when the numbers have its shape: the larger N agree.
            if agreeing.min()! > others.max()! {
                claim += """
                     While the N×N matrix fits in the caches the elementwise passes are cheap; once it \
                    spills to DRAM they wait for memory and take most of the time.
                    """
            }
        }
        lines.append(claim)
        for line in lines { context.say("• " + line) }
        try context.write(markdown: "# Conclusion of this run\n\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n",
                          as: "conclusion")
    }
}
