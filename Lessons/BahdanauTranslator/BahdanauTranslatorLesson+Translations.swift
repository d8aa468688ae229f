// Step 3: both models translate every held-out sentence, one word at a time; a few side by side.

import Autograd
import Figures
import Foundation
import TensorCore

/// Every held-out translation of both models.
struct HeldOutResults {
    let pairs: [TranslationPair]
    let sources: [[Int]]
    /// Per model, one translation per held-out pair (greedy, or beam search with --beam N > 1).
    let translations: [Architecture: [Translation]]
    /// The same as words.
    let hypotheses: [Architecture: [[String]]]

    func isExact(_ architecture: Architecture, _ index: Int) -> Bool { hypotheses[architecture]![index] == pairs[index].target }
}

extension BahdanauTranslatorLesson {
    static func translateHeldOutSentences(
        _ models: TrainedTranslators, _ corpus: TranslationCorpus, _ settings: Settings, _ context: LessonContext
    ) throws -> HeldOutResults {
        context.section("Translating held-out sentences, one word at a time")
        let sources = corpus.test.map { corpus.source.encode($0.source) }
        var translations: [Architecture: [Translation]] = [:], hypotheses: [Architecture: [[String]]] = [:]
        var seconds: [String] = []
        for architecture in Architecture.allCases {
            let start = ContinuousClock.now
            translations[architecture] = try translateAll(models[architecture], sources, beam: settings.beam)
            hypotheses[architecture] = translations[architecture]!.map { corpus.target.decode($0.tokens) }
            let elapsed = ContinuousClock.now - start
            seconds.append("\(architecture.title) \(format(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, 2)) s")
        }
        let results = HeldOutResults(pairs: corpus.test, sources: sources, translations: translations, hypotheses: hypotheses)
        let decoding = settings.beam == 1 ? "greedy decoding (the most likely next word, every time)"
            : "beam search with N = \(settings.beam) (length-normalised scores; greedy's translation competes too)"
        context.say("""
            Like a causal language model, the decoder emits one word at a time, each conditioned on \
            the words before it — its own, now: no reference to lean on. Both models translate all \
            \(corpus.test.count) held-out sentences by \(decoding), stopping at <end>.
            """)
        context.say("Decoding time: \(seconds.joined(separator: ", ")).")
        try showSideBySide(results, context)
        try writeAllTranslations(results, context)
        return results
    }

    /// Translations of `sources` in batches of similar length, the halves on two threads.
    static func translateAll(_ model: Translator, _ sources: [[Int]], beam: Int) throws -> [Translation] {
        let order = sources.indices.sorted { (sources[$0].count, $0) < (sources[$1].count, $1) }
        let chunks = stride(from: 0, to: order.count, by: 128).map { Array(order[$0..<min(order.count, $0 + 128)]) }
        var results = [Translation?](repeating: nil, count: sources.count)
        var failure: Error?
        let lock = NSLock()
        // Two interleaved halves of the chunks, so that both threads get short and long sentences.
        Parallel.forEach(chunks: 2) { half in
            do {
                for chunk in chunks.enumerated() where chunk.offset % 2 == half {
                    let greedy = try translateGreedily(model, chunk.element.map { sources[$0] })
                    let chosen = try zip(chunk.element, greedy).map { index, greedy in
                        beam == 1 ? greedy : try translateWithBeam(model, sources[index], width: beam, greedy: greedy)
                    }
                    lock.withLock { for (index, translation) in zip(chunk.element, chosen) { results[index] = translation } }
                }
            } catch {
                lock.withLock { failure = failure ?? error }
            }
        }
        if let failure { throw failure }
        return results.map { $0! }
    }

    /// Held-out sentences of increasing length: the source, the reference and both translations,
    /// one below the other.
    static func showSideBySide(_ results: HeldOutResults, _ context: LessonContext) throws {
        let byLength = results.pairs.indices.sorted { (results.pairs[$0].source.count, $0) < (results.pairs[$1].source.count, $1) }
        let shown = min(6, byLength.count)
        let picked = (0..<shown).map { byLength[$0 * (byLength.count - 1) / max(1, shown - 1)] }
        var table = Table(title: "Held-out sentences of increasing length (✓ = exactly the reference)",
                          columns: ["words", "", "sentence"], alignments: [.right, .left, .left])
        for index in picked {
            let pair = results.pairs[index]
            try table.append(["\(pair.source.count)", "English", pair.source.joined(separator: " ")])
            try table.append(["", "reference", pair.target.joined(separator: " ")])
            for architecture in Architecture.allCases {
                try table.append(["", "\(architecture.shortTitle) \(results.isExact(architecture, index) ? "✓" : "✗")",
                                  results.hypotheses[architecture]![index].joined(separator: " ")])
            }
        }
        try context.show(table, as: "side_by_side", printedRows: table.rows.count)
    }

    /// translations.csv: model, source, reference, hypothesis — every held-out sentence, both models.
    static func writeAllTranslations(_ results: HeldOutResults, _ context: LessonContext) throws {
        var table = Table(columns: ["model", "source", "reference", "hypothesis"])
        for architecture in Architecture.allCases {
            for (index, pair) in results.pairs.enumerated() {
                try table.append([architecture.fileName, pair.source.joined(separator: " "), pair.target.joined(separator: " "),
                                  results.hypotheses[architecture]![index].joined(separator: " ")])
            }
        }
        try context.write(table, as: "translations")
        context.say("Every held-out translation of both models is in translations.csv.")
    }
}
