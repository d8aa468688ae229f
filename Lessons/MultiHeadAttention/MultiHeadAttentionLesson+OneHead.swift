// Steps 2-4: one head computed step by step, why the scores are scaled by 1/√d_k, and the same
// sentence through every head of every layer.
// N = words, d = width, H = heads, D = d/H = d_k.

import Autograd
import Figures
import Foundation
import TensorCore

extension MultiHeadAttentionLesson {
    /// The lecture's two sentences: the same but for the adjective.
    static let hungry = WordVocabulary.tokenize("The cat drank the milk because it was hungry.")
    static let sweet = WordVocabulary.tokenize("The cat drank the milk because it was sweet.")

    // MARK: - Step 2: one head

    static func oneHeadStepByStep(_ model: ReferentModel, _ context: LessonContext) throws {
        context.section("One head, step by step")
        let steps = try oneHead(model, hungry)
        let (n, d, dk) = (hungry.count, steps.x.shape[1], steps.q.shape[1])
        context.say("""
            "\(hungry.joined(separator: " "))" is \(n) tokens. Each becomes a vector of d = \(d): its \
            embedding plus the positional encoding, the rows of X [\(n), \(d)]. The first head of the \
            untrained model's first layer projects X to queries, keys and values of width \
            d_k = d/H = \(dk) (the model normalises X first; left out here, so every number can be \
            followed from X alone):
            """)
        let words = hungry
        try save(steps.x, "one_head_x", "X = embeddings + positional encoding [\(n), \(d)]", words, xLabel: "dimension", context)
        for (name, matrix, what) in [("q", steps.q, "queries Q = X W_q"), ("k", steps.k, "keys K = X W_k"), ("v", steps.v, "values V = X W_v")] {
            try save(matrix, "one_head_\(name)", "\(what) [\(n), \(dk)]", words, xLabel: "dimension of the head", context)
        }
        try save(steps.scores, "one_head_scores", "scores Q Kᵀ [\(n), \(n)]", words, xLabel: "key", keys: true, context)
        try save(steps.scaled, "one_head_scaled", "scaled scores Q Kᵀ / √\(dk) [\(n), \(n)]", words, xLabel: "key", keys: true, context)
        try save(steps.weights, "one_head_weights", "attention weights softmax(Q Kᵀ / √\(dk)) [\(n), \(n)]", words, xLabel: "key",
                 keys: true, range: 0...1, context)
        try save(steps.output, "one_head_output", "output P V [\(n), \(dk)]", words, xLabel: "dimension of the head", context)
        let sums = (0..<n).map { i in (0..<n).reduce(Float(0)) { $0 + steps.weights[i, $1] } }
        let it = hungry.firstIndex(of: "it")!
        let top = (0..<n).max { steps.weights[it, $0] < steps.weights[it, $1] }!
        context.say("""
            Shapes: Q, K, V [\(n), \(dk)]; Q Kᵀ [\(n), \(n)], one score per (query, key) pair; the \
            weights [\(n), \(n)], each row summing to 1 (the rows here sum to between \
            \(format(Double(sums.min()!), 6)) and \(format(Double(sums.max()!), 6))); the output \
            [\(n), \(dk)], each word's new vector a weighted average of the values. Untrained, the head's \
            row for "it" puts its largest weight, \(format(Double(steps.weights[it, top]), 2)), on \
            "\(hungry[top])": nothing yet tells it that "cat" matters.
            """)
    }

    /// The first head of the first layer of `model` on `tokens`, step by step.
    static func oneHead(_ model: ReferentModel, _ tokens: [String]) throws -> OneHeadSteps {
        let encoder = model.encoder, n = tokens.count
        let ids = try model.vocabulary.encode(tokens)
        let d = encoder.configuration.width, dk = d / encoder.configuration.heads
        let embeddings = encoder.embed.weight.value.scalars
        let table = encoder.positions.table.scalars
        let x = try Tensor(shape: [n, d], scalars: (0..<n).flatMap { i in (0..<d).map { embeddings[ids[i] * d + $0] + table[i * d + $0] } })
        let attention = encoder.layers[0].attention
        // W [d_out, d_in] computes y = x Wᵀ; the head's projection is the first D rows, transposed to [d, D].
        func head(_ w: Linear) throws -> Tensor { try w.weight.value.rows(0..<dk).transposed() }
        return try OneHeadSteps(x: x, wq: head(attention.wq), wk: head(attention.wk), wv: head(attention.wv))
    }

    /// A heatmap of `matrix` with the words on its rows (and on its columns when `keys`), and its `.npy`.
    static func save(_ matrix: Tensor, _ name: String, _ title: String, _ words: [String], xLabel: String, keys: Bool = false,
                     range: ClosedRange<Float>? = nil, _ context: LessonContext) throws {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        let largest = matrix.scalars.map(abs).max() ?? 1
        let map = Heatmap(values: matrix.scalars, rows: rows, columns: columns, title: title, xLabel: xLabel, yLabel: "word",
                          xTicks: keys ? .labels(words) : .automatic, yTicks: .labels(words),
                          colormap: range == nil ? .diverging : .sequential, range: range ?? -largest...largest,
                          colorbarLabel: range == nil ? "value" : "attention weight", showValues: columns <= 16)
        try context.save(map, as: name, data: .tensor(matrix))
    }

    // MARK: - Step 3: why 1/√d_k

    static func whyScale(_ context: LessonContext) throws {
        context.section("Why divide by √d_k")
        var generator = context.generator(for: "scaling")
        let widths = [4, 8, 16, 32, 64, 128, 256, 512]
        let samples = context.quick ? 1000 : 4000
        var table = Table(columns: ["d_k", "closed_form_variance", "measured_variance", "measured_variance_scaled"])
        var measured: [Double] = [], scaled: [Double] = []
        for dk in widths {
            let v = ScoreScaling.dotProductVariance(dk: dk, samples: samples, generator: &generator)
            measured.append(v.raw)
            scaled.append(v.scaled)
            try table.append(["\(dk)", "\(dk)", format(v.raw, 3), format(v.scaled, 4)])
        }
        let x = widths.map(Double.init)
        var chart = LineChart(title: "The spread of q·k grows with d_k; dividing by √d_k removes it", xLabel: "d_k (head width)",
                              yLabel: "variance of the score", series: [
                                  Series(name: "closed form: Var(q·k) = d_k", x: x, y: x, style: .dashed, color: Color.series(0)),
                                  Series(name: "measured q·k", x: x, y: measured, symbol: .circle, color: Color.series(0)),
                                  Series(name: "measured q·k / √d_k", x: x, y: scaled, symbol: .square, color: Color.series(1)),
                              ], xScale: .log, yScale: .log)
        chart.legend = .automatic
        try context.save(chart, as: "scaling", data: .table(table))
        var entropy = Table(title: "Mean entropy of a softmax row over 32 random keys (uniform: ln 32 = \(format(log(32.0), 2)) nats)",
                            columns: ["d_k", "entropy_unscaled", "entropy_scaled"])
        var rows: [(Int, Double, Double)] = []
        for dk in [16, 64, 256] {
            let e = ScoreScaling.softmaxEntropy(dk: dk, keys: 32, rows: context.quick ? 100 : 400, generator: &generator)
            rows.append((dk, e.unscaled, e.scaled))
            try entropy.append(["\(dk)", format(e.unscaled, 3), format(e.scaled, 3)])
        }
        try context.show(entropy, as: "scaling_entropy")
        context.say("""
            For q and k with independent entries of variance 1, q·k is a sum of d_k products of \
            variance 1, so its variance is d_k (measured over \(samples) pairs: \
            \(format(measured[4], 1)) at d_k = 64, \(format(measured[6], 1)) at 256). Scores that \
            spread that far push softmax into a corner: at d_k = 256 an unscaled row's entropy is \
            \(format(rows[2].1, 2)) nats — nearly all weight on one key, and gradients near zero for the \
            others — against \(format(rows[2].2, 2)) once divided by √d_k, the same as at d_k = 16 \
            (\(format(rows[0].2, 2))). The scale keeps a head's attention equally soft whatever its width.
            """)
    }

    // MARK: - Step 4: heads

    static func throughTheHeads(_ model: ReferentModel, _ settings: Settings, _ context: LessonContext) throws {
        context.section("Heads")
        let c = model.encoder.configuration
        let (n, d, h) = (hungry.count, c.width, c.heads)
        context.say("""
            A layer does not run one head of width d = \(d) but H = \(h) heads of width d/H = \(d / h): \
            Q, K and V [\(n), \(d)] are cut into \(h) slices [\(h), \(n), \(d / h)], each head attends on \
            its own, and the \(h) outputs [\(n), \(d / h)] are joined back into [\(n), \(d)] and mixed \
            by W_o. The cost is the same as one wide head; what changes is that each head can look \
            somewhere else. Below, every head of every layer of the still untrained model: the \
            patterns are blurred and alike — training is what will give each head a job.
            """)
        let maps = try model.attention(hungry)
        try saveAttentionGallery(maps, tokens: hungry, name: "untrained_gallery",
                                 title: "Untrained model: every head of every layer (rows: query words, columns: keys)", context)
        try saveHeadView(maps.last!, tokens: hungry, name: "untrained_head_view",
                         title: "Untrained model, layer \(maps.count): where each word looks", context)
    }
}
