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
/// 2. The PE matrix, PE(pos, 2i) = sin(pos/10000^(2i/d)), PE(pos, 2i+1) = cos(…), as a heatmap
///    (i counts the sin/cos pairs).
/// 3. Curves of a few dimensions over positions: fast waves and slow waves, a sine and a cosine.
/// 4. PE(p)·PE(p + k) depends only on the offset k — and not on its sign.
/// 5. PE(p + k) is PE(p) turned pair by pair through the angles k·ωᵢ: a linear map, the same
///    for every p. This, not the dot product, is what makes offsets learnable.
/// 6. The wavelength of each sin/cos pair: a geometric progression from 2π to about 10000·2π.
/// 7. The lecture's example: embeddings plus PE for "You are welcome PAD" and "START De nada PAD".
///
/// Writes `order_matters.png`, `pe.png` and `pe.npy` (the PE matrix), `curves.png`,
/// `similarity.png`, `similarity_by_distance.png`, `rotation.png`, `wavelengths.png`, the
/// example figures, and the tables as CSV and Markdown, into `Output/positional-encoding/`.
public enum PositionalEncodingLesson: Lesson {
    public static let name = "positional-encoding"
    public static let summary = "sinusoidal positional encoding: why attention needs it, its waves, relative positions"
    public static let figureCaptions: [(name: String, caption: String)] = [
        ("order_matters", "without position, swapping two words leaves every token's attention output unchanged"),
        ("pe", "the PE matrix: fast waves in the first dimensions, slow ones in the last"),
        ("curves", "a few dimensions of PE over positions: sines and cosines of falling frequency"),
        ("similarity", "dot products between the encodings of every pair of positions: a band along the diagonal"),
        ("similarity_by_distance", "similarity against the distance between positions: the same at every starting position"),
        ("rotation", "moving k positions rotates each sine–cosine pair by a fixed angle"),
        ("wavelengths", "the wavelength of each pair of dimensions, from 2π to 10000·2π"),
        ("example_encoder", "the lecture's encoder example: word embedding + its position's encoding, row by row"),
        ("example_decoder", "the lecture's decoder example: word embedding + its position's encoding, row by row"),
    ]

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
        // With --only, a step runs only if it writes a figure that was asked for.
        let wants = { (names: [String]) in names.contains(where: context.wants) }
        if wants(["order_matters"]) { try showThatAttentionIgnoresOrder(context) }
        let pe = try encodePositions(positions: positions, dModel: dModel, context)
        if wants(["curves"]) { try plotDimensionsOverPositions(pe, context) }
        if wants(["similarity", "similarity_by_distance"]) { try similarityBetweenPositions(pe, context) }
        if wants(["rotation"]) { try offsetsAreRotations(pe, context) }
        if wants(["wavelengths"]) { try wavelengthsOfThePairs(dModel: dModel, positions: positions, context) }
        if wants(["example_encoder", "example_decoder"]) { try addEncodingToEmbeddings(context) }
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
        var differencesWithout: [Float] = [], differencesWith: [Float] = [], categories: [String] = []
        var used = Set<Int>()
        for (i, word) in first.enumerated() {
            let j = second.indices.first { second[$0] == word && !used.contains($0) }!
            used.insert(j)
            let without = try maxDifference(plainFirst.row(i), plainSecond.row(j))
            let with = try maxDifference(placedFirst.row(i), placedSecond.row(j))
            differencesWithout.append(without)
            differencesWith.append(with)
            categories.append("“\(word)”, position \(i) → \(j)")
            try table.append([word, "\(i)", "\(j)", vectorText(plainFirst.row(i), count: 3),
                              vectorText(plainSecond.row(j), count: 3), scientific(without), format(with, 3)])
        }
        let chart = BarChart(
            title: "The same token in the two sentences: how far apart its two attention outputs are",
            xLabel: "token of “\(first.joined(separator: " "))”, and its position in each sentence",
            yLabel: "max |output in 1st − output in 2nd|",
            categories: categories,
            groups: [BarChart.Group(name: "without positional encoding", values: differencesWithout.map(Double.init)),
                     BarChart.Group(name: "with positional encoding", values: differencesWith.map(Double.init))],
            showTotals: true)
        try context.save(chart, as: "order_matters", data: .table(table))
        try context.show(table, as: "order_matters")
        let worstWithout = differencesWithout.max()!, bestWith = differencesWith.min()!
        let twins = try maxDifference(plainFirst.row(0), plainFirst.row(3))
        context.say("""
            Without PE, every token's output is the same in both sentences (largest difference \
            \(scientific(worstWithout)), which is floating-point rounding, too small to see in \
            order_matters.png): attention sees a bag of tokens. Even the two "the"s inside one sentence get identical outputs (difference \
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
            here for \(positions) positions and d = \(dModel). The i of the formula counts sin/cos \
            pairs, i = 0 … \(dModel / 2 - 1), not dimensions: dimensions 2i and 2i + 1 hold the sine and \
            the cosine of one angle, pos·ωᵢ with ωᵢ = 10000^(−2i/d). Every value lies in [−1, 1]. In the \
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

    /// A few columns of PE plotted over positions: the fastest pair's sine, the sine and the
    /// cosine of a pair whose wavelength is about P, and a slow sine. The fastest one is drawn
    /// also between the whole positions, faintly, because its samples alone look jagged.
    /// - Parameter pe: [P, d]
    static func plotDimensionsOverPositions(_ pe: Tensor, _ context: LessonContext) throws {
        context.section("A few dimensions over positions")
        let (positions, dModel) = (pe.shape[0], pe.shape[1])
        let wavelengths = PositionalEncoding.wavelengths(dModel: dModel)
        // Dimension 0, the sine and cosine of the pair nearest a wavelength of P, and the sine
        // nearest 8P, so that the chart stays readable for any P (dims 0, 42, 43, 70 for
        // P = d = 128).
        let middle = sinDimension(wavelength: Double(positions), dModel: dModel)
        let chosen = [0, middle, middle + 1, sinDimension(wavelength: 8 * Double(positions), dModel: dModel)]
            .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        var chart = LineChart(
            title: "PE(pos, dim) over positions for \(chosen.count) dimensions (d = \(dModel))",
            xLabel: "position", yLabel: "PE(pos, dim)", series: [])
        chart.legend = .outside
        chart.width = 1200
        // The fastest sine between the whole positions: the wave that the samples are taken from.
        let fine = stride(from: 0.0, through: Double(positions - 1), by: 0.05).map { $0 }
        chart.series.append(Series(name: "dim 0 between whole positions", x: fine, y: fine.map { sin($0) },
                                   color: Color.series(0).withAlpha(70)))
        let x = (0..<positions).map(Double.init)
        var data = Table(columns: ["position"] + chosen.map { "dim_\($0)" })
        let symbols: [Series.Symbol] = [.circle, .none, .none, .none]
        for (index, dimension) in chosen.enumerated() {
            let column = try pe.slice(axis: 1, dimension..<(dimension + 1)).scalars.map(Double.init)
            let kind = dimension % 2 == 0 ? "sin" : "cos"
            let place = dimension == 0 ? ", whole positions" : ""
            chart.series.append(Series(
                name: "dim \(dimension) (\(kind), λ = \(format(wavelengths[dimension / 2], 1))\(place))",
                x: x, y: column, style: dimension == 0 ? .none : (kind == "cos" ? .dashed : .solid),
                symbol: symbols[index], color: Color.series(index)))
        }
        for p in 0..<positions {
            try data.append(["\(p)"] + chosen.map { format(pe[p, $0], 6) })
        }
        try context.save(chart, as: "curves", data: .table(data))
        let slow = chosen.last!
        var text = """
            Dimension 0 is the sine of the fastest pair, wavelength 2π ≈ 6.28 positions. The model \
            sees it only at whole positions (the dots): 6.28 is not a whole number, so the samples \
            never repeat exactly and, joined by lines, they would look jagged rather than like a \
            wave. That is aliasing, not noise; the faint line is the sine they are taken from. Fast \
            as it is, this dimension tells neighbours apart.
            """
        if chosen.contains(middle + 1) {
            text += " " + """
                Dimensions \(middle) and \(middle + 1) are the sine and the cosine (dashed) of one pair, \
                wavelength \(format(wavelengths[middle / 2], 1)): the cosine is the sine shifted by a \
                quarter turn, so between them the pair knows where on its circle each position is.
                """
        }
        text += " " + """
            Dimension \(slow) has wavelength \(format(wavelengths[slow / 2], 0)) positions: across all \
            \(positions) positions it turns through only \(format(Double(positions) / wavelengths[slow / 2], 2)) \
            of a cycle, so it tells the beginning of a long text from its end. Together the pairs read \
            position like the hands of a clock, from seconds to hours.
            """
        context.say(text)
    }

    /// The sin dimension 2i of the pair whose wavelength 2π·10000^(2i/d) is nearest to `wavelength`.
    static func sinDimension(wavelength: Double, dModel: Int) -> Int {
        let pair = (Double(dModel) / 2 * Foundation.log(max(wavelength, 2 * .pi) / (2 * .pi)) / Foundation.log(10_000)).rounded()
        return 2 * min(dModel / 2 - 1, max(0, Int(pair)))
    }

    // MARK: - 6. Wavelengths

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
            are still on their first turn. The rows stay distinct far beyond \(positions) positions, \
            but distinct is not the same as useful: a model trained on short sequences has never \
            seen the slow pairs at the angles that long ones reach, and in practice sinusoidal \
            encodings extrapolate poorly to sequences longer than those seen in training.
            """)
    }

    // MARK: - 7. The lecture's example

    /// The input to the encoder and decoder is embedding + PE, token by token:
    /// x_t = E[token_t] + PE(t) (the 2017 paper scales E by √d_model first). PAD's embedding is the zero vector (as with PyTorch's
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
            position added: input_t = E[token_t] + PE(t). (The 2017 paper first multiplies the \
            embeddings by √d_model; a common reading is that this lifts entries initialised at about \
            1/√d_model to the size of PE's, about 1. These random embeddings are not scaled.) The \
            same word at another position \
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
