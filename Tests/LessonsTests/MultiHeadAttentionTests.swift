// The multi-head-attention lesson's parts: one head step by step against NumPy
// (References/one_head_references.py), the parameter count against its closed form, the
// corpus's adjective rule and noun-pair split, the baseline's mask, the variance of q·k against
// its closed form d_k, and the head statistics on hand-worked maps.

import Autograd
import Foundation
import Testing
import TensorCore
@testable import Lessons

@Suite struct MultiHeadAttentionTests {
    // MARK: - One head

    /// X, W_q, W_k, W_v in closed form, as the NumPy script builds them.
    static func closedFormInputs() throws -> (x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor) {
        func matrix(_ rows: Int, _ columns: Int, _ f: (Double, Double) -> Double) throws -> Tensor {
            try Tensor(shape: [rows, columns], scalars: (0..<rows).flatMap { i in (0..<columns).map { Float(f(Double(i), Double($0))) } })
        }
        return (try matrix(4, 6) { sin(0.3 * $0 + 0.7 * $1 + 0.1) },
                try matrix(6, 3) { cos(0.5 * $0 - 0.2 * $1) / 6.0.squareRoot() },
                try matrix(6, 3) { sin(0.4 * $0 + 0.9 * $1 + 0.3) / 6.0.squareRoot() },
                try matrix(6, 3) { cos(0.8 * $0 + 0.1 * $1 - 0.5) })
    }

    @Test func oneHeadStepByStepMatchesNumPy() throws {
        let (x, wq, wk, wv) = try Self.closedFormInputs()
        let steps = try OneHeadSteps(x: x, wq: wq, wk: wk, wv: wv)
        // NumPy (float64), References/one_head_references.py.
        let expected: [(String, Tensor, [Double])] = [
            ("Q", steps.q, [0.645224912, 0.789909797, 0.903103472, 0.945227240, 1.038232727, 1.089847152, 1.160795233, 1.193813420,
                            1.179238032, 1.272672846, 1.242754315, 1.163291091]),
            ("K", steps.k, [0.850582911, 0.967224086, 0.351889355, 0.647471748, 1.046804394, 0.653936343, 0.386523862, 1.032876782,
                            0.897569145, 0.091048951, 0.926685364, 1.061024769]),
            ("V", steps.v, [1.162112495, 0.949086072, 0.726576695, 2.138241021, 1.955124847, 1.752473713, 2.923366845, 2.786518143,
                            2.621827473, 3.447357015, 3.369000072, 3.256981194]),
            ("QKᵀ", steps.scores, [1.630629565, 1.835218130, 1.875872126, 1.748960052, 2.191703450, 2.411525176, 2.415932539, 2.204531844,
                                   2.556998994, 2.772417859, 2.740184893, 2.463179372, 2.693885433, 2.885658712, 2.819664692, 2.501798423]),
            ("QKᵀ/√3", steps.scaled, [0.941444418, 1.059563682, 1.083035277, 1.009762557, 1.265380577, 1.392294709, 1.394839302, 1.272787054,
                                      1.476284058, 1.600656197, 1.582046486, 1.422117273, 1.555315480, 1.666035834, 1.627934169, 1.444413993]),
            ("P", steps.weights, [0.229980783, 0.258815387, 0.264962051, 0.246241778, 0.233592158, 0.265201738, 0.265877428, 0.235328676,
                                  0.238591219, 0.270189576, 0.265207923, 0.226011283, 0.244652519, 0.273297041, 0.263079851, 0.218970589]),
            ("PV", steps.output, [2.444137817, 2.292198085, 2.117355467, 2.427044820, 2.273896174, 2.098027509, 2.409441900, 2.255136672,
                                  2.078298864, 2.392637404, 2.237314842, 2.059637771]),
        ]
        for (name, actual, reference) in expected {
            #expect(actual.count == reference.count, "\(name) has \(actual.count) entries")
            let worst = zip(actual.scalars, reference).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 2e-6, "\(name) differs from NumPy by \(worst)")
        }
        #expect(steps.q.shape == [4, 3] && steps.scores.shape == [4, 4] && steps.output.shape == [4, 3])
    }

    // MARK: - Parameters

    @Test(arguments: [(80, 64, 4, 2), (80, 32, 4, 1), (50, 48, 3, 3)])
    func parameterCountMatchesTheClosedForm(vocabulary: Int, width: Int, heads: Int, layers: Int) throws {
        let c = TransformerEncoderModel.Configuration(vocabulary: vocabulary, width: width, heads: heads, layers: layers, context: 24)
        var generator = SeededGenerator(seed: 1)
        let model = try TransformerEncoderModel(c, generator: &generator)
        let (v, d, f, l) = (vocabulary, width, 4 * width, layers)
        // V·d + L·(4d² + 4d) + L·(2dF + F + d) + L·4d + 2d + (dV + V)
        let closedForm = v * d + l * (4 * d * d + 4 * d) + l * (2 * d * f + f + d) + l * 4 * d + 2 * d + d * v + v
        #expect(ParameterCount(c).total == closedForm)
        #expect(model.parameterCount == closedForm)
        #expect(ParameterCount(c).attention == l * (4 * d * d + 4 * d))
    }

    @Test func theLessonModelHasTheCountWorkedOutByHand() {
        // V = 80, d = 64, F = 256, L = 2: 5120 + 33280 + 66176 + 640 + 5200.
        let c = TransformerEncoderModel.Configuration(vocabulary: 80, width: 64, heads: 4, layers: 2, context: 24)
        #expect(ParameterCount(c).total == 110_416)
    }

    // MARK: - Corpus

    @Test func theAdjectiveRuleIsNeverContradicted() {
        let corpus = ReferentCorpus(seed: 7, trainCount: 5000, heldOutCount: 1000)
        var towardsAnimal = 0, passive = 0
        for sentence in corpus.train + corpus.heldOut {
            let t = sentence.tokens
            #expect(t[sentence.itIndex] == "it" && t[sentence.becauseIndex] == "because" && t.last == ".")
            #expect(t[t.count - 2] == sentence.adjective)
            let nouns = ReferentGrammar.nouns(in: Array(t[..<sentence.itIndex]))
            #expect(Set(nouns) == [sentence.animal, sentence.thing] && nouns.count == 2)
            guard let animal = ReferentGrammar.refersToAnimal(sentence.adjective) else {
                Issue.record("\(sentence.adjective) is not an adjective of the grammar")
                continue
            }
            #expect(sentence.referent == (animal ? sentence.animal : sentence.thing), "\(t.joined(separator: " "))")
            if animal { towardsAnimal += 1 }
            if nouns.first == sentence.thing { passive += 1 }
        }
        let total = Double(corpus.train.count + corpus.heldOut.count)
        #expect(abs(Double(towardsAnimal) / total - 0.5) < 0.03, "the referent is the animal half the time")
        #expect(abs(Double(passive) / total - 0.5) < 0.03, "the thing comes first half the time")
    }

    @Test func heldOutPairsAreNeverSeenTogetherInTraining() {
        let corpus = ReferentCorpus(seed: 11, trainCount: 5000, heldOutCount: 500)
        let trainPairs = Set(corpus.train.map { "\($0.animal)+\($0.thing)" })
        let heldPairs = Set(corpus.heldOut.map { "\($0.animal)+\($0.thing)" })
        #expect(trainPairs.isDisjoint(with: heldPairs))
        #expect(heldPairs.contains("cat+milk"))
        let trainNouns = Set(corpus.train.flatMap { [$0.animal, $0.thing] })
        for sentence in corpus.heldOut { #expect(trainNouns.contains(sentence.animal) && trainNouns.contains(sentence.thing)) }
        #expect(corpus.heldOutPairs.count >= 50 && corpus.trainPairs.count + corpus.heldOutPairs.count == 18 * 16)
    }

    @Test func theBaselineMaskKeepsTheAdjectiveFromIt() throws {
        let corpus = ReferentCorpus(seed: 3, trainCount: 20, heldOutCount: 0)
        let batch = try ReferentBatch(Array(corpus.train.prefix(8)), corpus.vocabulary)
        let mask = batch.restrictedMask, n = batch.shape[1]
        for (s, sentence) in batch.sentences.enumerated() {
            let b = sentence.becauseIndex, it = sentence.itIndex
            for j in 0..<n { #expect(mask[s, it, j] == ((j < b || j == it) ? 1 : 0)) }
            for i in 0..<b { for j in 0..<n { #expect(mask[s, i, j] == (j < b ? 1 : 0)) } }
            // The adjective still sees everything: only "it" and what it reads are cut off.
            for j in 0..<n { #expect(mask[s, sentence.tokens.count - 2, j] == 1) }
        }
        // One target per sentence: the referent's id, at "it".
        for (s, sentence) in batch.sentences.enumerated() {
            let row = Array(batch.targets[(s * n)..<((s + 1) * n)])
            #expect(row.filter { $0 != WordVocabulary.pad } == [corpus.vocabulary.id(sentence.referent)!])
            #expect(row[sentence.itIndex] == corpus.vocabulary.id(sentence.referent)!)
        }
    }

    // MARK: - 1/√d_k

    @Test func theVarianceOfQDotKIsDK() {
        var generator = SeededGenerator(seed: 5)
        for dk in [16, 64, 256] {
            let v = ScoreScaling.dotProductVariance(dk: dk, samples: 20_000, generator: &generator)
            // The sample variance of 20,000 draws is within a few percent of the truth.
            #expect(abs(v.raw / Double(dk) - 1) < 0.06, "d_k = \(dk): measured \(v.raw)")
            #expect(abs(v.scaled - 1) < 0.06)
        }
        let low = ScoreScaling.softmaxEntropy(dk: 16, keys: 32, rows: 300, generator: &generator)
        let high = ScoreScaling.softmaxEntropy(dk: 256, keys: 32, rows: 300, generator: &generator)
        #expect(high.unscaled < low.unscaled / 2 && high.unscaled < high.scaled / 5, "unscaled rows collapse as d_k grows")
        #expect(abs(high.scaled - low.scaled) < 0.15, "scaled rows keep their entropy")
        #expect(high.scaled < log(32.0))
        // Uniform scores: entropy log(M) exactly.
        #expect(abs(ScoreScaling.entropy(softmax: [Double](repeating: 3, count: 8)) - log(8.0)) < 1e-12)
    }

    // MARK: - Head statistics

    @Test func headStatisticsOfHandWorkedMaps() {
        // A previous-word head on 3 words: row 0 attends to itself, rows 1 and 2 to their left neighbour.
        var s = HeadStatistics()
        s.add([1, 0, 0, 1, 0, 0, 0, 1, 0], n: 3, count: 1)
        #expect(abs(s.entropy) < 1e-12 && abs(s.distance - 2.0 / 3) < 1e-12 && abs(s.previous - 1) < 1e-12)
        // A uniform head on 2 words: entropy log 2, distance ½, previous share ½; averaged with the first.
        var t = HeadStatistics()
        t.add([0.5, 0.5, 0.5, 0.5], n: 2, count: 2)
        t.add([1, 0, 1, 0], n: 2, count: 2)
        #expect(abs(t.entropy - log(2.0) / 2) < 1e-9 && abs(t.distance - (0.5 + 0.5) / 2) < 1e-9 && abs(t.previous - (0.5 + 1) / 2) < 1e-9)
    }

    // MARK: - Options

    @Test func sentenceOptionNeedsKnownWordsAnItAndANounBeforeIt() throws {
        #expect(try MultiHeadAttentionLesson.sentenceTokens("The dog ate the cake because it was sweet.").count == 10)
        #expect(throws: LessonError.self) { try MultiHeadAttentionLesson.sentenceTokens("the zebra ate the cake because it was sweet") }
        #expect(throws: LessonError.self) { try MultiHeadAttentionLesson.sentenceTokens("the dog ate the cake") }
        #expect(throws: LessonError.self) { try MultiHeadAttentionLesson.sentenceTokens("it was sweet") }
    }
}

@Suite struct MultiHeadAttentionCaptionTests {
    @Test func everyFigureHasOneCaptionAndTheCaptionsNameTheFilesOfARun() throws {
        let names = MultiHeadAttentionLesson.figureCaptions.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(MultiHeadAttentionLesson.figureCaptions.allSatisfy { !$0.caption.isEmpty && !$0.caption.contains("\n") })
        // A quick run in-process writes exactly these figures.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mha-captions-\(getpid())").path
        try LessonContext.prepareOutputDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let context = LessonContext(outputDirectory: folder, seed: 42, quick: true, print: { _ in })
        try MultiHeadAttentionLesson.run(try MultiHeadAttentionLesson.Options.parse([]), in: context)
        let pngs = context.writtenFiles.filter { $0.hasSuffix(".png") }.map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".png", with: "") }
        #expect(pngs.sorted() == names.sorted())
    }
}
