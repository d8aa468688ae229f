// Step 4: where the attention model looks — alignment heatmaps (French words × English words),
// and a measured check that they follow the word order where it changes.
// S = source words, T = target words.

import Autograd
import Figures
import Foundation
import TensorCore

extension BahdanauTranslatorLesson {
    static func showAlignments(_ model: Translator, _ results: HeldOutResults, _ corpus: TranslationCorpus,
                               _ context: LessonContext) throws {
        context.section("Where the attention model looks: alignments")
        context.say("""
            For every French word it writes, the Bahdanau decoder spreads a weight α over the \
            English words (each row sums to 1). Plotted as a matrix, mostly-monotone translation \
            gives a diagonal; where French changes the order, the bright cells leave the diagonal.
            """)
        for (number, example) in pickAlignmentExamples(results).enumerated() {
            try plotAlignment(example, number: number + 1, results, context)
        }
        try checkReorderedPairs(model, results, corpus, context)
    }

    // MARK: - Heatmaps

    /// A held-out sentence to draw, and why it was picked.
    struct AlignmentExample {
        let index: Int
        let reason: String
    }

    /// Four held-out sentences: the lecture's example, the shortest with an adjective that
    /// moves behind its noun, the shortest with ne … pas, and a long one with both — each
    /// preferably one the attention model translated exactly.
    static func pickAlignmentExamples(_ results: HeldOutResults) -> [AlignmentExample] {
        let byLength = results.pairs.indices.sorted { (results.pairs[$0].source.count, $0) < (results.pairs[$1].source.count, $1) }
        let exactFirst = byLength.filter { results.isExact(.attention, $0) } + byLength.filter { !results.isExact(.attention, $0) }
        func isNegated(_ index: Int) -> Bool {
            let target = results.pairs[index].target
            return target.contains("pas") && target.contains { $0 == "ne" || $0 == "n'" }
        }
        func reorders(_ index: Int) -> Bool { !ReorderedPair.all(in: results.pairs[index]).isEmpty }
        var examples: [AlignmentExample] = []
        func add(_ index: Int?, _ reason: String) {
            guard let index, !examples.contains(where: { $0.index == index }) else { return }
            examples.append(AlignmentExample(index: index, reason: reason))
        }
        if let lecture = results.pairs.firstIndex(of: TranslationPair(lectureExample)) { add(lecture, "the lecture's example") }
        add(exactFirst.first { reorders($0) && results.pairs[$0].source.count >= 6 }, "an adjective moves behind its noun")
        add(exactFirst.first { isNegated($0) && results.pairs[$0].source.count >= 6 }, "ne … pas around the verb")
        add(exactFirst.first { isNegated($0) && reorders($0) && results.pairs[$0].source.count >= 14 }, "a long sentence with both")
        for index in exactFirst.reversed() where examples.count < 4 { add(index, "a long sentence") }
        return examples
    }

    /// The attention model's α for its own translation of one sentence, rows = French words
    /// (and <end>), columns = English words.
    static func plotAlignment(_ example: AlignmentExample, number: Int, _ results: HeldOutResults, _ context: LessonContext) throws {
        let pair = results.pairs[example.index]
        let translation = results.translations[.attention]![example.index]
        let rows = translation.attention.count, columns = pair.source.count
        let rowLabels = results.hypotheses[.attention]![example.index] + (translation.finished ? ["<end>"] : [])
        guard rows == rowLabels.count, rows > 0 else { return }
        let values = translation.attention.flatMap { $0 }
        let matrix = try Tensor(shape: [rows, columns], scalars: values)
        var heatmap = Heatmap(values: values, rows: rows, columns: columns)
        heatmap.title = "Attention weights α: \(example.reason) (\(columns) English words)"
        heatmap.xLabel = "English (source) word"
        heatmap.yLabel = "French word written"
        heatmap.xTicks = .labels(pair.source)
        heatmap.yTicks = .labels(rowLabels)
        heatmap.range = 0...1
        heatmap.showValues = false
        heatmap.colorbarLabel = "α (each row sums to 1)"
        try context.save(heatmap, as: "alignment_\(number)", data: .tensor(matrix))
        context.say("""
            \(number). \(example.reason): “\(pair.source.joined(separator: " "))” → \
            “\(rowLabels.joined(separator: " "))”.
            """)
    }

    // MARK: - The reordering check

    /// For every adjective–noun pair of the held-out references that French reorders (the black
    /// cat → le chat noir), with teacher forcing on the reference: does the French noun's row of
    /// α peak on the English noun, and the French adjective's on the English adjective?
    static func checkReorderedPairs(_ model: Translator, _ results: HeldOutResults, _ corpus: TranslationCorpus,
                                    _ context: LessonContext) throws {
        var found = 0, nounsRight = 0, adjectivesRight = 0, sentences = 0
        var examples: [String] = []
        for (index, pair) in results.pairs.enumerated() {
            let reordered = ReorderedPair.all(in: pair)
            guard !reordered.isEmpty else { continue }
            sentences += 1
            let attention = try forcedAttention(model, source: results.sources[index], target: corpus.target.encode(pair.target))
            for swap in reordered {
                found += 1
                if argmax(attention[swap.frenchNoun]) == swap.englishNoun { nounsRight += 1 }
                if argmax(attention[swap.frenchAdjective]) == swap.englishAdjective { adjectivesRight += 1 }
                if examples.count < 3 {
                    examples.append("\(pair.source[swap.englishAdjective]) \(pair.source[swap.englishNoun]) → "
                                    + "\(pair.target[swap.frenchNoun]) \(pair.target[swap.frenchAdjective])")
                }
            }
        }
        let percent = { (count: Int) in found == 0 ? "—" : format(100 * Double(count) / Double(found), 1) + "%" }
        var table = Table(title: "Adjective–noun pairs that French reorders, in the held-out references (\(examples.joined(separator: "; ")))",
                          columns: ["sentences", "pairs", "French noun attends most to the English noun",
                                    "French adjective attends most to the English adjective"],
                          alignments: [.right, .right, .right, .right])
        try table.append(["\(sentences)", "\(found)", "\(nounsRight) (\(percent(nounsRight)))", "\(adjectivesRight) (\(percent(adjectivesRight)))"])
        try context.show(table, as: "alignment_check")
        context.say("""
            The check reads the attention model's α with teacher forcing on each reference \
            translation. For \(percent(nounsRight)) of the \(found) pairs the French noun's row peaks on \
            the English noun — one word to the right of where a diagonal would put it — and for \
            \(percent(adjectivesRight)) the adjective's row peaks back on the English adjective: the \
            alignment follows the words, not their positions.
            """)
    }

    /// α for every word of `target` and END, with teacher forcing: [T + 1][S].
    static func forcedAttention(_ model: Translator, source: [Int], target: [Int]) throws -> [[Float]] {
        try evaluating {
            let batch = TrainingBatch(sources: [source], targets: [target])
            let memory = try model.encode(batch.sources)
            var state = memory.initialState
            var rows: [[Float]] = []
            for time in 0..<batch.steps {
                let step = try model.step(previous: [batch.decoderInputs[time]], state: state, memory: memory)
                rows.append(step.attention?.scalars ?? [])
                state = step.state
            }
            return rows
        }
    }

    static func argmax(_ values: [Float]) -> Int {
        values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) } ?? 0
    }
}

// MARK: - Adjective–noun pairs

/// An English adjective–noun pair whose French translation puts the noun first
/// (the black cat → le chat noir): word positions on both sides.
struct ReorderedPair: Equatable {
    let englishAdjective: Int, englishNoun: Int
    let frenchNoun: Int, frenchAdjective: Int

    /// Every such pair of a sentence pair, found with the grammar's lexicon: an adjective that
    /// French puts after the noun, directly before an English noun, whose French form is
    /// directly followed by one of the adjective's French forms (the same occurrence of the noun
    /// on both sides).
    static func all(in pair: TranslationPair) -> [ReorderedPair] {
        var found: [ReorderedPair] = []
        for i in 0..<max(0, pair.source.count - 1) {
            guard let adjective = postnominal[pair.source[i]], let french = nounInFrench[pair.source[i + 1]] else { continue }
            let occurrence = pair.source[..<(i + 1)].filter { $0 == pair.source[i + 1] }.count
            let places = pair.target.indices.filter { pair.target[$0] == french }
            guard occurrence < places.count else { continue }
            let p = places[occurrence]
            if p + 1 < pair.target.count, adjective.french.contains(pair.target[p + 1]) {
                found.append(ReorderedPair(englishAdjective: i, englishNoun: i + 1, frenchNoun: p, frenchAdjective: p + 1))
            }
        }
        return found
    }

    static let postnominal = Dictionary(Lexicon.adjectives.filter { !$0.prenominal }.map { ($0.english, $0) }, uniquingKeysWith: { a, _ in a })
    /// English noun form → French noun form (singular → singular, plural → plural).
    static let nounInFrench = Dictionary(Lexicon.nouns.flatMap { [($0.english, $0.french), ($0.englishPlural, $0.frenchPlural)] },
                                         uniquingKeysWith: { a, _ in a })
}
