// Differentiable scaled dot-product attention, on TensorCore's kernels.
//
//   B = batch, H = heads, N = query rows, M = key/value rows, D = head dim
//
//   O = softmax(Q Kᵀ · scale + mask) V         Q: [B, H, N, D]   K, V: [B, H, M, D]   O: [B, H, N, D]
//
// The forward and backward passes are the kernels' own (Attention+Standard.swift and
// Attention+Flash*.swift); this op only keeps what each backward needs on the tape:
// the probabilities P [B, H, N, M] for the standard kernel, or O and the row logsumexp [B, H, N]
// for the flash kernel (which recomputes P tile by tile, so no N×M matrix is ever kept).

import TensorCore

/// Which TensorCore kernel computes attention.
public enum AttentionKernel: String, Sendable, CaseIterable {
    /// S and P in memory ("Algorithm 0"); P is kept for the backward pass (and for pictures).
    case standard
    /// FlashAttention: tiles and an online softmax; keeps only O and the logsumexp per row.
    case flash
}

/// Scaled dot-product attention with a mask, differentiable in Q, K and V.
///
///     O = softmax(Q Kᵀ · scale + mask) V
///
///     let o = try scaledDotProductAttention(q, k, v, mask: .causal)            // [B, H, N, D]
///     let p = try scaledDotProductAttention(q, k, v, kernel: .flash)
///
/// A masked score is −∞ before the softmax; a query row whose every key is masked gets an
/// output of zeros and zero gradients.
///
/// - Parameters:
///   - q: [B, H, N, D]
///   - k: [B, H, M, D]
///   - v: [B, H, M, D]
///   - mask: causal, key padding (`keyLengths`) and/or an arbitrary boolean `allowed` [N, M] or [B, N, M].
///   - scale: multiplies every score; `nil` means 1/√D.
///   - kernel: `.standard` or `.flash`; both give the same values to within rounding.
/// - Returns: O, [B, H, N, D].
/// - Throws: `TensorError` when the shapes or the mask do not fit.
public func scaledDotProductAttention(
    _ q: Variable, _ k: Variable, _ v: Variable, mask: AttentionMask = .none, scale: Float? = nil,
    kernel: AttentionKernel = .standard
) throws -> Variable {
    try attentionWithProbabilities(q, k, v, mask: mask, scale: scale, kernel: kernel).output
}

/// `scaledDotProductAttention`, also returning P [B, H, N, M] when the standard kernel ran.
func attentionWithProbabilities(
    _ q: Variable, _ k: Variable, _ v: Variable, mask: AttentionMask, scale: Float?, kernel: AttentionKernel
) throws -> (output: Variable, probabilities: Tensor?) {
    switch kernel {
    case .standard:
        let forward = try attentionStandard(q: q.value, k: k.value, v: v.value, mask: mask, scale: scale)
        let output = Variable.result(forward.output, parents: [q, k, v]) { dO in
            let grads = try! attentionStandardBackward(
                q: q.value, k: k.value, v: v.value, probabilities: forward.probabilities, dOutput: dO, scale: scale)
            q.accumulate(grads.dQ)
            k.accumulate(grads.dK)
            v.accumulate(grads.dV)
        }
        return (output, forward.probabilities)
    case .flash:
        let forward = try attentionFlash(q: q.value, k: k.value, v: v.value, mask: mask, scale: scale)
        let output = Variable.result(forward.output, parents: [q, k, v]) { dO in
            let grads = try! attentionFlashBackward(
                q: q.value, k: k.value, v: v.value, output: forward.output, logsumexp: forward.logsumexp,
                dOutput: dO, mask: mask, scale: scale)
            q.accumulate(grads.dQ)
            k.accumulate(grads.dK)
            v.accumulate(grads.dV)
        }
        return (output, nil)
    }
}
