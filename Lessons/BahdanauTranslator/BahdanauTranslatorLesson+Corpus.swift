// Step 1: the parallel corpus — sample pairs, the special tokens, the splits, sentence lengths.

import Figures
import Foundation
import TensorCore

extension BahdanauTranslatorLesson {
    /// Generates the train / validation / test pairs (no sentence in two splits) and shows them.
    static func buildCorpus(_ settings: Settings, _ context: LessonContext) throws -> TranslationCorpus {
        context.section("The corpus: English → French from a small grammar")
        var generator = context.generator(for: "corpus")
        let corpus = try TranslationCorpus.generate(
            seed: generator.next(), trainCount: settings.trainPairs, validationCount: settings.validationPairs,
            testCount: settings.testPairs, maxSourceLength: settings.maxSourceLength)
        context.say("""
            A grammar writes English sentences and their French translations together, so every \
            pair is a correct translation: adjectives follow the noun in French (the black cat → \
            le chat noir) and agree with its gender and number, negation wraps the verb in two \
            words (does not see → ne voit pas), and clauses join into sentences of up to \
            \(settings.maxSourceLength) words. The vocabularies come from the training split only: \
            \(corpus.source.count) English and \(corpus.target.count) French tokens, special tokens \
            included.
            """)
        try showSamplePairs(corpus, settings, context)
        try showSpecialTokens(corpus, context)
        try showSplits(corpus, context)
        try plotLengthHistogram(corpus, context)
        return corpus
    }

    /// A few training pairs of increasing length.
    static func showSamplePairs(_ corpus: TranslationCorpus, _ settings: Settings, _ context: LessonContext) throws {
        var table = Table(title: "Sample training pairs", columns: ["words", "English", "French"],
                          alignments: [.right, .left, .left])
        var used = Set<Int>()
        for wanted in stride(from: 5, through: settings.maxSourceLength, by: max(1, (settings.maxSourceLength - 5) / 6)) {
            let candidates = corpus.train.indices.filter { !used.contains($0) }
            guard let index = candidates.min(by: { abs(corpus.train[$0].source.count - wanted) < abs(corpus.train[$1].source.count - wanted) })
            else { break }
            used.insert(index)
            let pair = corpus.train[index]
            try table.append(["\(pair.source.count)", pair.source.joined(separator: " "), pair.target.joined(separator: " ")])
        }
        try context.show(table, as: "corpus_sample")
    }

    /// PAD, START, END and UNK: what each is for.
    static func showSpecialTokens(_ corpus: TranslationCorpus, _ context: LessonContext) throws {
        let roles = [
            "fills the end of shorter sentences in a batch; the loss and the attention ignore it",
            "the decoder's first input, before any French word exists",
            "the decoder's last output: the translation is finished",
            "stands for a word the training split never showed",
        ]
        var table = Table(title: "Special tokens (the same ids in both vocabularies)", columns: ["id", "token", "role"],
                          alignments: [.right, .left, .left])
        for (id, token) in Vocabulary.specialTokens.enumerated() {
            try table.append(["\(id)", token, roles[id]])
        }
        try context.show(table, as: "special_tokens")
    }

    /// Pairs and words per split, and how many held-out words the vocabularies do not know.
    static func showSplits(_ corpus: TranslationCorpus, _ context: LessonContext) throws {
        var table = Table(title: "The splits (no sentence appears in two of them)",
                          columns: ["split", "pairs", "English words", "French words", "mean English length",
                                    "unknown English words", "unknown French words"])
        for (name, pairs) in [("train", corpus.train), ("validation", corpus.validation), ("test", corpus.test)] {
            let sourceWords = pairs.reduce(0) { $0 + $1.source.count }, targetWords = pairs.reduce(0) { $0 + $1.target.count }
            let unknownSource = pairs.reduce(0) { $0 + corpus.source.encode($1.source).filter { $0 == Vocabulary.unknown }.count }
            let unknownTarget = pairs.reduce(0) { $0 + corpus.target.encode($1.target).filter { $0 == Vocabulary.unknown }.count }
            try table.append([name, "\(pairs.count)", "\(sourceWords)", "\(targetWords)",
                              format(Double(sourceWords) / Double(max(1, pairs.count)), 1), "\(unknownSource)", "\(unknownTarget)"])
        }
        try context.show(table, as: "splits")
    }

    /// How many training sentences have each length, English and French.
    static func plotLengthHistogram(_ corpus: TranslationCorpus, _ context: LessonContext) throws {
        let longest = corpus.train.map { max($0.source.count, $0.target.count) }.max() ?? 1
        var source = [Double](repeating: 0, count: longest + 1), target = source
        for pair in corpus.train {
            source[pair.source.count] += 1
            target[pair.target.count] += 1
        }
        let shortest = corpus.train.map { min($0.source.count, $0.target.count) }.min() ?? 1
        let lengths = Array(shortest...max(shortest, longest))
        let chart = BarChart(
            title: "Sentence lengths in the training split (\(corpus.train.count) pairs)",
            xLabel: "sentence length (words, final “.” included)", yLabel: "sentences",
            categories: lengths.map(String.init),
            groups: [BarChart.Group(name: "English (source)", values: lengths.map { source[$0] }),
                     BarChart.Group(name: "French (target)", values: lengths.map { target[$0] })])
        var data = Table(columns: ["length", "english_sentences", "french_sentences"])
        for length in lengths { try data.append(["\(length)", "\(Int(source[length]))", "\(Int(target[length]))"]) }
        try context.save(chart, as: "length_histogram", data: .table(data))
        let meanSource = corpus.train.reduce(0.0) { $0 + Double($1.source.count) } / Double(max(1, corpus.train.count))
        let meanTarget = corpus.train.reduce(0.0) { $0 + Double($1.target.count) } / Double(max(1, corpus.train.count))
        context.say("""
            English sentences run from \(corpus.train.map(\.source.count).min() ?? 0) to \
            \(corpus.train.map(\.source.count).max() ?? 0) words (mean \(format(meanSource, 1))); the French ones are \
            a little longer (mean \(format(meanTarget, 1))): the past tense takes two words where \
            English takes one (followed → ont suivi), and so do some negations (is not → n' est pas) \
            and “something” (quelque chose).
            """)
    }
}
