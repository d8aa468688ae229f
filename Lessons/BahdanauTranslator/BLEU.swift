// BLEU (Papineni, Roukos, Ward & Zhu, ACL 2002) and exact match: how close machine translations
// come to the references.

import Foundation
import _Support

/// Corpus BLEU with one reference per sentence.
///
///     BLEU = BP · exp( (1/N) Σₙ log pₙ ),   n = 1 … N (= maxOrder)
///     pₙ  = Σ_sentences Σ_{n-gram g} min(count_hyp(g), count_ref(g)) / Σ_sentences (#n-grams in hyp)
///     BP  = exp(1 − r/c) if c < r, else 1        (r, c = total reference / hypothesis lengths)
///
/// The counts are pooled over the corpus before dividing (corpus BLEU is not the mean of sentence
/// BLEUs). Clipping by the reference count stops "the the the …" from scoring on repeats. No
/// smoothing: when any pₙ is 0 (or there is no n-gram of some order at all) the score is 0.
///
///     corpusBLEU(hypotheses: [["the", "cat", "sat", "on"]],
///                references: [["the", "cat", "sat", "on", "the", "mat"]])   // exp(1 − 6/4) ≈ 0.607
///
/// - Parameters:
///   - hypotheses: the translations, one token list per sentence.
///   - references: the reference translations, as many as `hypotheses`.
///   - maxOrder: N, the longest n-gram counted (4 in the paper).
/// - Returns: a value in [0, 1]; 0 for an empty hypothesis corpus.
func corpusBLEU(hypotheses: [[String]], references: [[String]], maxOrder: Int = 4) -> Double {
    ensure(hypotheses.count == references.count, "BLEU needs one reference per hypothesis, got \(hypotheses.count) and \(references.count)")
    ensure(maxOrder >= 1, "BLEU's maximum n-gram order must be at least 1, got \(maxOrder)")
    var matches = [Int](repeating: 0, count: maxOrder + 1), totals = matches
    var hypothesisLength = 0, referenceLength = 0
    for (hypothesis, reference) in zip(hypotheses, references) {
        hypothesisLength += hypothesis.count
        referenceLength += reference.count
        for n in 1...maxOrder {
            let (matched, total) = clippedMatches(hypothesis, reference, order: n)
            matches[n] += matched
            totals[n] += total
        }
    }
    guard hypothesisLength > 0 else { return 0 }
    var logPrecisionSum = 0.0
    for n in 1...maxOrder {
        guard matches[n] > 0 else { return 0 }
        logPrecisionSum += log(Double(matches[n]) / Double(totals[n]))
    }
    let brevityPenalty = hypothesisLength < referenceLength
        ? exp(1 - Double(referenceLength) / Double(hypothesisLength)) : 1
    return brevityPenalty * exp(logPrecisionSum / Double(maxOrder))
}

/// The n-grams of `hypothesis` that also occur in `reference`, each counted at most as often as
/// the reference has it, and the number of n-grams in `hypothesis`.
func clippedMatches(_ hypothesis: [String], _ reference: [String], order n: Int) -> (matched: Int, total: Int) {
    guard hypothesis.count >= n else { return (0, 0) }
    var available: [ArraySlice<String>: Int] = [:]
    if reference.count >= n {
        for i in 0...(reference.count - n) { available[reference[i..<(i + n)], default: 0] += 1 }
    }
    var matched = 0
    for i in 0...(hypothesis.count - n) {
        let gram = hypothesis[i..<(i + n)]
        if let left = available[gram], left > 0 {
            matched += 1
            available[gram] = left - 1
        }
    }
    return (matched, hypothesis.count - n + 1)
}

/// The fraction of sentences translated exactly: hypothesis == reference token for token.
/// 0 for an empty corpus.
func exactMatchRate(hypotheses: [[String]], references: [[String]]) -> Double {
    ensure(hypotheses.count == references.count, "exact match needs one reference per hypothesis, got \(hypotheses.count) and \(references.count)")
    guard !hypotheses.isEmpty else { return 0 }
    return Double(zip(hypotheses, references).filter { $0 == $1 }.count) / Double(hypotheses.count)
}
