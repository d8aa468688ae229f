// Steps 6-7 and --sentence: the trained heads opened up — where "it" looks in the lecture's two
// sentences, what each head does on average, what the model loses without each head — and the
// lecture's other example, before and after training.
// L = layers, H = heads, N = words.

import Autograd
import Figures
import Foundation
import TensorCore

/// What one head does, averaged over held-out sentences.
struct HeadStatistics {
    /// Mean entropy of a query's row (nats): low = focused on few words.
    var entropy = 0.0
    /// Mean of Σ_j p_ij·|i − j|: how far away (in words) the head looks.
    var distance = 0.0
    /// Mean p_{i, i−1}: the share of attention on the previous word.
    var previous = 0.0

    /// Accumulates one sentence's map (N·N, query-major) into a running mean over `count` maps.
    mutating func add(_ map: [Float], n: Int, count: Int) {
        var entropy = 0.0, distance = 0.0, previous = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let p = Double(map[i * n + j])
                if p > 0 { entropy -= p * log(p) }
                distance += p * Double(abs(i - j))
            }
            if i > 0 { previous += Double(map[i * n + i - 1]) }
        }
        self.entropy += entropy / Double(n) / Double(count)
        self.distance += distance / Double(n) / Double(count)
        self.previous += previous / Double(max(1, n - 1)) / Double(count)
    }
}

/// Where "it" looks in one head: its weight on "cat" and on "milk", with "hungry" (H) and "sweet" (S).
struct ItAttention {
    let layer: Int, head: Int
    let catH: Double, milkH: Double, catS: Double, milkS: Double
}

extension MultiHeadAttentionLesson {
    // MARK: - Step 6

    static func openTheHeads(_ models: ReferentModels, _ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws {
        context.section("Opening the trained heads")
        let model = models.multiHead
        let c = model.encoder.configuration
        let maps = (hungry: try model.attention(hungry), sweet: try model.attention(sweet))
        let rows = try itAttention(model), oneHeadRows = try itAttention(models.oneHead)
        // The several-head model's heads, then the one-head model's: there one head per layer must do every job.
        let names = rows.map { "L\($0.layer) H\($0.head)" } + oneHeadRows.map { "1-head L\($0.layer)" }
        var itData = Table(columns: ["model", "layer", "head", "sentence", "to_cat", "to_milk"])
        for (variant, r) in rows.map({ (Variant.multiHead, $0) }) + oneHeadRows.map({ (Variant.oneHead, $0) }) {
            try itData.append([variant.rawValue, "\(r.layer)", "\(r.head)", "hungry", format(r.catH, 4), format(r.milkH, 4)])
            try itData.append([variant.rawValue, "\(r.layer)", "\(r.head)", "sweet", format(r.catS, 4), format(r.milkS, 4)])
        }
        let all = rows + oneHeadRows
        let bars = BarChart(title: "Attention from \"it\", head by head: \"… it was hungry\" vs \"… it was sweet\"",
                            xLabel: "layer and head", yLabel: "attention weight from \"it\"", categories: names, groups: [
                                .init(name: "hungry: it → cat", values: all.map(\.catH), color: Color.series(0)),
                                .init(name: "hungry: it → milk", values: all.map(\.milkH), color: Color.series(0).withAlpha(110)),
                                .init(name: "sweet: it → cat", values: all.map(\.catS), color: Color.series(1).withAlpha(110)),
                                .init(name: "sweet: it → milk", values: all.map(\.milkS), color: Color.series(1)),
                            ], yRange: 0...1, legend: .outside, width: 1200)
        try context.save(bars, as: "it_attention", data: .table(itData))
        // The head that follows the cat most with "hungry", the one that follows the milk most with
        // "sweet", and the heads whose attention moves from the cat to the milk as the adjective changes.
        let catHead = rows.max { $0.catH - $0.catS < $1.catH - $1.catS }!
        let milkHead = rows.max { $0.milkS - $0.milkH < $1.milkS - $1.milkH }!
        func moves(_ r: ItAttention) -> Bool { r.catH > r.milkH + 0.1 && r.milkS > r.catS + 0.1 }
        func swing(_ r: ItAttention) -> Double { (r.catH - r.milkH) + (r.milkS - r.catS) }
        var text: String
        if let mover = rows.filter(moves).max(by: { swing($0) < swing($1) }) {
            text = """
                The model never read "cat" and "milk" together, yet where "it" looks depends on the \
                adjective. In layer \(mover.layer) head \(mover.head) the attention of "it" moves: to "cat" \
                (\(format(mover.catH, 2)), against \(format(mover.milkH, 2)) on "milk") when the cat is hungry, \
                to "milk" (\(format(mover.milkS, 2)), against \(format(mover.catS, 2)) on "cat") when the milk is sweet.
                """
        } else {
            text = """
                The model never read "cat" and "milk" together, yet where "it" looks depends on the \
                adjective. Layer \(catHead.layer) head \(catHead.head) puts \(format(catHead.catH, 2)) of the \
                attention of "it" on "cat" when the cat is hungry and \(format(catHead.catS, 2)) when the milk \
                is sweet; layer \(milkHead.layer) head \(milkHead.head) puts \(format(milkHead.milkS, 2)) on "milk" \
                when the milk is sweet and \(format(milkHead.milkH, 2)) when the cat is hungry. No single head \
                of this model moves from one noun to the other: the heads split the work.
                """
        }
        let oneHead = oneHeadRows.map { r in
            "layer \(r.layer) puts \(format(r.catH, 2)) on \"cat\" and \(format(r.milkH, 2)) on \"milk\" with \"hungry\", "
                + "\(format(r.catS, 2)) and \(format(r.milkS, 2)) with \"sweet\""
        }
        text += " The one-head model has a single head per layer to do every job: " + oneHead.joined(separator: "; ") + "."
        context.say(text + " it_attention.png shows every head; heads.csv holds the same numbers for the several-head model.")
        for (name, tokens, m) in [("hungry", hungry, maps.hungry), ("sweet", sweet, maps.sweet)] {
            try saveAttentionGallery(m, tokens: tokens, name: "gallery_\(name)",
                                     title: "Trained model: \"… because it was \(name)\", every head of every layer", context)
            try saveHeadView(m.last!, tokens: tokens, name: "head_view_\(name)",
                             title: "Trained model, layer \(c.layers): \"… because it was \(name)\"", context)
        }
        try headStatistics(model, rows: rows, corpus, context)
        try ablateHeads(model, corpus, context)
        try compareHeadCounts(models, context)
    }

    /// Attention from "it" to "cat" and to "milk" in the lecture's two sentences, for every head of `model`.
    static func itAttention(_ model: ReferentModel) throws -> [ItAttention] {
        let it = hungry.firstIndex(of: "it")!, cat = hungry.firstIndex(of: "cat")!, milk = hungry.firstIndex(of: "milk")!
        let n = hungry.count
        let a = try model.attention(hungry), b = try model.attention(sweet)
        return a.indices.flatMap { l in
            a[l].indices.map { h in
                ItAttention(layer: l + 1, head: h + 1, catH: Double(a[l][h][it * n + cat]), milkH: Double(a[l][h][it * n + milk]),
                            catS: Double(b[l][h][it * n + cat]), milkS: Double(b[l][h][it * n + milk]))
            }
        }
    }

    /// `heads.csv` and its chart: entropy, distance and previous-word share of every head, and
    /// where "it" looks in the lecture's sentences.
    static func headStatistics(_ model: ReferentModel, rows: [ItAttention],
                               _ corpus: ReferentCorpus, _ context: LessonContext) throws {
        let c = model.encoder.configuration
        let sample = Array(corpus.heldOut.prefix(context.quick ? 40 : 200))
        var statistics = [[HeadStatistics]](repeating: [HeadStatistics](repeating: HeadStatistics(), count: c.heads), count: c.layers)
        for sentence in sample {
            let maps = try model.attention(sentence.tokens)
            for l in 0..<c.layers { for h in 0..<c.heads { statistics[l][h].add(maps[l][h], n: sentence.tokens.count, count: sample.count) } }
        }
        var table = Table(title: "What each head does, averaged over \(sample.count) held-out sentences",
                          columns: ["layer", "head", "entropy", "mean_distance", "previous_share",
                                    "it_to_cat_hungry", "it_to_milk_hungry", "it_to_cat_sweet", "it_to_milk_sweet"])
        for r in rows {
            let s = statistics[r.layer - 1][r.head - 1]
            try table.append(["\(r.layer)", "\(r.head)", format(s.entropy, 3), format(s.distance, 3), format(s.previous, 3),
                              format(r.catH, 4), format(r.milkH, 4), format(r.catS, 4), format(r.milkS, 4)])
        }
        try context.show(table, as: "heads")
        let flat = statistics.flatMap { $0 }
        let chart = BarChart(title: "Per-head statistics of the trained model (held-out sentences)", xLabel: "layer and head",
                             yLabel: "nats / words / share", categories: rows.map { "L\($0.layer) H\($0.head)" }, groups: [
                                 .init(name: "row entropy (nats)", values: flat.map(\.entropy)),
                                 .init(name: "mean distance (words)", values: flat.map(\.distance)),
                                 .init(name: "share on the previous word", values: flat.map(\.previous)),
                             ], legend: .outside)
        try context.save(chart, as: "heads", data: .table(table))
        context.say("""
            Low entropy means a head looks at few words; a large mean distance, that it looks far \
            away (from "it" back to a noun is 2 to 8 words); a high previous-word share marks a head that \
            mostly reads its left neighbour. On sentences that all share one shape these averages \
            differ less than the heads' roles do; where "it" looks (it_attention.png) and what each head's \
            loss costs (below) tell the heads apart.
            """)
    }

    /// Held-out accuracy with each head silenced in turn (its output multiplied by 0 before W_o).
    static func ablateHeads(_ model: ReferentModel, _ corpus: ReferentCorpus, _ context: LessonContext) throws {
        let c = model.encoder.configuration
        var table = Table(title: "Held-out accuracy with one head silenced", columns: ["layer", "head", "heldout_accuracy"])
        try table.append(["-", "none", format(try model.accuracy(corpus.heldOut), 4)])
        var names: [String] = [], values: [Double] = []
        for (l, layer) in model.encoder.layers.enumerated() {
            for h in 0..<c.heads {
                var mask = [Float](repeating: 1, count: c.heads)
                mask[h] = 0
                layer.attention.headMask = mask
                defer { layer.attention.headMask = nil }
                let accuracy = try model.accuracy(corpus.heldOut)
                names.append("L\(l + 1) H\(h + 1)")
                values.append(accuracy)
                try table.append(["\(l + 1)", "\(h + 1)", format(accuracy, 4)])
            }
        }
        try context.show(table, as: "ablation")
        let chart = BarChart(title: "Held-out accuracy with one head silenced", xLabel: "silenced head", yLabel: "held-out accuracy",
                             categories: names, groups: [.init(name: "accuracy", values: values)], yRange: 0...1,
                             showTotals: true, legend: .hidden)
        try context.save(chart, as: "ablation", data: .table(table))
        let worst = values.indices.min { values[$0] < values[$1] }!
        context.say("""
            Silencing \(names[worst]) hurts most (held-out accuracy \(format(100 * values[worst], 1))%); a \
            head whose loss costs nothing was either redundant or doing something this task does not need.
            """)
    }

    static func compareHeadCounts(_ models: ReferentModels, _ context: LessonContext) throws {
        let heads = models.multiHead.encoder.configuration.heads
        func last(_ v: Variant) -> String {
            guard let loss = models.histories[v]?.validation.last?.loss, let accuracy = models.accuracyCurves[v]?.last?.accuracy else { return "?" }
            return "held-out loss \(format(Double(loss), 4)), accuracy \(format(100 * accuracy, 1))%"
        }
        context.say("""
            One head against several at the same width (loss_curves.png): \(heads) heads end at \
            \(last(.multiHead)); one head of the full width at \(last(.oneHead)). Both have the same \
            parameters; the heads only cut the same Q, K and V into slices that attend separately.
            """)
    }

    // MARK: - Step 7

    static func theBoyAndTheBall(trained: ReferentModel, untrained: ReferentModel, _ context: LessonContext) throws {
        context.section("The lecture's other example")
        let tokens = WordVocabulary.tokenize("The boy is holding a blue ball.")
        let queries = ["ball", "blue", "boy"].map { tokens.firstIndex(of: $0)! }
        let n = tokens.count
        var values: [Float] = [], labels: [String] = []
        for (name, model) in [("untrained", untrained), ("trained", trained)] {
            let last = try model.attention(tokens).last!
            for q in queries {
                labels.append("\(name): \(tokens[q])")
                values += (0..<n).map { j in last.reduce(Float(0)) { $0 + $1[q * n + j] } / Float(last.count) }
            }
        }
        let map = Heatmap(values: values, rows: labels.count, columns: n,
                          title: "\"The boy is holding a blue ball\": last layer, mean over heads",
                          xLabel: "key (attended to)", yLabel: "model: query word", xTicks: .labels(tokens), yTicks: .labels(labels),
                          range: 0...1, colorbarLabel: "attention weight", showValues: true)
        try context.save(map, as: "boy_ball", data: .tensor(try Tensor(shape: [labels.count, n], scalars: values)))
        // Rows 0-2 are the untrained model's, rows 3-5 the trained model's.
        func top(_ row: Int) -> (word: String, weight: Float) {
            let weights = values[(row * n)..<((row + 1) * n)]
            let j = weights.indices.max { weights[$0] < weights[$1] }! - row * n
            return (tokens[j], weights[row * n + j])
        }
        let untrainedPeak = (0..<3).map { top($0).weight }.max()!
        let trainedTops = (3..<6).map { row in "\"\(tokens[queries[row - 3]])\" → \"\(top(row).word)\" (\(format(Double(top(row).weight), 2)))" }
        context.say("""
            "While processing a word, attention lets the model focus on the words related to it": \
            "ball" relates to "blue" and "holding", "blue" not to "boy". Untrained, the rows are close \
            to uniform (no weight above \(format(Double(untrainedPeak), 2)), against 1/\(n) = \(format(1 / Double(n), 2)) \
            for a uniform row). Trained, each row has a favourite: \(trainedTops.joined(separator: ", ")). \
            Keep in mind that this model was trained only to resolve "it" in sentences with a \
            "the <noun> … the <noun>" shape: what its heads look at is whatever served that task. A \
            language model trained on real text learns the relations the lecture describes because \
            predicting words needs them.
            """)
    }

    // MARK: - --sentence

    static func answerSentence(_ tokens: [String], _ corpus: ReferentCorpus, _ settings: Settings, _ context: LessonContext) throws {
        context.section("Loading (or training) the model")
        var models = try makeModels(corpus, settings, context)
        try trainOrReuse(&models, [.multiHead], batches: try trainingBatches(corpus, settings, context), corpus, settings, context)
        context.section("What \"it\" means in your sentence")
        let model = models.multiHead
        let text = tokens.joined(separator: " ")
        let probabilities = try model.candidateProbabilities(try ReferentBatch.single(tokens, corpus.vocabulary))[0]
        var table = Table(columns: ["sentence", "candidate", "probability"])
        for candidate in probabilities { try table.append([text, candidate.noun, format(candidate.probability, 4)]) }
        try context.show(table, as: "referent")
        let maps = try model.attention(tokens)
        try saveAttentionGallery(maps, tokens: tokens, name: "sentence_gallery", title: "\"\(text)\": every head of every layer", context)
        try saveHeadView(maps.last!, tokens: tokens, name: "sentence_head_view", title: "\"\(text)\": layer \(maps.count)", context)
    }
}
