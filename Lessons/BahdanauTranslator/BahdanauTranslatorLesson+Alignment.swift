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
        let lexicon = Lexicon(corpus)
        for (number, example) in pickAlignmentExamples(results, lexicon).enumerated() {
            try plotAlignment(example, number: number + 1, results, context)
        }
        try checkReorderedPairs(model, results, lexicon, corpus, context)
    }

    // MARK: - Heatmaps

    /// A held-out sentence to draw, and why it was picked.
    struct AlignmentExample {
        let index: Int
        let reason: String
    }

    /// Up to four held-out sentences the attention model translated exactly: the shortest with
    /// a swapped word pair (adjective after noun), the shortest with ne … pas, the shortest with
    /// both, and a long one.
    static func pickAlignmentExamples(_ results: HeldOutResults, _ lexicon: Lexicon) -> [AlignmentExample] {
        let exact = results.pairs.indices.filter { results.isExact(.attention, $0) }
            .sorted { (results.pairs[$0].source.count, $0) < (results.pairs[$1].source.count, $1) }
        func isNegated(_ index: Int) -> Bool {
            let target = results.pairs[index].target
            return target.contains("pas") && (target.contains("ne") || target.contains { $0.hasPrefix("n'") })
        }
        func swaps(_ index: Int) -> Bool { !lexicon.swappedPairs(results.pairs[index]).isEmpty }
        var examples: [AlignmentExample] = []
        func add(_ index: Int?, _ reason: String) {
            guard let index, !examples.contains(where: { $0.index == index }) else { return }
            examples.append(AlignmentExample(index: index, reason: reason))
        }
        add(exact.first { swaps($0) && $0 >= 0 && results.pairs[$0].source.count >= 5 }, "adjective after the noun")
        add(exact.first { isNegated($0) && results.pairs[$0].source.count >= 5 }, "ne … pas around the verb")
        add(exact.first { isNegated($0) && swaps($0) && results.pairs[$0].source.count >= 9 }, "negation and a moved adjective")
        add(exact.last { results.pairs[$0].source.count <= 24 }, "a long sentence")
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

    /// For every held-out pair, the adjacent English words whose translations swap places in
    /// the reference (a b → b' a', as in black cat → chat noir), checked on the attention
    /// model's α with teacher forcing on the reference: does the French word b' attend most to
    /// English b, and a' to a?
    static func checkReorderedPairs(_ model: Translator, _ results: HeldOutResults, _ lexicon: Lexicon,
                                    _ corpus: TranslationCorpus, _ context: LessonContext) throws {
        var pairsFound = 0, firstCorrect = 0, secondCorrect = 0, sentences = 0
        var examples: [String] = []
        for (index, pair) in results.pairs.enumerated() {
            let swaps = lexicon.swappedPairs(pair)
            guard !swaps.isEmpty else { continue }
            sentences += 1
            let attention = try forcedAttention(model, source: results.sources[index], target: corpus.target.encode(pair.target))
            for swap in swaps {
                pairsFound += 1
                let nounRow = attention[swap.target], adjectiveRow = attention[swap.target + 1]
                if argmax(nounRow) == swap.source + 1 { firstCorrect += 1 }
                if argmax(adjectiveRow) == swap.source { secondCorrect += 1 }
                if examples.count < 3 {
                    examples.append("\(pair.source[swap.source]) \(pair.source[swap.source + 1]) → \(pair.target[swap.target]) \(pair.target[swap.target + 1])")
                }
            }
        }
        var table = Table(title: "Swapped word pairs in the held-out references (e.g. \(examples.joined(separator: "; ")))",
                          columns: ["sentences", "swapped pairs", "1st French word attends most to the 2nd English word",
                                    "2nd French word attends most to the 1st English word"],
                          alignments: [.right, .right, .right, .right])
        let share = { (count: Int) in pairsFound == 0 ? "—" : "\(count) (\(format(100 * Double(count) / Double(pairsFound), 1))%)" }
        try table.append(["\(sentences)", "\(pairsFound)", share(firstCorrect), share(secondCorrect)])
        try context.show(table, as: "alignment_check")
        context.say("""
            The swapped pairs are found from the data alone: each French word's English counterpart \
            is the word it co-occurs with most (Dice coefficient over the training pairs), and a pair \
            counts when two neighbours a b appear as b′ a′ in the reference. For \
            \(pairsFound == 0 ? "—" : format(100 * Double(firstCorrect) / Double(pairsFound), 1) + "%") of them the \
            French noun's row of α peaks on the English noun — one word to the right of where a \
            diagonal would put it — and for \
            \(pairsFound == 0 ? "—" : format(100 * Double(secondCorrect) / Double(pairsFound), 1) + "%") the adjective's \
            row peaks back on the English adjective: the alignment follows the words, not the positions.
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

// MARK: - A lexicon from co-occurrence

/// Each French word's most likely English counterpart, learned from the training pairs alone:
/// the English word with the largest Dice coefficient 2·c(e, f) / (c(e) + c(f)), where c counts
/// the sentence pairs a word (or both) occurs in.
struct Lexicon {
    /// English word for each French word.
    let english: [String: String]

    init(_ corpus: TranslationCorpus) {
        let (vs, vt) = (corpus.source.count, corpus.target.count)
        var both = [Int](repeating: 0, count: vs * vt)
        var sourceCount = [Int](repeating: 0, count: vs), targetCount = [Int](repeating: 0, count: vt)
        for pair in corpus.train {
            let s = Set(corpus.source.encode(pair.source)), t = Set(corpus.target.encode(pair.target))
            for e in s { sourceCount[e] += 1 }
            for f in t {
                targetCount[f] += 1
                for e in s { both[e * vt + f] += 1 }
            }
        }
        var english: [String: String] = [:]
        for f in Vocabulary.specialTokens.count..<vt {
            var best = -1.0, bestWord = ""
            for e in Vocabulary.specialTokens.count..<vs where both[e * vt + f] > 0 {
                let dice = 2 * Double(both[e * vt + f]) / Double(sourceCount[e] + targetCount[f])
                if dice > best { (best, bestWord) = (dice, corpus.source.tokens[e]) }
            }
            if best > 0 { english[corpus.target.tokens[f]] = bestWord }
        }
        self.english = english
    }

    /// Positions of adjacent English words a b (at `source`, `source + 1`) whose counterparts
    /// stand in the opposite order b′ a′ (at `target`, `target + 1`) in the reference.
    func swappedPairs(_ pair: TranslationPair) -> [(source: Int, target: Int)] {
        guard pair.source.count >= 2, pair.target.count >= 2 else { return [] }
        var found: [(source: Int, target: Int)] = []
        for p in 0..<(pair.target.count - 1) {
            guard let first = english[pair.target[p]], let second = english[pair.target[p + 1]], first != second else { continue }
            for i in 0..<(pair.source.count - 1) where pair.source[i] == second && pair.source[i + 1] == first {
                found.append((i, p))
                break
            }
        }
        return found
    }
}
