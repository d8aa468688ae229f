// What each of the three objectives lets a position see and asks it to predict: the attention
// masks, BERT's masking rule, and the loss that only counts the chosen positions.
// B = batch, N = positions, V = vocabulary.

import Autograd
import TensorCore

// MARK: - Attention masks

/// The mask as a matrix: allowed[i][j] is true when query i may attend to key j, read from the
/// very predicate the attention kernels apply (`AttentionMask.allows`), so the figure shows what
/// the models use.
func allowedMatrix(_ mask: AttentionMask, queries: Int, keys: Int) -> [[Bool]] {
    (0..<queries).map { i in
        (0..<keys).map { j in mask.allows(batch: 0, query: i, key: j, queries: queries, keys: keys) }
    }
}

/// The masks of the three objectives for a source of M tokens (and, for seq2seq, a target of N):
/// CLM: causal [M, M]; MLM: full [M, M]; seq2seq: encoder full [M, M], decoder causal [N, N],
/// decoder-to-encoder cross-attention full [N, M].
struct ObjectiveMasks {
    let causal: [[Bool]], full: [[Bool]]
    let encoder: [[Bool]], decoder: [[Bool]], cross: [[Bool]]

    init(source m: Int, target n: Int) {
        causal = allowedMatrix(.causal, queries: m, keys: m)
        full = allowedMatrix(.none, queries: m, keys: m)
        encoder = full
        decoder = allowedMatrix(.causal, queries: n, keys: n)
        cross = allowedMatrix(.none, queries: n, keys: m)
    }
}

// MARK: - BERT's masking rule

/// Masked-language-model inputs and targets (Devlin et al., 2019): each word position is chosen
/// with probability `rate` (15%); a chosen word becomes [MASK] 80% of the time, a random word 10%,
/// and stays itself 10%. Only chosen positions carry a target; every other target is [PAD],
/// which the loss ignores. [BOS], [EOS] and padding are never chosen.
///
/// - Parameters:
///   - ids: the sequences, row-major [B, N], padded with [PAD].
///   - vocabulary: V (random replacements are words, never special tokens).
/// - Returns: inputs [B, N] (some words replaced) and targets [B, N] ([PAD] where not chosen).
func maskForMLM(_ ids: [Int], vocabulary: WordVocabulary, rate: Double = 0.15,
                generator: inout SeededGenerator) -> (inputs: [Int], targets: [Int]) {
    var inputs = ids, targets = [Int](repeating: WordVocabulary.pad, count: ids.count)
    for (index, id) in ids.enumerated() where id >= vocabulary.firstWord {
        guard uniform(&generator) < rate else { continue }
        targets[index] = id
        let u = uniform(&generator)
        if u < 0.8 {
            inputs[index] = WordVocabulary.mask
        } else if u < 0.9 {
            let words = UInt64(vocabulary.count - vocabulary.firstWord)
            inputs[index] = vocabulary.firstWord + Int(generator.next() % words)
        }
    }
    return (inputs, targets)
}

/// A uniform draw in [0, 1) from the top 53 bits.
func uniform(_ generator: inout SeededGenerator) -> Double {
    Double(generator.next() >> 11) / Double(1 << 53)
}

/// The training loss of all three objectives: the mean cross-entropy over the positions whose
/// target is not [PAD]. For the CLM and seq2seq that is every real next token; for the MLM only
/// the chosen positions — about 15% of them, which is why MLM learns less per pass.
///
/// - Parameters:
///   - logits: [B, N, V]
///   - targets: [B, N]; [PAD] where a position carries no loss.
func objectiveLoss(_ logits: Variable, targets: [Int]) throws -> Variable {
    try crossEntropy(logits: logits, targets: targets, ignoreIndex: WordVocabulary.pad)
}

// MARK: - The n-gram baseline

/// An interpolated trigram model counted on the training text:
///
///     p(w | u, v) = λ₃ c(u v w)/c(u v) + λ₂ c(v w)/c(v) + λ₁ c(w)/T
///
/// with λ = (0.7, 0.2, 0.1); a term whose context was never seen is dropped and the remaining
/// weights are rescaled to sum to 1. Each sentence is counted as [BOS] [BOS] words [EOS], and
/// c(v) counts v as a context (followed by something), so c(v w) / c(v) is a distribution.
/// It sees two words back, never further: whatever decided the next word earlier is lost.
struct TrigramModel {
    static let weights = (trigram: 0.7, bigram: 0.2, unigram: 0.1)
    private var trigrams: [[Int]: Int] = [:], bigramContexts: [[Int]: Int] = [:]
    private var bigrams: [[Int]: Int] = [:], unigramContexts: [Int: Int] = [:]
    private var unigrams: [Int: Int] = [:]
    private var total = 0

    /// Counts every sentence (token ids without [BOS]/[EOS]).
    init(sentences: [[Int]]) {
        for sentence in sentences {
            let padded = [WordVocabulary.bos, WordVocabulary.bos] + sentence + [WordVocabulary.eos]
            for i in 2..<padded.count {
                let (u, v, w) = (padded[i - 2], padded[i - 1], padded[i])
                trigrams[[u, v, w], default: 0] += 1
                bigramContexts[[u, v], default: 0] += 1
                bigrams[[v, w], default: 0] += 1
                unigramContexts[v, default: 0] += 1
                unigrams[w, default: 0] += 1
                total += 1
            }
        }
    }

    /// p(w | u, v), as above.
    func probability(of w: Int, after u: Int, _ v: Int) -> Double {
        var terms: [(weight: Double, p: Double)] = []
        if let c = bigramContexts[[u, v]], c > 0 { terms.append((Self.weights.trigram, Double(trigrams[[u, v, w]] ?? 0) / Double(c))) }
        if let c = unigramContexts[v], c > 0 { terms.append((Self.weights.bigram, Double(bigrams[[v, w]] ?? 0) / Double(c))) }
        if total > 0 { terms.append((Self.weights.unigram, Double(unigrams[w] ?? 0) / Double(total))) }
        let weight = terms.reduce(0) { $0 + $1.weight }
        return weight > 0 ? terms.reduce(0) { $0 + $1.weight * $1.p } / weight : 0
    }
}
