// One attention head by hand: every intermediate matrix of softmax(Q Kᵀ / √d_k) V, and the
// statistics behind the 1/√d_k scale.
// N = words, d = model width, D = d_k = head width, M = keys.

import Foundation
import TensorCore

/// Every matrix of one head of self-attention, in the order the lecture computes them:
///
///     Q = X W_q,  K = X W_k,  V = X W_v          [N, D]
///     S = Q Kᵀ                                    [N, N]   raw scores
///     S' = S / √D                                 [N, N]   scaled scores
///     P = softmax(S') by rows                     [N, N]   attention weights; each row sums to 1
///     O = P V                                     [N, D]   each word's output
///
/// The softmax subtracts each row's maximum before exp, so no score overflows.
struct OneHeadSteps {
    let x: Tensor, q: Tensor, k: Tensor, v: Tensor
    let scores: Tensor, scaled: Tensor, weights: Tensor, output: Tensor

    /// - Parameters:
    ///   - x: [N, d], the words' vectors.
    ///   - wq, wk, wv: [d, D], the head's projections.
    init(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor) throws {
        self.x = x
        q = try x.matmul(wq)
        k = try x.matmul(wk)
        v = try x.matmul(wv)
        scores = try q.matmul(k.transposed())
        scaled = scores * attentionDefaultScale(headDim: wq.shape[1])
        weights = scaled.softmax()
        output = try weights.matmul(v)
    }
}

/// How the scale of a dot product grows with the width of the vectors, measured.
enum ScoreScaling {
    /// The variance of q·k over `samples` pairs of vectors with independent N(0, 1) entries:
    /// Var(q·k) = Σ Var(q_i k_i) = d_k exactly, so the scores' spread grows like √d_k.
    static func dotProductVariance(dk: Int, samples: Int, generator: inout SeededGenerator) -> (raw: Double, scaled: Double) {
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<samples {
            var dot = 0.0
            for _ in 0..<dk { dot += Double(generator.nextNormal()) * Double(generator.nextNormal()) }
            sum += dot
            sumSquares += dot * dot
        }
        let mean = sum / Double(samples)
        let variance = sumSquares / Double(samples) - mean * mean
        return (variance, variance / Double(dk))
    }

    /// The mean entropy (nats) of softmax rows of one query against `keys` random keys, with and
    /// without the 1/√d_k scale; log(keys) is the most a row can have (uniform attention).
    static func softmaxEntropy(dk: Int, keys: Int, rows: Int, generator: inout SeededGenerator) -> (unscaled: Double, scaled: Double) {
        var unscaled = 0.0, scaled = 0.0
        let scale = Double(attentionDefaultScale(headDim: dk))
        for _ in 0..<rows {
            let q = (0..<dk).map { _ in Double(generator.nextNormal()) }
            let scores = (0..<keys).map { _ in (0..<dk).reduce(0.0) { s, i in s + q[i] * Double(generator.nextNormal()) } }
            unscaled += entropy(softmax: scores)
            scaled += entropy(softmax: scores.map { $0 * scale })
        }
        return (unscaled / Double(rows), scaled / Double(rows))
    }

    /// H(softmax(s)) = −Σ p log p, computed stably (max subtracted).
    static func entropy(softmax scores: [Double]) -> Double {
        let top = scores.max() ?? 0
        let e = scores.map { exp($0 - top) }, total = e.reduce(0, +)
        return -e.reduce(0.0) { h, x in
            let p = x / total
            return p > 0 ? h + p * log(p) : h
        }
    }
}
