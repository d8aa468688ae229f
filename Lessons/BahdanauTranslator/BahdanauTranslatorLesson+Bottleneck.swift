// Step 5: the bottleneck, measured — BLEU and exact match against sentence length, both models.

import Figures
import Foundation
import TensorCore

extension BahdanauTranslatorLesson {
    /// One length bucket's scores for one model.
    struct BucketScore {
        let lengths: ClosedRange<Int>
        let bleu: Double, exactMatch: Double, count: Int
    }

    static func measureTheBottleneck(_ results: HeldOutResults, _ corpus: TranslationCorpus, _ settings: Settings,
                                     _ context: LessonContext) throws {
        context.section("The bottleneck: quality against sentence length")
        // About nine buckets of equal width from the shortest sentence the grammar makes.
        let shortest = TranslationCorpus.minimumSourceLength
        let width = max(1, (settings.maxSourceLength - shortest + 9) / 9)
        let buckets = stride(from: shortest, through: settings.maxSourceLength, by: width)
            .map { $0...min(settings.maxSourceLength, $0 + width - 1) }
        var scores: [Architecture: [BucketScore]] = [:]
        var overall: [Architecture: (bleu: Double, exact: Double)] = [:]
        for architecture in Architecture.allCases {
            scores[architecture] = buckets.compactMap { bucket in
                let members = results.pairs.indices.filter { bucket.contains(results.pairs[$0].source.count) }
                guard !members.isEmpty else { return nil }
                return BucketScore(lengths: bucket,
                                   bleu: corpusBLEU(hypotheses: members.map { results.hypotheses[architecture]![$0] },
                                                    references: members.map { results.pairs[$0].target }),
                                   exactMatch: Double(members.filter { results.isExact(architecture, $0) }.count) / Double(members.count),
                                   count: members.count)
            }
            overall[architecture] = (corpusBLEU(hypotheses: results.hypotheses[architecture]!, references: results.pairs.map(\.target)),
                                     Double(results.pairs.indices.filter { results.isExact(architecture, $0) }.count) / Double(max(1, results.pairs.count)))
        }
        try plotScoresByLength(scores, context)
        try showSummary(scores, overall, results, settings, context)
    }

    /// by_length.png, and by_length.csv with exactly `length_bucket,model,bleu,exact_match,count`
    /// (BLEU and exact match both as fractions, 0…1).
    static func plotScoresByLength(_ scores: [Architecture: [BucketScore]], _ context: LessonContext) throws {
        var chart = LineChart(title: "Held-out translation quality against English sentence length",
                              xLabel: "English sentence length (words, bucket midpoint)",
                              yLabel: "score, 0–1 (BLEU ×100 is the paper's scale)", series: [])
        chart.yRange = 0...1
        var data = Table(columns: ["length_bucket", "model", "bleu", "exact_match", "count"])
        for (index, architecture) in Architecture.allCases.enumerated() {
            let buckets = scores[architecture]!
            let x = buckets.map { Double($0.lengths.lowerBound + $0.lengths.upperBound) / 2 }
            chart.series.append(Series(name: "\(architecture.title): BLEU", x: x, y: buckets.map(\.bleu),
                                       symbol: .circle, color: Color.series(index)))
            chart.series.append(Series(name: "\(architecture.title): exact match", x: x, y: buckets.map(\.exactMatch),
                                       style: .dashed, symbol: .square, color: Color.series(index)))
            for bucket in buckets {
                try data.append(["\(bucket.lengths.lowerBound)-\(bucket.lengths.upperBound)", architecture.fileName,
                                 format(bucket.bleu, 4), format(bucket.exactMatch, 4), "\(bucket.count)"])
            }
        }
        try context.save(chart, as: "by_length", data: .table(data))
    }

    /// The overall scores, and what the numbers say.
    static func showSummary(_ scores: [Architecture: [BucketScore]], _ overall: [Architecture: (bleu: Double, exact: Double)],
                            _ results: HeldOutResults, _ settings: Settings, _ context: LessonContext) throws {
        var table = Table(title: "Held-out scores by English sentence length (BLEU on a 0–1 scale / exact match)",
                          columns: ["words"] + Architecture.allCases.map(\.title) + ["sentences"],
                          alignments: [.right, .right, .right, .right])
        let baseline = scores[.baseline]!, attention = scores[.attention]!
        for (b, a) in zip(baseline, attention) {
            try table.append(["\(b.lengths.lowerBound)–\(b.lengths.upperBound)",
                              "\(format(b.bleu, 3)) / \(format(100 * b.exactMatch, 1))%",
                              "\(format(a.bleu, 3)) / \(format(100 * a.exactMatch, 1))%", "\(b.count)"])
        }
        try table.append(["all", "\(format(overall[.baseline]!.bleu, 3)) / \(format(100 * overall[.baseline]!.exact, 1))%",
                          "\(format(overall[.attention]!.bleu, 3)) / \(format(100 * overall[.attention]!.exact, 1))%",
                          "\(results.pairs.count)"])
        try context.show(table, as: "summary")
        let drop = { (buckets: [BucketScore]) -> Double in (buckets.first?.bleu ?? 0) - (buckets.last?.bleu ?? 0) }
        let baselineBLEU = overall[.baseline]!.bleu
        context.say("""
            Corpus BLEU (up to 4-grams, with the brevity penalty) on a 0–1 scale — papers, \
            Bahdanau et al.'s included, print it ×100, so the encoder-decoder's \
            \(format(baselineBLEU, 3)) here would read \(format(100 * baselineBLEU, 1)) there — and the \
            share of sentences translated exactly. From the shortest to the longest bucket, the RNN \
            encoder-decoder's BLEU falls by \(format(drop(baseline), 3)) and the attention model's by \
            \(format(drop(attention), 3)): one fixed vector of \(2 * settings.hidden) numbers has to \
            carry a whole sentence, and the longer the sentence the more of it is lost, while attention \
            reads the words it needs at every step.
            """)
    }
}
