// Steps 6 to 8: the next sentence from the seq2seq model, text from the CLM, and what each
// model's last layer attended to; then the summary, and the one-question modes (--score, --fill,
// --generate).
// B = batch, H = heads, N = query positions, M = key positions, V = vocabulary.

import Autograd
import Figures
import Foundation
import TensorCore

extension LanguageModelingLesson {
    // MARK: - Step 6: the next sentence

    /// Greedy decoding: the decoder's most probable word at each step, until [EOS] or `maxLength`.
    /// - Parameter sources: ids of each first sentence (without [EOS]).
    /// - Returns: the generated ids of each, without [BOS]/[EOS].
    static func greedyNextSentences(_ model: TransformerEncoderDecoder, _ sources: [[Int]], maxLength: Int = 16) throws -> [[Int]] {
        try evaluating {
            let padded = PaddedBatch.pad(sources.map { $0 + [WordVocabulary.eos] })
            let memory = try model.encode(padded.ids, shape: padded.shape, lengths: padded.lengths)
            var outputs = [[Int]](repeating: [], count: sources.count), done = [Bool](repeating: false, count: sources.count)
            for step in 0..<maxLength where done.contains(false) {
                let inputs = outputs.map { [WordVocabulary.bos] + $0 + [Int](repeating: WordVocabulary.pad, count: step - $0.count) }
                let logits = try model.decode(inputs.flatMap { $0 }, shape: [sources.count, step + 1], memory: memory,
                                              sourceLengths: padded.lengths).value            // [B, step+1, V]
                let v = logits.shape[2]
                logits.withUnsafeBufferPointer { p in
                    for b in sources.indices where !done[b] {
                        let row = p.baseAddress! + (b * (step + 1) + step) * v
                        let best = (0..<v).max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
                        if best == WordVocabulary.eos { done[b] = true } else { outputs[b].append(best) }
                    }
                }
            }
            return outputs
        }
    }

    static func writeNextSentences(_ model: TransformerEncoderDecoder, _ corpus: StoryCorpus, _ settings: Settings,
                                   _ context: LessonContext) throws -> Double {
        context.section("What is the next sentence: the encoder-decoder")
        let vocabulary = corpus.vocabulary
        var generated: [[Int]] = []
        for start in stride(from: 0, to: corpus.test.count, by: 64) {
            let part = corpus.test[start..<min(start + 64, corpus.test.count)]
            generated += try greedyNextSentences(model, try part.map { try vocabulary.encode($0.first) })
        }
        var all = Table(columns: ["first_sentence", "reference", "generated", "exact"])
        var exact = 0
        for (story, ids) in zip(corpus.test, generated) {
            let text = vocabulary.decode(ids).joined(separator: " "), reference = story.next.joined(separator: " ")
            if text == reference { exact += 1 }
            try all.append([story.first.joined(separator: " "), reference, text, text == reference ? "1" : "0"])
        }
        let rate = Double(exact) / Double(max(1, corpus.test.count))
        var shown = try Table(title: "Held-out first sentences, the reference next sentence and the model's",
                              columns: all.columns, rows: Array(all.rows.prefix(8)))
        shown.title = shown.title.map { $0 + " (8 of \(all.rows.count); all in next_sentence.csv)" }
        try context.show(shown, as: "next_sentence_sample")
        try context.write(all, as: "next_sentence")
        context.say("""
            Exact match on \(corpus.test.count) held-out stories: \(format(100 * rate, 1))% (greedy \
            decoding). The first sentence decides the next one in this world (the animal that raised \
            the alarm is the one they follow, the country named is the one visited), so the decoder \
            must copy the right word from the source through cross-attention, past any fillers.
            """)
        return rate
    }

    // MARK: - Step 7: generation

    /// Continues `prompt` with the CLM until [EOS] or `maxLength` words: greedy (`topK` = 1) or
    /// sampled from the `topK` most probable words at `temperature`.
    static func continueText(_ clm: CausalLanguageModel, prompt: [Int], topK: Int, temperature: Float, maxLength: Int = 30,
                             generator: inout SeededGenerator) throws -> [Int] {
        var ids = prompt
        while ids.count < min(maxLength, clm.configuration.context - 1) {
            let p = try nextWordDistribution(clm, prefix: ids)
            let ranked = p.indices.filter { $0 != WordVocabulary.pad && $0 != WordVocabulary.mask }
                .sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.prefix(topK)
            var next = ranked.first!
            if topK > 1 {
                // p^(1/T), renormalised over the top k.
                let weights = ranked.map { pow(Double(max(p[$0], 1e-30)), 1 / Double(temperature)) }
                var u = uniform(&generator) * weights.reduce(0, +)
                for (id, w) in zip(ranked, weights) { u -= w; next = id; if u <= 0 { break } }
            }
            if next == WordVocabulary.eos { break }
            ids.append(next)
        }
        return ids
    }

    static let prompts = ["the dog", "japan is", "it was", "the cat that lived on the farm"]

    static func generateText(_ clm: CausalLanguageModel, _ corpus: StoryCorpus, _ context: LessonContext) throws {
        context.section("Writing with the causal model")
        var generator = context.generator(for: "generation")
        let table = try generationTable(clm, prompts: prompts, corpus.vocabulary, generator: &generator)
        try context.show(table, as: "generation")
        context.say("""
            Greedy decoding takes the most probable word every time and so always writes the same \
            continuation; sampling at temperature 0.8 from the 5 most probable words (seeded, so the \
            same seed writes the same text) tells other stories of the same world.
            """)
    }

    static func generationTable(_ clm: CausalLanguageModel, prompts: [String], _ vocabulary: WordVocabulary,
                                generator: inout SeededGenerator) throws -> Table {
        var table = Table(columns: ["prompt", "method", "text"])
        for prompt in prompts {
            let ids = try vocabulary.encode(WordVocabulary.tokenize(prompt))
            let greedy = try continueText(clm, prompt: ids, topK: 1, temperature: 1, generator: &generator)
            try table.append([prompt, "greedy", vocabulary.decode(greedy).joined(separator: " ")])
            for _ in 0..<2 {
                let sampled = try continueText(clm, prompt: ids, topK: 5, temperature: 0.8, generator: &generator)
                try table.append([prompt, "top-5, T = 0.8", vocabulary.decode(sampled).joined(separator: " ")])
            }
        }
        return table
    }

    // MARK: - Step 8: attention

    static func showAttention(_ models: LanguageModels, _ corpus: StoryCorpus, _ context: LessonContext) throws {
        context.section("What attention looked at")
        let story = StoryWorld.alarm(0, fillers: [])
        let vocabulary = corpus.vocabulary
        let ids = try vocabulary.encode(story.first)
        // CLM: [BOS] sentence, causal.
        let clmLayer = models.clm.layers.last!.attention
        clmLayer.recordsProbabilities = true
        defer { clmLayer.recordsProbabilities = false }
        _ = try evaluating { try models.clm([WordVocabulary.bos] + ids, shape: [1, ids.count + 1]) }
        let clmTokens = ["[BOS]"] + story.first
        try saveAttentionHeatmaps(clmLayer.lastProbabilities!, queries: clmTokens, keys: clmTokens, name: "clm",
                          title: "CLM, last layer", context)
        // MLM: [BOS] sentence [EOS], full.
        let mlmLayer = models.mlm.layers.last!.attention
        mlmLayer.recordsProbabilities = true
        defer { mlmLayer.recordsProbabilities = false }
        let mlmTokens = ["[BOS]"] + story.first + ["[EOS]"]
        _ = try evaluating { try models.mlm(try vocabulary.encode(mlmTokens), shape: [1, mlmTokens.count]) }
        try saveAttentionHeatmaps(mlmLayer.lastProbabilities!, queries: mlmTokens, keys: mlmTokens, name: "mlm",
                          title: "MLM, last layer", context)
        // Seq2seq: the last decoder layer's cross-attention, from the next sentence to the first.
        let cross = models.seq2seq.decoder.last!.crossAttention
        cross.recordsProbabilities = true
        defer { cross.recordsProbabilities = false }
        let source = story.first + ["[EOS]"], target = ["[BOS]"] + story.next
        _ = try evaluating {
            let memory = try models.seq2seq.encode(try vocabulary.encode(source), shape: [1, source.count])
            return try models.seq2seq.decode(try vocabulary.encode(target), shape: [1, target.count], memory: memory)
        }
        try saveAttentionHeatmaps(cross.lastProbabilities!, queries: target, keys: source, name: "seq2seq",
                          title: "Seq2seq, last decoder layer's cross-attention", context)
        context.say("""
            Each model gets two heatmaps: the mean over its heads, and the head whose rows are most \
            concentrated (lowest mean entropy). The CLM's is a lower triangle: nothing above the \
            diagonal, because no word may look ahead. The MLM's rows spread over the whole sentence. \
            In the seq2seq model's cross-attention, the row of "the" before "dog" in the next sentence \
            should point at "dog" in the first: that is where the word it must write comes from.
            """)
    }

    // MARK: - Summary

    static func summarise(scores: [ScoredSentence], fills: [BlankGuess], longRange: LongRangeResult, exactMatch: Double,
                          _ context: LessonContext) throws {
        context.section("Summary")
        var table = Table(title: "What was measured", columns: ["measure", "value"])
        for s in scores.prefix(2) { try table.append(["CLM total log-probability of \"\(s.text)\"", format(s.total, 2)]) }
        for guess in fills where guess.model == "mlm" {
            if let top = guess.top.first { try table.append(["MLM top-1 for \"\(guess.sentence)\"", "\(top.token) (\(format(top.probability, 2)))"]) }
        }
        for model in ["clm", "mlm", "trigram"] {
            for k in [0, 10, 20] {
                if let p = longRange.p(model, k) { try table.append(["\(model) p(right sound) at \(k) fillers", format(p, 3)]) }
            }
        }
        try table.append(["seq2seq exact match of the next sentence", format(100 * exactMatch, 1) + "%"])
        try context.show(table, as: "summary")
    }

    // MARK: - One question: --score, --fill, --generate

    static func answerQuestions(_ options: Options, _ corpus: StoryCorpus, _ settings: Settings, _ context: LessonContext) throws {
        context.section("Loading (or training) the models")
        var models = try makeModels(corpus, settings, context)
        let batches = trainingBatches(corpus, settings, context)
        var needed: [Objective] = []
        if options.score != nil || options.generate != nil { needed.append(.clm) }
        if options.fill != nil { needed.append(.mlm) }
        try trainOrReuse(&models, needed, batches: batches, corpus, settings, context)
        let vocabulary = corpus.vocabulary
        if let text = options.score {
            context.section("Scoring a sentence with the CLM")
            let tokens = WordVocabulary.tokenize(text)
            let logP = try logProbabilities(models.clm, tokens, vocabulary)
            var csv = Table(columns: ["model", "sentence", "position", "token", "logprob"])
            for (index, (token, value)) in zip(tokens, logP).enumerated() {
                try csv.append(["clm", text, "\(index + 1)", token, format(value, 4)])
            }
            try context.show(csv, as: "score")
            let total = logP.reduce(0, +)
            context.say("Total log-probability \(format(total, 2)) nats over \(tokens.count) words (perplexity \(format(exp(-total / Double(tokens.count)), 1))).")
        }
        if let text = options.fill {
            context.section("Filling the blank with the MLM")
            let ids = try vocabulary.encode(WordVocabulary.tokenize(text))
            var csv = Table(columns: ["model", "sentence", "rank", "token", "probability"])
            for (rank, word) in topWords(try blankDistribution(models.mlm, ids: ids), vocabulary).enumerated() {
                try csv.append(["mlm", text, "\(rank + 1)", word.token, format(word.probability, 4)])
            }
            try context.show(csv, as: "fill")
        }
        if let prompt = options.generate {
            context.section("Continuing the prompt with the CLM")
            var generator = context.generator(for: "generation")
            try context.show(try generationTable(models.clm, prompts: [prompt], vocabulary, generator: &generator), as: "generate")
        }
    }
}
