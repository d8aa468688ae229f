// A float64 re-implementation of attention, forward and backward, for the attention tests:
// written from the formulas, sharing no code with TensorCore's kernels, so that both the
// standard and the flash kernel can be measured against it.
//
//   N = query rows, M = key rows, d = head dim; one (batch, head) pair at a time

import Foundation
import TensorCore

/// Forward and backward of attention in Float64, for every (batch, head) pair of rank-4 inputs.
struct AttentionReference64 {
    /// [B, H, N, d], [B, H, N], [B, H, N, d], [B, H, M, d], [B, H, M, d], flattened row-major.
    var output: [Double] = [], logsumexp: [Double] = [], dQ: [Double] = [], dK: [Double] = [], dV: [Double] = []

    /// - Parameters: q [B, H, N, d]; k, v [B, H, M, d]; dO [B, H, N, d]; `allows(b, i, j)` says
    ///   whether query i of batch b may see key j.
    init(q: Tensor, k: Tensor, v: Tensor, dO: Tensor, scale: Double? = nil,
         allows: (Int, Int, Int) -> Bool = { _, _, _ in true }) {
        let (batch, heads, n, d, m) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3], k.shape[2])
        let scale = scale ?? 1 / Double(d).squareRoot()
        let qs = q.scalars.map(Double.init), ks = k.scalars.map(Double.init)
        let vs = v.scalars.map(Double.init), dOs = dO.scalars.map(Double.init)
        output = .init(repeating: 0, count: qs.count)
        dQ = .init(repeating: 0, count: qs.count)
        dK = .init(repeating: 0, count: ks.count)
        dV = .init(repeating: 0, count: vs.count)
        logsumexp = .init(repeating: -.infinity, count: batch * heads * n)
        for pair in 0..<(batch * heads) {
            let b = pair / heads, qo = pair * n * d, ko = pair * m * d
            for i in 0..<n {
                // P[i, :] by the definition, masked scores excluded.
                var s = [Double](repeating: -.infinity, count: m)
                for j in 0..<m where allows(b, i, j) {
                    var dot = 0.0
                    for c in 0..<d { dot += qs[qo + i * d + c] * ks[ko + j * d + c] }
                    s[j] = dot * scale
                }
                let top = s.max()!
                guard top > -.infinity else { continue }      // nothing visible: O = 0, gradients 0
                let e = s.map { Foundation.exp($0 - top) }
                let total = e.reduce(0, +)
                let p = e.map { $0 / total }
                logsumexp[pair * n + i] = top + Foundation.log(total)
                for j in 0..<m where p[j] != 0 {
                    for c in 0..<d { output[qo + i * d + c] += p[j] * vs[ko + j * d + c] }
                }
                // Backward of this row: dP = dO Vᵀ, dS = P ∘ (dP − Σ P dP).
                var dP = [Double](repeating: 0, count: m), dot = 0.0
                for j in 0..<m {
                    for c in 0..<d { dP[j] += dOs[qo + i * d + c] * vs[ko + j * d + c] }
                    dot += p[j] * dP[j]
                }
                for j in 0..<m where p[j] != 0 {
                    let dS = p[j] * (dP[j] - dot)
                    for c in 0..<d {
                        dV[ko + j * d + c] += p[j] * dOs[qo + i * d + c]
                        dQ[qo + i * d + c] += dS * ks[ko + j * d + c] * scale
                        dK[ko + j * d + c] += dS * qs[qo + i * d + c] * scale
                    }
                }
            }
        }
    }
}

/// The largest |actual − expected| over all elements.
func maxError(_ actual: Tensor, _ expected: [Double]) -> Double {
    zip(actual.scalars, expected).reduce(0.0) { max($0, abs(Double($1.0) - $1.1)) }
}

/// A tensor of standard normal numbers from `seed`, times `scale`.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape) { _ in generator.nextNormal() * scale }
}
