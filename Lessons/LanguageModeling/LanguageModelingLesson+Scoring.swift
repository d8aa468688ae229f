// Steps 3 and 4: how probable the CLM finds a sentence, word by word; and which words the MLM
// (both sides) and the CLM (left side only) put in a blank.
// N = positions, V = vocabulary.

import Autograd
import Figures
import Foundation
import TensorCore

/// One scored sentence: its tokens and log p(token | the tokens before it).
struct ScoredSentence {
    let text: String, tokens: [String], logProbabilities: [Double]
    var total: Double { logProbabilities.reduce(0, +) }
    /// exp(−mean log-probability): the number of equally likely words the model hesitates between.
    var perplexity: Double { exp(-total / Double(max(1, logProbabilities.count))) }
}

/// The top words a model puts in one blank.
struct BlankGuess {
    let model: String, sentence: String
    let top: [(token: String, probability: Double)]
}

extension LanguageModelingLesson {
    // MARK: - The models as functions

    /// log p(tᵢ | [BOS] t₁ … tᵢ₋₁) for every token of `tokens`, under the CLM.
    static func logProbabilities(_ clm: CausalLanguageModel, _ tokens: [String], _ vocabulary: WordVocabulary) throws -> [Double] {
        let ids = try vocabulary.encode(tokens)
        let input = [WordVocabulary.bos] + ids
        let logP = try evaluating { try clm(input, shape: [1, input.count]).value.logSoftmax() }   // [1, N, V]
        let v = vocabulary.count
        return logP.withUnsafeBufferPointer { p in ids.enumerated().map { Double(p[$0.offset * v + $0.element]) } }
    }

    /// p(next word | [BOS] prefix) under the CLM, over the whole vocabulary.
    static func nextWordDistribution(_ clm: CausalLanguageModel, prefix: [Int]) throws -> [Float] {
        let input = [WordVocabulary.bos] + prefix
        let p = try evaluating { try clm(input, shape: [1, input.count]).value.softmax() }   // [1, N, V]
        let v = p.shape[2]
        return Array(p.scalars[(input.count - 1) * v ..< input.count * v])
    }

    /// p(word at the [MASK] | everything else) under the MLM, over the whole vocabulary.
    static func blankDistribution(_ mlm: TransformerEncoderModel, ids: [Int]) throws -> [Float] {
        let input = [WordVocabulary.bos] + ids + [WordVocabulary.eos]
        guard let blank = input.firstIndex(of: WordVocabulary.mask) else { throw LessonError("the text has no [MASK]") }
        let p = try evaluating { try mlm(input, shape: [1, input.count]).value.softmax() }
        let v = p.shape[2]
        return Array(p.scalars[blank * v ..< (blank + 1) * v])
    }

    /// The `count` most probable words (special tokens left out), ties by id.
    static func topWords(_ distribution: [Float], _ vocabulary: WordVocabulary, count: Int = 5) -> [(token: String, probability: Double)] {
        distribution.indices.dropFirst(vocabulary.firstWord)
            .sorted { distribution[$0] != distribution[$1] ? distribution[$0] > distribution[$1] : $0 < $1 }
            .prefix(count).map { (vocabulary.tokens[$0], Double(distribution[$0])) }
    }

    // MARK: - Step 3: scoring sentences

    static let lectureSentences = ["Japan is the home of cherry blossoms.", "Food polar charger human"]
    static let moreSentences = [
        "The dog told them something was amiss by barking urgently.",
        "The cat told them something was amiss by meowing urgently.",
        "The cat told them something was amiss by barking urgently.",
        "Blossoms cherry of home the is Japan.",
    ]

    static func scoreSentences(_ clm: CausalLanguageModel, _ corpus: StoryCorpus, _ context: LessonContext) throws -> [ScoredSentence] {
        context.section("Scoring sentences with the causal model")
        context.say("""
            A causal model gives every sentence a probability, one factor per word: \
            log p(sentence) = Σᵢ log p(wordᵢ | the words before it). A sentence the model's world \
            makes sense of gets a high total; a heap of known words in no order gets a very low one.
            """)
        let scored = try (lectureSentences + moreSentences).map { text -> ScoredSentence in
            let tokens = WordVocabulary.tokenize(text)
            return ScoredSentence(text: text, tokens: tokens, logProbabilities: try logProbabilities(clm, tokens, corpus.vocabulary))
        }
        var csv = Table(columns: ["model", "sentence", "position", "token", "logprob"])
        var table = Table(title: "Log-probability under the CLM (natural log)", columns: ["sentence", "words", "total", "per word", "perplexity"])
        for sentence in scored {
            for (index, (token, logP)) in zip(sentence.tokens, sentence.logProbabilities).enumerated() {
                try csv.append(["clm", sentence.text, "\(index + 1)", token, format(logP, 4)])
            }
            try table.append([sentence.text, "\(sentence.tokens.count)", format(sentence.total, 2),
                              format(sentence.total / Double(sentence.tokens.count), 2), format(sentence.perplexity, 1)])
        }
        try context.show(table, as: "sentence_totals")
        let (good, bad) = (scored[0], scored[1])
        // One bar per position, a group per lecture sentence; each category names both words.
        let positions = max(good.tokens.count, bad.tokens.count)
        let categories = (0..<positions).map { i in
            [good.tokens, bad.tokens].map { i < $0.count ? $0[i] : "–" }.joined(separator: " / ")
        }
        let chart = BarChart(title: "log p(word | words before) under the CLM", xLabel: "position: word of sentence 1 / of sentence 2",
                             yLabel: "log-probability (nats)", categories: categories,
                             groups: [good, bad].enumerated().map { index, s in
                                 BarChart.Group(name: "\(s.text) (total \(format(s.total, 1)))",
                                                values: (0..<positions).map { $0 < s.logProbabilities.count ? s.logProbabilities[$0] : 0 },
                                                color: Color.series(index))
                             })
        try context.save(chart, as: "sentence_scores", data: .table(csv))
        context.say("""
            "\(good.text)" totals \(format(good.total, 2)) nats and "\(bad.text)" \(format(bad.total, 2)): \
            the first is e^\(format(good.total - bad.total, 1)) times as probable. Every word of the \
            second is in the vocabulary; what the model lacks is any story in which they follow each \
            other. In the bars, each word of the first sentence is close to certain once its \
            predecessors are known, while each word of the second is a surprise.
            """)
        return scored
    }

    // MARK: - Step 4: filling blanks

    static let blankSentences = [
        "The [MASK] told them something was amiss by barking urgently.",
        "The dog told them something was amiss by [MASK] urgently.",
        "The [MASK] told them something was amiss by meowing urgently.",
        "The cat told them something was amiss by [MASK] urgently.",
    ]

    static func fillBlanks(_ models: LanguageModels, _ corpus: StoryCorpus, _ context: LessonContext) throws -> [BlankGuess] {
        context.section("Filling blanks: the masked model sees both sides")
        context.say("""
            The MLM reads the whole sentence with the blank as [MASK] and spreads probability over the \
            words that fit. The CLM, asked at the same place, only knows the words before the blank: \
            for "The [MASK] told them …" that is just "The", so it can only guess what usually comes \
            first, while the MLM reads "barking" further right.
            """)
        var guesses: [BlankGuess] = []
        var csv = Table(columns: ["model", "sentence", "rank", "token", "probability"])
        var table = Table(title: "Top words for the blank", columns: ["sentence", "MLM top-5", "CLM top-5 (left context only)"])
        for (index, sentence) in blankSentences.enumerated() {
            let tokens = WordVocabulary.tokenize(sentence)
            let ids = try corpus.vocabulary.encode(tokens)
            let blank = ids.firstIndex(of: WordVocabulary.mask)!
            let mlm = try blankDistribution(models.mlm, ids: ids)
            let clm = try nextWordDistribution(models.clm, prefix: Array(ids[..<blank]))
            let pair = [BlankGuess(model: "mlm", sentence: sentence, top: topWords(mlm, corpus.vocabulary)),
                        BlankGuess(model: "clm", sentence: sentence, top: topWords(clm, corpus.vocabulary))]
            for guess in pair {
                for (rank, word) in guess.top.enumerated() {
                    try csv.append([guess.model, sentence, "\(rank + 1)", word.token, format(word.probability, 4)])
                }
            }
            func listed(_ g: BlankGuess) -> String { g.top.map { "\($0.token) \(format($0.probability, 2))" }.joined(separator: ", ") }
            try table.append([sentence, listed(pair[0]), listed(pair[1])])
            guesses += pair
            if index < 2 {
                // The words either model ranks in its top 5, with both models' probabilities.
                var words: [String] = []
                for word in pair.flatMap({ $0.top.map(\.token) }) where !words.contains(word) { words.append(word) }
                let wordIds = words.map { corpus.vocabulary.id($0)! }
                var data = Table(columns: ["token", "mlm_probability", "clm_probability"])
                for (word, id) in zip(words, wordIds) { try data.append([word, format(mlm[id], 4), format(clm[id], 4)]) }
                let chart = BarChart(title: "\"\(sentence)\": p(word in the blank)", xLabel: "word", yLabel: "probability",
                                     categories: words,
                                     groups: [BarChart.Group(name: "MLM (both sides)", values: wordIds.map { Double(mlm[$0]) }, color: Color.series(1)),
                                              BarChart.Group(name: "CLM (left side only)", values: wordIds.map { Double(clm[$0]) }, color: Color.series(0))],
                                     yRange: 0...1)
                try context.save(chart, as: "fill_blank_\(index + 1)", data: .table(data))
            }
        }
        try context.show(table, as: "fill_blank_top5")
        try context.write(csv, as: "fill_blank")
        return guesses
    }
}
