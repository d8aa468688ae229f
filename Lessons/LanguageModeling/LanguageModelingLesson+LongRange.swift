// Step 5: a long-range dependency. "The dog … told them something was amiss by ___": the word
// in the blank depends on the animal, however many words stand between them.
// C = cases (animals × draws), N = positions, V = vocabulary.

import Autograd
import Figures
import Foundation
import TensorCore

/// p_correct of each model at each filler count.
struct LongRangeResult {
    var rows: [(model: String, fillers: Int, pCorrect: Double)] = []
    func p(_ model: String, _ fillers: Int) -> Double? { rows.first { $0.model == model && $0.fillers == fillers }?.pCorrect }
}

extension LanguageModelingLesson {
    static func measureLongRange(_ models: LanguageModels, _ corpus: StoryCorpus, _ settings: Settings,
                                 _ context: LessonContext) throws -> LongRangeResult {
        context.section("A long-range dependency: the sound word after \"amiss by\"")
        let vocabulary = corpus.vocabulary
        let trainSentences = Set(corpus.train.map(\.first))
        let trigram = TrigramModel(sentences: try corpus.train.map { try vocabulary.encode($0.tokens) })
        var generator = context.generator(for: "long-range")
        var result = LongRangeResult()
        var heldOutEverywhere = true
        for k in settings.fillerCounts {
            // Held-out cases: every animal, a few filler draws each, sentences never seen in training
            // (at 0 fillers there is one sentence per animal, and training has seen it).
            var cases: [(sentence: [String], sound: String)] = []
            for (animal, entry) in StoryWorld.animals.enumerated() {
                for _ in 0..<settings.casesPerAnimal {
                    var story = StoryWorld.alarm(animal, fillers: StoryWorld.fillerWords(k, generator: &generator))
                    for _ in 0..<20 where trainSentences.contains(story.first) {
                        story = StoryWorld.alarm(animal, fillers: StoryWorld.fillerWords(k, generator: &generator))
                    }
                    if trainSentences.contains(story.first) { heldOutEverywhere = k == 0 ? heldOutEverywhere : false }
                    cases.append((story.first, entry.sound))
                }
            }
            var clm = 0.0, mlm = 0.0, ngram = 0.0
            for (sentence, sound) in cases {
                let ids = try vocabulary.encode(sentence)
                let blank = sentence.firstIndex(of: sound)!, soundId = vocabulary.id(sound)!
                clm += Double(try nextWordDistribution(models.clm, prefix: Array(ids[..<blank]))[soundId])
                var masked = ids
                masked[blank] = WordVocabulary.mask
                mlm += Double(try blankDistribution(models.mlm, ids: masked)[soundId])
                ngram += trigram.probability(of: soundId, after: ids[blank - 2], ids[blank - 1])
            }
            let n = Double(cases.count)
            result.rows += [("clm", k, clm / n), ("mlm", k, mlm / n), ("trigram", k, ngram / n)]
        }
        let chance = 1 / Double(StoryWorld.animals.count)
        var data = Table(columns: ["model", "fillers", "p_correct"])
        for row in result.rows { try data.append([row.model, "\(row.fillers)", format(row.pCorrect, 4)]) }
        var chart = LineChart(title: "p(right sound word) after \"… amiss by\" as words pile up between it and the animal",
                              xLabel: "filler words between the animal and \"told\"", yLabel: "mean p(right word), held-out sentences",
                              series: [])
        for (index, (model, title)) in [("clm", "CLM (transformer, causal)"), ("mlm", "MLM (transformer, masked)"),
                                        ("trigram", "trigram (two words back)")].enumerated() {
            let rows = result.rows.filter { $0.model == model }
            chart.series.append(Series(name: title, x: rows.map { Double($0.fillers) }, y: rows.map(\.pCorrect),
                                       symbol: .circle, color: Color.series(index)))
        }
        let xs = settings.fillerCounts.map(Double.init)
        chart.series.append(Series(name: "chance (1 of \(StoryWorld.animals.count) sounds)", x: [xs.first!, xs.last!],
                                   y: [chance, chance], style: .dashed, color: Color(r: 128, g: 128, b: 128)))
        chart.yRange = 0...1
        try context.save(chart, as: "long_range", data: .table(data))
        let picks = settings.fillerCounts.filter { [0, 10, 20].contains($0) }
        let lines = picks.map { k in
            "\(k) fillers: CLM \(format(result.p("clm", k) ?? .nan, 2)), MLM \(format(result.p("mlm", k) ?? .nan, 2)), trigram \(format(result.p("trigram", k) ?? .nan, 2))"
        }
        let longest = settings.fillerCounts.last ?? 0
        let verdicts = [("CLM", "clm"), ("MLM", "mlm")].map { title, model -> String in
            let p = result.p(model, longest) ?? 0
            return p > 0.5
                ? "the \(title) still gives the right sound \(format(p, 2)) at \(longest) fillers: attention reaches any earlier position in one step"
                : "the \(title) gives it only \(format(p, 2)) at \(longest) fillers: in this many tokens it has not learned to look back from the sound to the animal"
        }
        context.say("""
            \(lines.joined(separator: "; ")) (chance: \(format(chance, 2))). The trigram model sees \
            only "amiss by": the animal is at least five words further back even with no fillers, \
            so it can only spread its probability over the sounds in proportion to how often each \
            was heard. Of the transformers, \(verdicts.joined(separator: "; ")).\
            \(heldOutEverywhere ? "" : " (A few of the longer test sentences also occur in training.)")
            """)
        return result
    }
}
