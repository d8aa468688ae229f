// Steps 4 and 5 of the positional-encoding lesson: what the encoding says about the offset between
// two positions. The dot product of two encodings depends only on the offset, but not on its sign;
// what makes offsets learnable is that moving k positions is one rotation, the same for every pos.
// P = positions, d = model width (even), i = index of a sin/cos pair, k = offset in positions.

import Figures
import Foundation
import TensorCore

extension PositionalEncodingLesson {
    // MARK: - 4. Similarity between positions

    /// S = PE · PEᵀ: S[p, q] = Σᵢ sin(pωᵢ)sin(qωᵢ) + cos(pωᵢ)cos(qωᵢ) = Σᵢ cos((p − q)ωᵢ),
    /// a function of p − q alone, and an even one: S[p, p + k] = S[p, p − k].
    /// - Parameter pe: [P, d]
    static func similarityBetweenPositions(_ pe: Tensor, _ context: LessonContext) throws {
        context.section("Similarity depends only on the distance between positions, not on its sign")
        let (positions, dModel) = (pe.shape[0], pe.shape[1])
        let similarity = try pe.matmul(pe.transposed())                       // [P, P]
        var heatmap = Heatmap(values: similarity.scalars, rows: positions, columns: positions)
        heatmap.title = "Dot product PE(p) · PE(q) between positions (d = \(dModel))"
        heatmap.xLabel = "position q"
        heatmap.yLabel = "position p"
        heatmap.colorbarLabel = "PE(p) · PE(q)"
        try context.save(heatmap, as: "similarity", data: .tensor(similarity))

        // Along each diagonal q − p = k the similarity is constant: read it from several anchors,
        // to the left (k < 0) and to the right (k > 0) of each.
        let span = max(0, min(positions / 4, (positions - 1) / 2))
        let anchors = [span, positions / 2, positions - 1 - span].filter { $0 - span >= 0 && $0 + span < positions }
            .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        let offsets = Array(-span...span)
        let frequencies = PositionalEncoding.angularFrequencies(dModel: dModel)
        let closedForm = offsets.map { k in frequencies.reduce(0) { $0 + cos(Double(k) * $1) } }
        var chart = LineChart(
            title: "PE(p) · PE(p + k) against the offset k, from \(anchors.count) starting positions",
            xLabel: "offset k = q − p (negative: q left of p)", yLabel: "PE(p) · PE(p + k)", series: [])
        chart.legend = .outside
        var data = Table(columns: ["k"] + anchors.map { "from_p_\($0)" } + ["closed_form"])
        var worst = 0.0, asymmetry = 0.0       // largest |S[p, p + k] − S[p, p − k]| on the chart
        let symbols: [Series.Symbol] = [.circle, .square, .triangle]
        for p in anchors {
            let values = offsets.map { Double(similarity[p, p + $0]) }
            worst = max(worst, zip(values, closedForm).map { abs($0 - $1) }.max() ?? 0)
            asymmetry = max(asymmetry, zip(values, values.reversed()).map { abs($0 - $1) }.max() ?? 0)
            chart.series.append(Series(name: "from p = \(p)", x: offsets.map(Double.init), y: values,
                                       symbol: symbols[chart.series.count % symbols.count]))
        }
        chart.series.append(Series(name: "Σᵢ cos(k·ωᵢ), closed form", x: offsets.map(Double.init),
                                   y: closedForm, style: .dashed))
        for (index, k) in offsets.enumerated() {
            try data.append(["\(k)"] + anchors.map { format(similarity[$0, $0 + k], 5) } + [format(closedForm[index], 5)])
        }
        try context.save(chart, as: "similarity_by_distance", data: .table(data))

        var table = Table(title: "PE(p) · PE(p + k) from different starting positions p",
                          columns: ["k"] + anchors.map { "p = \($0)" } + ["Σᵢ cos(k·ωᵢ)"])
        for k in [-8, -2, -1, 0, 1, 2, 8, 16, 32] where abs(k) <= span {
            try table.append(["\(k)"] + anchors.map { format(similarity[$0, $0 + k], 4) }
                             + [format(closedForm[k + span], 4)])
        }
        try context.show(table, as: "similarity_by_distance_table")

        context.say("""
            The heatmap is brightest on the diagonal (a position is most similar to itself, with \
            PE(p)·PE(p) = d/2 = \(dModel / 2)) and constant along every diagonal. Read from \
            different starting positions, the curves lie on top of each other and on the closed \
            form Σᵢ cos(k·ωᵢ) (largest deviation \(scientific(Float(worst))), float32 rounding): the \
            similarity knows only the offset k. But it does not know its sign: cos is even, so \
            PE(p)·PE(p + k) = PE(p)·PE(p − k) and the curves are mirror images about k = 0 (largest \
            difference between left and right \(scientific(Float(asymmetry)))). The dot product of two \
            encodings cannot tell "two to the left" from "two to the right" — and attention never \
            takes it anyway: it compares a projected query W_Q·x with a projected key W_K·x. What \
            makes offsets learnable is the next step.
            """)
    }

    // MARK: - 5. Moving k positions is a rotation

    /// PE(pos + k) = R(k) · PE(pos), with R(k) block-diagonal: for pair i the 2×2 rotation
    ///
    ///     [ sin((pos + k)ωᵢ) ]   [  cos kωᵢ   sin kωᵢ ] [ sin(pos·ωᵢ) ]
    ///     [ cos((pos + k)ωᵢ) ] = [ −sin kωᵢ   cos kωᵢ ] [ cos(pos·ωᵢ) ]
    ///
    /// (the angle-addition formulas), with no pos in it. Checks this for every pos and a few k,
    /// and draws one pair on its circle. - Parameter pe: [P, d]
    static func offsetsAreRotations(_ pe: Tensor, _ context: LessonContext) throws {
        context.section("Moving k positions turns every pair by the same angle")
        let (positions, dModel) = (pe.shape[0], pe.shape[1])
        let frequencies = PositionalEncoding.angularFrequencies(dModel: dModel)

        // One pair on its circle: the pair whose wavelength is nearest 12 positions, so that about
        // a dozen positions make one turn and each can be labelled.
        let pair = sinDimension(wavelength: 12, dModel: dModel) / 2
        let omega = frequencies[pair]
        let shown = max(1, min(positions, Int(2 * Double.pi / omega)))          // about one turn
        let k = max(1, (shown + 1) / 4)
        let starts = [0, shown - 1 - k].filter { $0 >= 0 && $0 + k < shown }
            .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        func point(_ p: Int) -> (x: Double, y: Double) { (Double(pe[p, 2 * pair]), Double(pe[p, 2 * pair + 1])) }
        let turn = stride(from: 0.0, through: 2 * Double.pi, by: Double.pi / 180).map { $0 }
        var chart = LineChart(
            title: "Pair \(pair) (dims \(2 * pair), \(2 * pair + 1)): each position turns the point by ω = \(format(omega, 3)) rad",
            xLabel: "PE(pos, \(2 * pair)) = sin(pos·ω)", yLabel: "PE(pos, \(2 * pair + 1)) = cos(pos·ω)",
            series: [Series(name: "the unit circle", x: turn.map { sin($0) }, y: turn.map { cos($0) },
                            color: Color.gray.withAlpha(110))],
            xRange: -1.3...1.3, yRange: -1.3...1.3, legend: .outside, width: 915, height: 640)
        let degrees = Double(k) * omega * 180 / Double.pi
        for (index, start) in starts.enumerated() {
            let (a, b) = (point(start), point(start + k))
            chart.series.append(Series(name: "pos \(start) → \(start + k): turned \(format(degrees, 1))°",
                                       x: [a.x, 0, b.x], y: [a.y, 0, b.y], color: Color.series(index + 1)))
        }
        var data = Table(columns: ["position", "angle_degrees", "pe_dim_\(2 * pair)", "pe_dim_\(2 * pair + 1)"])
        for p in 0..<shown {
            let (x, y) = point(p)
            chart.annotations.append(Annotation(x: x, y: y, text: "\(p)"))
            let angle = (Double(p) * omega * 180 / Double.pi).truncatingRemainder(dividingBy: 360)
            try data.append(["\(p)", format(angle, 2), format(x, 6), format(y, 6)])
        }
        try context.save(chart, as: "rotation", data: .table(data))

        // The whole vector: R(k)·PE(pos) against PE(pos + k) for every pos, pair by pair (the
        // block-diagonal product without its zeros), and a head that uses it: with the query
        // R(k)·PE(p) and the keys PE(q), the score Σᵢ cos((q − p − k)ωᵢ) is largest at q = p + k.
        var table = Table(title: "PE(pos + k) = R(k)·PE(pos), checked for every pos (d = \(dModel))",
                          columns: ["k", "turn of pair 0, k·ω₀", "turn of pair \(dModel / 2 - 1)",
                                    "max |R(k)·PE(pos) − PE(pos + k)|", "query R(k)·PE(p): best key q = p + k"])
        for offset in [1, 2, 5, positions / 4].filter({ $0 >= 1 && $0 < positions })
            .reduce(into: [Int](), { if !$0.contains($1) { $0.append($1) } }) {
            let rotated = try rotate(pe.rows(0..<(positions - offset)), by: offset, frequencies)   // [P − k, d]
            let deviation = try maxDifference(rotated, pe.rows(offset..<positions))
            let best = try rotated.matmul(pe.transposed()).argmaxLastAxis()                   // [P − k]
            let hits = best.indices.filter { best[$0] == $0 + offset }.count
            try table.append(["\(offset)", format(Double(offset) * frequencies[0] * 180 / Double.pi, 1) + "°",
                              format(Double(offset) * frequencies.last! * 180 / Double.pi, 4) + "°",
                              scientific(deviation), "\(hits) of \(positions - offset)"])
        }
        try context.show(table, as: "rotation_check")
        context.say("""
            Each pair (2i, 2i + 1) is a point on the unit circle, (sin(pos·ωᵢ), cos(pos·ωᵢ)), and \
            each position turns it clockwise by ωᵢ. In rotation.png, pair \(pair) turns by \
            \(format(degrees, 1))° over \(k) positions\(starts.count > 1 ? ", from position \(starts[0]) as from \(starts[1])" : ""): \
            the turn depends on k, never on where it starts. For the whole vector, PE(pos + k) = \
            R(k)·PE(pos), where R(k) is block-diagonal — one 2×2 rotation by the angle k·ωᵢ per pair — \
            and has no pos in it (the table: the largest deviation over every pos is float32 \
            rounding). So "k positions further on" is a linear map, the same for every position, and \
            linear maps are what attention learns in W_Q and W_K. A head whose query is R(k)·PE(p) \
            and whose keys are PE(q) scores Σᵢ cos((q − p − k)·ωᵢ): largest at q = p + k (last \
            column), and R(−k) = R(k)ᵀ looks the other way. Left and right are told apart by the \
            projections, not by the dot product of step 4.
            """)
    }

    /// R(k)·PE(pos) for every row: each pair (s, c) becomes (s·cos kω + c·sin kω, c·cos kω − s·sin kω).
    /// - Parameters: rows: [R, d]; frequencies: ωᵢ, one per pair. - Returns: [R, d]
    static func rotate(_ rows: Tensor, by k: Int, _ frequencies: [Double]) throws -> Tensor {
        let values = rows.scalars
        let cosines = frequencies.map { Float(cos(Double(k) * $0)) }, sines = frequencies.map { Float(sin(Double(k) * $0)) }
        return Tensor(shape: rows.shape) { index in
            let pairStart = index & ~1, i = (index % rows.shape[1]) / 2
            let (s, c) = (values[pairStart], values[pairStart + 1])
            return index % 2 == 0 ? s * cosines[i] + c * sines[i] : c * cosines[i] - s * sines[i]
        }
    }
}
