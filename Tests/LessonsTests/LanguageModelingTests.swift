// The language-modeling lesson's parts: the attention masks of the three objectives against
// hand-written ones, BERT's 80/10/10 rule counted over many draws, a loss that ignores unchosen
// and padding positions (a hand-worked batch), the trigram model against hand counts, the word
// vocabulary and the story corpus.

import Autograd
import Foundation
import Testing
import TensorCore
@testable import Lessons

@Suite struct LanguageModelingTests {
    // MARK: - Masks

    @Test func masksOfTheThreeObjectivesMatchHandWrittenOnes() {
        let masks = ObjectiveMasks(source: 4, target: 3)
        let (o, x) = (false, true)
        #expect(masks.causal == [[x, o, o, o], [x, x, o, o], [x, x, x, o], [x, x, x, x]])
        #expect(masks.full == [[x, x, x, x], [x, x, x, x], [x, x, x, x], [x, x, x, x]])
        #expect(masks.encoder == masks.full)
        #expect(masks.decoder == [[x, o, o], [x, x, o], [x, x, x]])
        #expect(masks.cross == [[x, x, x, x], [x, x, x, x], [x, x, x, x]])
        // Key padding, as the MLM and the encoder use it: the last key of a length-3 sequence is hidden.
        #expect(allowedMatrix(AttentionMask(keyLengths: [3]), queries: 2, keys: 4) == [[x, x, x, o], [x, x, x, o]])
    }

    // MARK: - BERT's rule

    @Test func bertMaskingChoosesFifteenPercentThenSplits80_10_10() {
        let vocabulary = WordVocabulary(building: [(0..<40).map { "w\($0)" }])
        let words = vocabulary.count - vocabulary.firstWord
        // Sequences: [BOS] 30 words [EOS] [PAD] [PAD], so specials and padding are in the way too.
        var source = SeededGenerator(seed: 3)
        var ids: [Int] = []
        for _ in 0..<2000 {
            ids += [WordVocabulary.bos] + (0..<30).map { _ in vocabulary.firstWord + Int(source.next() % UInt64(words)) }
                + [WordVocabulary.eos, WordVocabulary.pad, WordVocabulary.pad]
        }
        var generator = SeededGenerator(seed: 11)
        let (inputs, targets) = maskForMLM(ids, vocabulary: vocabulary, generator: &generator)
        var wordPositions = 0, chosen = 0, masked = 0, unchanged = 0, replaced = 0
        for i in ids.indices {
            if ids[i] < vocabulary.firstWord {
                #expect(inputs[i] == ids[i] && targets[i] == WordVocabulary.pad, "special token at \(i) was chosen")
                continue
            }
            wordPositions += 1
            guard targets[i] != WordVocabulary.pad else {
                #expect(inputs[i] == ids[i])
                continue
            }
            #expect(targets[i] == ids[i], "the target is the original word")
            chosen += 1
            if inputs[i] == WordVocabulary.mask { masked += 1 } else if inputs[i] == ids[i] { unchanged += 1 } else {
                replaced += 1
                #expect(inputs[i] >= vocabulary.firstWord, "a random replacement is a word")
            }
        }
        /// |observed − n·p| within 4 binomial standard deviations.
        func expectRate(_ count: Int, of n: Int, _ p: Double, _ label: String) {
            let sigma = (Double(n) * p * (1 - p)).squareRoot()
            #expect(abs(Double(count) - Double(n) * p) < 4 * sigma, "\(label): \(count) of \(n), expected \(p)")
        }
        expectRate(chosen, of: wordPositions, 0.15, "chosen")
        expectRate(masked, of: chosen, 0.8, "[MASK]")
        // A random word is the original one 1 time in W, and then counts as unchanged.
        expectRate(unchanged, of: chosen, 0.1 + 0.1 / Double(words), "kept")
        expectRate(replaced, of: chosen, 0.1 * (1 - 1 / Double(words)), "random word")
    }

    // MARK: - The loss

    @Test func lossCountsOnlyChosenPositionsAndIgnoresPadding() throws {
        // Batch of 2 sequences × 3 positions over V = 3; targets [PAD] where a position was not
        // chosen or is padding. Row 1: logits (0, 0, ln 2), target 2: p = 2/4, loss ln 2.
        // Row 5: logits (ln 3, 0, 0), target 1... [PAD] is id 0, so use target 1: p = 1/5, loss ln 5.
        let big: Float = 30
        let logits = Variable(try Tensor(shape: [2, 3, 3], scalars: [
            big, -big, 0,        0, 0, Float(log(2.0)),   -big, big, 3,
            7, 7, -7,            5, 1, -2,                Float(log(3.0)), 0, 0,
        ]), requiresGrad: true)
        let pad = WordVocabulary.pad
        let targets = [pad, 2, pad, pad, pad, 1]
        let loss = try objectiveLoss(logits, targets: targets)
        #expect(abs(Double(loss.value.item) - (log(2.0) + log(5.0)) / 2) < 1e-5)
        loss.backward()
        let grad = try #require(logits.grad).scalars
        for row in [0, 2, 3, 4] {
            #expect(grad[(3 * row)..<(3 * row + 3)].allSatisfy { $0 == 0 }, "row \(row) carries no loss")
        }
        // d loss / d logits of row 1 = (softmax − onehot) / 2 = ((1/4, 1/4, 1/2) − (0, 0, 1)) / 2.
        let expected: [Float] = [0.125, 0.125, -0.25]
        for (g, e) in zip(grad[3..<6], expected) { #expect(abs(g - e) < 1e-6) }
    }

    // MARK: - The trigram model

    @Test func trigramProbabilitiesMatchHandCounts() {
        // Sentences 5 6 7 and 5 6 8, counted as [BOS] [BOS] 5 6 7 [EOS] and [BOS] [BOS] 5 6 8 [EOS]:
        // T = 8 predicted tokens; c(5 6) = 2, c(5 6 7) = 1; c(6 as context) = 2, c(6 7) = 1; c(7) = 1.
        let model = TrigramModel(sentences: [[5, 6, 7], [5, 6, 8]])
        #expect(abs(model.probability(of: 7, after: 5, 6) - (0.7 * 0.5 + 0.2 * 0.5 + 0.1 * 1.0 / 8)) < 1e-12)
        // Unseen pair (9, 6): the trigram term is dropped and the others rescaled by 1 / 0.3.
        #expect(abs(model.probability(of: 7, after: 9, 6) - (0.2 * 0.5 + 0.1 * 1.0 / 8) / 0.3) < 1e-12)
        // Nothing seen after 9: the unigram c(5) / T = 2 / 8.
        #expect(abs(model.probability(of: 5, after: 9, 9) - 0.25) < 1e-12)
        // The first word of a sentence: c(BOS BOS 5) / c(BOS BOS) = 1.
        let bos = WordVocabulary.bos
        #expect(abs(model.probability(of: 5, after: bos, bos) - (0.7 + 0.2 + 0.1 * 2.0 / 8)) < 1e-12)
        // A distribution over the ids.
        let total = (0..<10).reduce(0.0) { $0 + model.probability(of: $1, after: 5, 6) }
        #expect(abs(total - 1) < 1e-12)
    }

    // MARK: - Vocabulary and corpus

    @Test func vocabularyTokenizesAndSuggestsClosestWords() throws {
        #expect(WordVocabulary.tokenize("The [mask] barked, loudly.") == ["the", "[MASK]", "barked", ",", "loudly", "."])
        let vocabulary = WordVocabulary(building: [["the", "dog", "barked"], ["the", "cat"]])
        #expect(Array(vocabulary.tokens.prefix(5)) == ["[PAD]", "[MASK]", "[BOS]", "[EOS]", "[SEP]"])
        #expect(vocabulary.tokens[5] == "the")   // most frequent first
        #expect(vocabulary.closestWords(to: "dgo", count: 2) == ["dog", "cat"])
        #expect(throws: LessonError.self) { try vocabulary.encode(["the", "dgo"]) }
        do {
            _ = try vocabulary.encode(["dgo"])
        } catch let error as LessonError {
            #expect(error.description.contains("\"dgo\"") && error.description.contains("dog"))
        }
    }

    @Test func corpusSplitsShareNoStoryAndKnowTheLecturesWords() throws {
        let corpus = StoryCorpus.generate(seed: 5, trainCount: 3000, validationCount: 200, testCount: 200, maxFillers: 20)
        let train = Set(corpus.train)
        #expect(corpus.validation.count == 200 && corpus.test.count == 200)
        #expect(corpus.validation.allSatisfy { !train.contains($0) } && corpus.test.allSatisfy { !train.contains($0) })
        #expect(Set(corpus.validation).isDisjoint(with: corpus.test))
        for sentence in ["Japan is the home of cherry blossoms.", "Food polar charger human",
                         "The dog told them something was amiss by barking urgently.",
                         "The cat told them something was amiss by meowing urgently."] {
            _ = try corpus.vocabulary.encode(WordVocabulary.tokenize(sentence))
        }
        // The vocabulary is the grammar's words whatever was drawn (the options are checked against them).
        #expect(Set(corpus.vocabulary.tokens) == Set(WordVocabulary.specialTokens + StoryWorld.allWords))
        var generator = SeededGenerator(seed: 1)
        for count in 0...20 {
            let fillers = StoryWorld.fillerWords(count, generator: &generator)
            #expect(fillers.count == count)
            #expect(fillers.allSatisfy { word in !StoryWorld.animals.contains { $0.animal.contains(word) || $0.sound == word } })
        }
    }
}
