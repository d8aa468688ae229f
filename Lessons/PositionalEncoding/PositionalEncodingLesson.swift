// Lesson: sinusoidal positional encoding — why attention needs position, and what the
// sin/cos waves give it.
// P = positions, d = model width (even), T = tokens in a sentence, i = index of a sin/cos pair.

import ArgumentParser
import Figures
import Foundation
import TensorCore

/// Sinusoidal positional encoding, rebuilt from first principles.
///
/// Reads like the lecture:
/// 1. Self-attention ignores order: the same tokens in two orders give the same outputs.
/// 2. The PE matrix, PE(pos, 2i) = sin(pos/10000^(2i/d)), PE(pos, 2i+1) = cos(…), as a heatmap.
/// 3. Curves of a few dimensions over positions: fast waves and slow waves.
/// 4. PE(p)·PE(q) depends only on the distance p − q.
/// 5. The wavelength of each sin/cos pair: a geometric progression from 2π to about 10000·2π.
/// 6. The lecture's example: embeddings plus PE for "You are welcome PAD" and "START De nada PAD".
///
/// Writes `pe.png` and `pe.npy` (the PE matrix), `curves.png`, `similarity.png`,
/// `similarity_by_distance.png`, `wavelengths.png`, the example figures, and the tables as
/// CSV and Markdown, into `Output/positional-encoding/`.
public enum PositionalEncodingLesson: Lesson {
    public static let name = "positional-encoding"
    public static let summary = "sinusoidal positional encoding: why attention needs it, its waves, relative positions"

    public struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Positions to encode (default: 128; 32 with --quick).", valueName: "n"))
        var positions: Int?

        @Option(name: .customLong("d-model"),
                help: ArgumentHelp("Model width d, even (default: 128; 32 with --quick).", valueName: "d"))
        var dModel: Int?

        public init() {}

        public func validate() throws {
            if let positions, positions < 1 {
                throw ValidationError("--positions must be at least 1, not \(positions)")
            }
            if let dModel, dModel < 2 || dModel % 2 != 0 {
                throw ValidationError("--d-model must be even and at least 2 (dimensions come in sin/cos pairs), not \(dModel)")
            }
        }

        func sizes(quick: Bool) -> (positions: Int, dModel: Int) {
            (positions ?? (quick ? 32 : 128), dModel ?? (quick ? 32 : 128))
        }
    }

    public static func validate(_ options: Options, quick: Bool) throws {
        let (p, d) = options.sizes(quick: quick)
        // The similarity matrix is P × P; the PE matrix P × d; each is held a few times over.
        let (square, overflow1) = p.multipliedReportingOverflow(by: p)
        let (table, overflow2) = p.multipliedReportingOverflow(by: d)
        guard !overflow1, !overflow2, square <= Int.max / 16, table <= Int.max / 16 else {
            throw LessonError("--positions \(p) with --d-model \(d) is far too large for any machine's memory")
        }
        try SystemInfo.requireMemory(bytes: 3 * 4 * (square + table), for: "\(p) positions × \(d) dimensions (with the \(p)×\(p) similarity matrix)")
    }

    public static func run(_ options: Options, in context: LessonContext) throws {
        let (positions, dModel) = options.sizes(quick: context.quick)
        try showThatAttentionIgnoresOrder(context)
        let pe = try encodePositions(positions: positions, dModel: dModel, context)
        try plotDimensionsOverPositions(pe, context)
        try similarityBetweenPositions(pe, context)
        try wavelengthsOfThePairs(dModel: dModel, positions: positions, context)
        try addEncodingToEmbeddings(context)
    }

    // MARK: - 1. Why attention needs position

    /// Self-attention is permutation-equivariant: shuffle the input rows and the output rows are
    /// shuffled the same way, nothing else changes. So "the dog bit the man" and "the man bit
    /// the dog" give every token the same output — unless position is added to the input.
    static func showThatAttentionIgnoresOrder(_ context: LessonContext) throws {
        context.section("Why attention needs position")
        let first = ["the", "dog", "bit", "the", "man"]
        let second = ["the", "man", "bit", "the", "dog"]
        let width = 8
        var generator = context.generator(for: "order.embeddings")
        var embeddings: [String: Tensor] = [:]
        for word in Set(first).sorted() {
            embeddings[word] = Tensor.randomNormal([width], using: &generator)
        }
        var weights = context.generator(for: "order.weights")
        let scale = 1 / Float(width).squareRoot()
        let wq = Tensor.randomNormal([width, width], std: scale, using: &weights)
        let wk = Tensor.randomNormal([width, width], std: scale, using: &weights)
        let wv = Tensor.randomNormal([width, width], std: scale, using: &weights)

        /// softmax(Q Kᵀ / √d) V for one sentence. - Parameter x: [T, d] → [T, d]
        func selfAttention(_ x: Tensor) throws -> Tensor {
            let q = try x.matmul(wq), k = try x.matmul(wk), v = try x.matmul(wv)    // [T, d] each
            let scores = try q.matmul(k.transposed()) * scale                       // [T, T]
            return try scores.softmax().matmul(v)                                   // [T, d]
        }
        func inputs(_ sentence: [String], withPosition: Bool) throws -> Tensor {
            let x = try Tensor.concatenate(sentence.map { try embeddings[$0]!.reshaped([1, width]) }, axis: 0)
            return withPosition ? try x + PositionalEncoding.sinusoidal(positions: sentence.count, dModel: width) : x
        }

        let plainFirst = try selfAttention(inputs(first, withPosition: false))
        let plainSecond = try selfAttention(inputs(second, withPosition: false))
        let placedFirst = try selfAttention(inputs(first, withPosition: true))
        let placedSecond = try selfAttention(inputs(second, withPosition: true))

        context.say("""
            Two sentences, the same five tokens: "\(first.joined(separator: " "))" and \
            "\(second.joined(separator: " "))". Each token gets a random \(width)-dimensional \
            embedding and goes through one self-attention layer, softmax(QKᵀ/√d)·V. Below, the \
            output for each token of the first sentence is compared with the output for the same \
            token in the second sentence — without and with positional encoding.
            """)
        var table = Table(
            title: "Attention output of each token in the two sentences (first 3 of \(width) dimensions)",
            columns: ["token", "pos 1st", "pos 2nd", "output in 1st (no PE)", "output in 2nd (no PE)",
                      "max |diff| no PE", "max |diff| with PE"])
        var worstWithout: Float = 0, bestWith = Float.infinity
        var used = Set<Int>()
        for (i, word) in first.enumerated() {
            let j = second.indices.first { second[$0] == word && !used.contains($0) }!
            used.insert(j)
            let without = try maxDifference(plainFirst.row(i), plainSecond.row(j))
            let with = try maxDifference(placedFirst.row(i), placedSecond.row(j))
            worstWithout = max(worstWithout, without)
            bestWith = min(bestWith, with)
            try table.append([word, "\(i)", "\(j)", vectorText(plainFirst.row(i), count: 3),
                              vectorText(plainSecond.row(j), count: 3), scientific(without), format(with, 3)])
        }
        try context.show(table, as: "order_matters")
        let twins = try maxDifference(plainFirst.row(0), plainFirst.row(3))
        context.say("""
            Without PE, every token's output is the same in both sentences (largest difference \
            \(scientific(worstWithout)), which is floating-point rounding): attention sees a bag of \
            tokens. Even the two "the"s inside one sentence get identical outputs (difference \
            \(scientific(twins))). With PE added to the inputs, the smallest difference is \
            \(format(bestWith, 3)): the outputs now depend on where each token stands.
            """)
    }

    // MARK: - 2. The PE matrix

    /// PE(pos, 2i) = sin(pos · ωᵢ), PE(pos, 2i+1) = cos(pos · ωᵢ), ωᵢ = 10000^(−2i/d). - Returns: [P, d]
    static func encodePositions(positions: Int, dModel: Int, _ context: LessonContext) throws -> Tensor {
        context.section("The positional-encoding matrix")
        let pe = try PositionalEncoding.sinusoidal(positions: positions, dModel: dModel)   // [P, d]
        context.say("""
            PE(pos, 2i) = sin(pos / 10000^(2i/d)) and PE(pos, 2i+1) = cos(pos / 10000^(2i/d)), \
            here for \(positions) positions and d = \(dModel). Every value lies in [−1, 1]. In the \
            heatmap, the left columns (small i) flip sign from one position to the next; further \
            right the waves slow down until the last columns barely change over \(positions) positions. \
            Every row is different: that row is the position's fingerprint.
            """)
        var heatmap = Heatmap(values: pe.scalars, rows: positions, columns: dModel)
        heatmap.title = "Sinusoidal positional encoding (\(positions) positions × \(dModel) dimensions)"
        heatmap.xLabel = "embedding dimension (even = sin, odd = cos)"
        heatmap.yLabel = "position"
        heatmap.colormap = .diverging
        heatmap.range = -1...1
        heatmap.colorbarLabel = "PE(pos, dim)"
        try context.save(heatmap, as: "pe", data: .tensor(pe))
        return pe
    }

    // MARK: - 3. Curves of a few dimensions

    /// A few columns of PE plotted over positions: low dimensions oscillate fast, high ones slowly.
    /// - Parameter pe: [P, d]
    static func plotDimensionsOverPositions(_ pe: Tensor, _ context: LessonContext) throws {
        context.section("A few dimensions over positions")
        let (positions, dModel) = (pe.shape[0], pe.shape[1])
        let wavelengths = PositionalEncoding.wavelengths(dModel: dModel)
        // The sin of four pairs whose wavelengths are about P/20, P/5, P and 8P, so that the
        // chart stays readable for any number of positions (dims 0, 20, 42, 74 for P = d = 128).
        let chosen = [0.05, 0.2, 1, 8].map { sinDimension(wavelength: $0 * Double(positions), dModel: dModel) }
            .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        var chart = LineChart(
            title: "PE(pos, dim) over positions for \(chosen.count) dimensions (d = \(dModel))",
            xLabel: "position", yLabel: "PE(pos, dim)", series: [])
        let x = (0..<positions).map(Double.init)
        var data = Table(columns: ["position"] + chosen.map { "dim_\($0)" })
        for dimension in chosen {
            let column = try pe.slice(axis: 1, dimension..<(dimension + 1)).scalars.map(Double.init)
            let kind = dimension % 2 == 0 ? "sin" : "cos"
            chart.series.append(Series(
                name: "dim \(dimension) (\(kind), wavelength \(format(wavelengths[dimension / 2], 1)))",
                x: x, y: column))
        }
        for p in 0..<positions {
            try data.append(["\(p)"] + chosen.map { format(pe[p, $0], 6) })
        }
        try context.save(chart, as: "curves", data: .table(data))
        context.say("""
            Dimension \(chosen[0]) is a sine of wavelength \(format(wavelengths[chosen[0] / 2], 1)) \
            positions, sampled at whole positions: it tells neighbours apart. Dimension \
            \(chosen.last!) has wavelength \(format(wavelengths[chosen.last! / 2], 0)) positions: \
            across all \(positions) positions it turns through only \
            \(format(Double(positions) / wavelengths[chosen.last! / 2], 2)) of a cycle, so it tells \
            the beginning of a long text from its end. Together the pairs read position like the \
            hands of a clock, from seconds to hours.
            """)
    }

    /// The sin dimension 2i of the pair whose wavelength 2π·10000^(2i/d) is nearest to `wavelength`.
    static func sinDimension(wavelength: Double, dModel: Int) -> Int {
        let pair = (Double(dModel) / 2 * Foundation.log(max(wavelength, 2 * .pi) / (2 * .pi)) / Foundation.log(10_000)).rounded()
        return 2 * min(dModel / 2 - 1, max(0, Int(pair)))
    }

    // MARK: - 4. Similarity between positions

    /// S = PE · PEᵀ: S[p, q] = Σᵢ sin(pωᵢ)sin(qωᵢ) + cos(pωᵢ)cos(qωᵢ) = Σᵢ cos((p − q)ωᵢ),
    /// a function of p − q alone. - Parameter pe: [P, d]
    static func similarityBetweenPositions(_ pe: Tensor, _ context: LessonContext) throws {
        context.section("Similarity depends only on the distance between positions")
        let (positions, dModel) = (pe.shape[0], pe.shape[1])
        let similarity = try pe.matmul(pe.transposed())                       // [P, P]
        var heatmap = Heatmap(values: similarity.scalars, rows: positions, columns: positions)
        heatmap.title = "Dot product PE(p) · PE(q) between positions (d = \(dModel))"
        heatmap.xLabel = "position q"
        heatmap.yLabel = "position p"
        heatmap.colorbarLabel = "PE(p) · PE(q)"
        try context.save(heatmap, as: "similarity", data: .tensor(similarity))

        // Along each diagonal p − q = k the similarity is constant: read it from several anchors.
        let span = max(1, positions / 2)
        let anchors = [0, positions / 4, positions / 2 - 1].filter { $0 >= 0 && $0 + span <= positions }
            .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        let frequencies = PositionalEncoding.angularFrequencies(dModel: dModel)
        let closedForm = (0..<span).map { k in frequencies.reduce(0) { $0 + cos(Double(k) * $1) } }
        var chart = LineChart(
            title: "PE(p) · PE(p + k) against the distance k, from \(anchors.count) starting positions",
            xLabel: "distance k = q − p", yLabel: "PE(p) · PE(p + k)", series: [])
        var data = Table(columns: ["k"] + anchors.map { "from_p_\($0)" } + ["closed_form"])
        var worst = 0.0
        for p in anchors {
            let values = (0..<span).map { Double(similarity[p, p + $0]) }
            worst = max(worst, zip(values, closedForm).map { abs($0 - $1) }.max() ?? 0)
            let symbols: [Series.Symbol] = [.circle, .square, .triangle]
            chart.series.append(Series(name: "from p = \(p)", x: (0..<span).map(Double.init), y: values,
                                       symbol: symbols[chart.series.count % symbols.count]))
        }
        chart.series.append(Series(name: "Σᵢ cos(k·ωᵢ), closed form", x: (0..<span).map(Double.init),
                                   y: closedForm, style: .dashed))
        for k in 0..<span {
            try data.append(["\(k)"] + anchors.map { format(similarity[$0, $0 + k], 5) } + [format(closedForm[k], 5)])
        }
        try context.save(chart, as: "similarity_by_distance", data: .table(data))

        var table = Table(title: "PE(p) · PE(p + k) from different starting positions p",
                          columns: ["k"] + anchors.map { "p = \($0)" } + ["Σᵢ cos(k·ωᵢ)"])
        for k in [0, 1, 2, 4, 8, 16, 32, 64] where k < span {
            try table.append(["\(k)"] + anchors.map { format(similarity[$0, $0 + k], 4) } + [format(closedForm[k], 4)])
        }
        try context.show(table, as: "similarity_by_distance_table")
        context.say("""
            The heatmap is brightest on the diagonal (a position is most similar to itself, with \
            PE(p)·PE(p) = d/2 = \(dModel / 2)) and constant along every diagonal. Read from \
            different starting positions, the curves lie on top of each other and on the closed \
            form Σᵢ cos(k·ωᵢ) (largest deviation \(scientific(Float(worst))), float32 rounding): the \
            similarity knows only the distance k. This is why attention can learn relative \
            offsets ("the word two to the left") from absolute encodings.
            """)
    }

    // MARK: - 5. Wavelengths

    /// λᵢ = 2π / ωᵢ = 2π · 10000^(2i/d): a geometric progression, one wavelength per sin/cos pair.
    static func wavelengthsOfThePairs(dModel: Int, positions: Int, _ context: LessonContext) throws {
        context.section("The wavelength of each sin/cos pair")
        let frequencies = PositionalEncoding.angularFrequencies(dModel: dModel)
        let wavelengths = PositionalEncoding.wavelengths(dModel: dModel)
        let pairs = (0..<(dModel / 2)).map(Double.init)
        var chart = LineChart(
            title: "Wavelength of each sin/cos pair, λᵢ = 2π · 10000^(2i/d) (d = \(dModel))",
            xLabel: "pair i (dimensions 2i and 2i + 1)", yLabel: "wavelength (positions)", series: [])
        chart.yScale = .log
        chart.series.append(Series(name: "wavelength λᵢ", x: pairs, y: wavelengths, symbol: .circle))
        chart.series.append(Series(name: "the \(positions) positions encoded here", x: [0, Double(dModel / 2 - 1)],
                                   y: [Double(positions), Double(positions)], style: .dashed))
        var table = Table(title: "Wavelengths (positions per full turn of each pair)",
                          columns: ["pair i", "dims", "ω_i", "wavelength"])
        for i in 0..<(dModel / 2) {
            try table.append(["\(i)", "\(2 * i), \(2 * i + 1)", scientific(Float(frequencies[i])), format(wavelengths[i], 2)])
        }
        try context.save(chart, as: "wavelengths", data: .table(table))
        try context.show(table, as: "wavelengths")
        let complete = wavelengths.filter { $0 <= Double(positions) }.count
        context.say("""
            On a log scale the wavelengths are a straight line: each pair turns \
            10000^(2/d) = \(format(pow(10_000, 2 / Double(dModel)), 3)) times slower than the one \
            before, from 2π ≈ 6.28 to \(format(wavelengths.last!, 0)) positions. Only \(complete) \
            of the \(dModel / 2) pairs complete a full turn within \(positions) positions; the rest \
            are still on their first turn, which keeps every position's code unique far beyond any \
            training length.
            """)
    }

    // MARK: - 6. The lecture's example

    /// The input to the encoder and decoder is embedding + PE, token by token:
    /// x_t = E[token_t] + PE(t). PAD's embedding is the zero vector (as with PyTorch's
    /// `padding_idx`), so a PAD input is PE alone.
    static func addEncodingToEmbeddings(_ context: LessonContext) throws {
        context.section("The lecture's example: embedding + positional encoding")
        let width = 8
        let sentences = [("encoder", ["You", "are", "welcome", "PAD"]), ("decoder", ["START", "De", "nada", "PAD"])]
        var generator = context.generator(for: "example.embeddings")
        var embeddings: [String: Tensor] = ["PAD": Tensor.zeros([width])]
        for word in ["You", "are", "welcome", "START", "De", "nada"] {
            embeddings[word] = Tensor.randomNormal([width], std: 0.5, using: &generator)
        }
        let pe = try PositionalEncoding.sinusoidal(positions: 4, dModel: width)    // [T, d]
        context.say("""
            Each token's embedding (here random, \(width) dimensions) gets the PE row of its \
            position added: input_t = E[token_t] + PE(t). The same word at another position \
            would get a different input. PAD's embedding is zero, so its input is just PE(3) — in \
            both sentences; the attention mask (a later lesson) keeps attention away from it.
            """)
        for (role, tokens) in sentences {
            var rows: [Tensor] = []
            var labels: [String] = []
            var table = Table(title: "\(role) input for \"\(tokens.joined(separator: " "))\" (first 4 of \(width) dimensions)",
                              columns: ["position", "token", "embedding", "+ PE(position)", "= input"])
            for (t, token) in tokens.enumerated() {
                let embedding = embeddings[token]!, position = try pe.row(t)
                let sum = try embedding + position
                rows += [embedding, position, sum]
                labels += ["\(token)", "+ PE(\(t))", "= input \(t)"]
                try table.append(["\(t)", token, vectorText(embedding, count: 4), vectorText(position, count: 4),
                                  vectorText(sum, count: 4)])
            }
            let matrix = try Tensor.concatenate(rows.map { try $0.reshaped([1, width]) }, axis: 0)   // [3T, d]
            var heatmap = Heatmap(values: matrix.scalars, rows: matrix.shape[0], columns: width)
            heatmap.title = "\(role.capitalized) input: “\(tokens.joined(separator: " "))” = embedding + PE"
            heatmap.xLabel = "dimension"
            heatmap.yLabel = "token, its position's encoding, their sum"
            heatmap.yTicks = .labels(labels)
            heatmap.colormap = .diverging
            heatmap.showValues = true
            heatmap.valueFormat = .decimals(2)
            heatmap.colorbarLabel = "value"
            try context.save(heatmap, as: "example_\(role)", data: .tensor(matrix))
            try context.show(table, as: "example_\(role)_table")
        }
    }

    // MARK: - Formatting

    static func maxDifference(_ a: Tensor, _ b: Tensor) throws -> Float {
        try (a - b).map(abs).max()
    }
}
