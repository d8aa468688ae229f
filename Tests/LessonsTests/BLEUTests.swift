// Corpus BLEU against hand-worked examples (the arithmetic is in the comments) and against
// sacrebleu and nltk (values derived by References/bleu_references.py).

import Foundation
import Testing
@testable import Lessons

private func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

private func bleu(_ hypotheses: [String], _ references: [String], maxOrder: Int = 4) -> Double {
    corpusBLEU(hypotheses: hypotheses.map(words), references: references.map(words), maxOrder: maxOrder)
}

@Suite struct BLEUTests {
    @Test func perfectTranslationScoresOne() {
        #expect(abs(bleu(["the cat sits on the mat ."], ["the cat sits on the mat ."]) - 1) < 1e-12)
    }

    @Test func oneWrongWordLowersEveryOrder() {
        // ref: the black cat sees the small dog .     hyp: … the big dog .  (8 tokens, word 6 wrong)
        // p1 = 7/8, p2 = 5/7 (the big, big dog miss), p3 = 3/6, p4 = 2/5 (n-grams covering word 6 miss)
        // BLEU = (7/8 · 5/7 · 3/6 · 2/5)^(1/4) = (1/8)^(1/4) = 2^(−3/4); same length: BP = 1
        let value = bleu(["the black cat sees the big dog ."], ["the black cat sees the small dog ."])
        #expect(abs(value - pow(2, -0.75)) < 1e-12)
    }

    @Test func shortHypothesisPaysTheBrevityPenalty() {
        // Every n-gram of "the cat sat on" is in the reference: p1 … p4 = 1.
        // c = 4 < r = 6: BP = exp(1 − 6/4) = exp(−0.5)
        #expect(abs(bleu(["the cat sat on"], ["the cat sat on the mat"]) - exp(-0.5)) < 1e-12)
        // A dropped adjective: hyp "the black cat sees the dog ." (7), ref "… the small dog ." (8)
        // p1 = 7/7, p2 = 5/6 (the dog), p3 = 3/5, p4 = 2/4; product = 1/4, mean = (1/4)^(1/4) = 1/√2
        // BP = exp(1 − 8/7) = exp(−1/7)
        let dropped = bleu(["the black cat sees the dog ."], ["the black cat sees the small dog ."])
        #expect(abs(dropped - exp(-1.0 / 7) / 2.0.squareRoot()) < 1e-12)
    }

    @Test func longHypothesisPaysNoPenalty() {
        // hyp = ref + "today": p_n = (n-grams of ref) / (n-grams of hyp) = 6/7, 5/6, 4/5, 3/4; BP = 1
        // product = 6·5·4·3 / (7·6·5·4) = 3/7
        let value = bleu(["the cat sat on the mat today"], ["the cat sat on the mat"])
        #expect(abs(value - pow(3.0 / 7, 0.25)) < 1e-12)
    }

    @Test func repeatedWordsAreClippedToTheReferenceCount() {
        // Papineni et al.'s example: "the" appears twice in the reference, so only 2 of the 7 "the"
        // count: modified unigram precision 2/7 (plain precision would be 7/7). c = 7 ≥ r = 6: BP = 1.
        let hypothesis = ["the the the the the the the"], reference = ["the cat is on the mat"]
        #expect(abs(bleu(hypothesis, reference, maxOrder: 1) - 2.0 / 7) < 1e-12)
        #expect(clippedMatches(words(hypothesis[0]), words(reference[0]), order: 1) == (2, 7))
        // No bigram "the the" in the reference: p2 = 0, so BLEU-4 is 0.
        #expect(bleu(hypothesis, reference) == 0)
    }

    @Test func noMatchingFourGramGivesZero() {
        // ref: the cat sees the dog .   hyp: the cat sees a dog .
        // p1 = 5/6, p2 = 3/5 (the cat, cat sees, dog .), p3 = 1/4 (the cat sees), p4 = 0/3
        #expect(bleu(["the cat sees a dog ."], ["the cat sees the dog ."]) == 0)
        // Up to trigrams: (5/6 · 3/5 · 1/4)^(1/3) = (1/8)^(1/3) = 1/2
        #expect(abs(bleu(["the cat sees a dog ."], ["the cat sees the dog ."], maxOrder: 3) - 0.5) < 1e-12)
        // Too short for any 4-gram: no 4-gram precision at all, also 0.
        #expect(bleu(["the cat"], ["the cat"]) == 0)
    }

    @Test func corpusPoolingIsNotTheMeanOfSentenceScores() {
        // Sentence scores: 1 (perfect, 8 tokens) and 0 (no 4-gram match, above): mean 0.5.
        // Pooled: p1 = (8+5)/(8+6), p2 = (7+3)/(7+5), p3 = (6+1)/(6+4), p4 = (5+0)/(5+3); c = r = 14
        // BLEU = (13/14 · 10/12 · 7/10 · 5/8)^(1/4) = (4550/13440)^(1/4) ≈ 0.7628
        let hypotheses = ["the black cat sees the small dog .", "the cat sees a dog ."]
        let references = ["the black cat sees the small dog .", "the cat sees the dog ."]
        let pooled = bleu(hypotheses, references)
        #expect(abs(pooled - pow(4550.0 / 13440, 0.25)) < 1e-12)
        let mean = zip(hypotheses, references).map { bleu([$0], [$1]) }.reduce(0, +) / 2
        #expect(abs(mean - 0.5) < 1e-12)
        #expect(abs(pooled - mean) > 0.2)
    }

    @Test func emptyAndShortHypothesesInACorpus() {
        // An empty hypothesis adds no n-gram, only its reference's length: p1 … p4 = 1 from the
        // first sentence, c = 6, r = 6 + 2 = 8, BP = exp(1 − 8/6) = exp(−1/3).
        let empty = bleu(["the cat sat on the mat", ""], ["the cat sat on the mat", "the dog"])
        #expect(abs(empty - exp(-1.0 / 3)) < 1e-12)
        #expect(abs(empty - 0.716531310573790) < 1e-12)   // sacrebleu (References/bleu_references.py)
        // "a dog" for "the dog" has a unigram and a bigram but no 3- or 4-gram, which count nothing:
        // p1 = (6 + 1)/(6 + 2), p2 = (5 + 0)/(5 + 1), p3 = 4/4, p4 = 3/3; c = r = 8, BP = 1.
        let short = bleu(["the cat sat on the mat", "a dog"], ["the cat sat on the mat", "the dog"])
        #expect(abs(short - pow(7.0 / 8 * 5.0 / 6, 0.25)) < 1e-12)
        #expect(abs(short - 0.924073895221571) < 1e-12)   // sacrebleu
    }

    @Test func emptyCorporaScoreZero() {
        #expect(corpusBLEU(hypotheses: [], references: []) == 0)
        #expect(corpusBLEU(hypotheses: [[]], references: [["the", "cat"]]) == 0)
        #expect(exactMatchRate(hypotheses: [], references: []) == 0)
    }

    @Test func agreesWithSacrebleuAndNLTK() {
        // sacrebleu 2.6 (tokenize='none', smooth_method='none') and nltk 3.10 corpus_bleu agree to
        // every printed digit on these (no hypothesis shorter than 4 tokens): References/bleu_references.py
        #expect(abs(bleu(["the black cat sees the small dog .", "the cat sees a dog ."],
                         ["the black cat sees the small dog .", "the cat sees the dog ."]) - 0.762786559370994) < 1e-12)
        let mixed = bleu(
            ["le chat noir voit le petit chien .", "les chiens ne mangent pas .",
             "il dit que le chat dort dans le jardin .", "une fille heureuse chante ."],
            ["le chat noir voit le petit chien .", "les chiens ne mangent pas de pain .",
             "il dit que le chat noir dort dans le jardin .", "la fille heureuse chante doucement ."])
        #expect(abs(mixed - 0.692736794462545) < 1e-12)
        let longer = bleu(["the the cat sat on the mat mat .", "a dog barks loudly in the park today ."],
                          ["the cat sat on the mat .", "the dog barks in the park ."])
        #expect(abs(longer - 0.436409140106808) < 1e-12)
        let bigrams = bleu(["the cat the cat on the mat", "there is a cat on the mat"],
                           ["the cat is on the mat", "there is a cat on the mat"], maxOrder: 2)
        #expect(abs(bigrams - 0.801783725737273) < 1e-12)
    }

    @Test func exactMatchCountsWholeSentencesOnly() {
        let references = [words("le chat dort ."), words("le chien aboie ."), words("la fille chante ."), words("il rit .")]
        let hypotheses = [words("le chat dort ."), words("le chien aboie"), words("la fille chante ."), words("elle rit .")]
        #expect(exactMatchRate(hypotheses: hypotheses, references: references) == 0.5)
    }
}
