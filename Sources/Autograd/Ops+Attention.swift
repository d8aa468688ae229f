// Differentiable scaled dot-product attention, on TensorCore's kernels.
//
//   B = batch, H = heads, N = query rows, M = key/value rows, D = head dim, d = H·D
//
//   O = softmax(Q Kᵀ · scale + mask) V         Q: [B, H, N, D]   K, V: [B, H, M, D]   O: [B, H, N, D]
//
// The forward and backward passes are the kernels' own (Attention+Standard.swift and
// Attention+Flash*.swift); this op only keeps what each backward needs on the tape:
// the probabilities P [B, H, N, M] for the standard kernel, or O and the row logsumexp [B, H, N]
// for the flash kernel (which recomputes P tile by tile, so no N×M matrix is ever kept).

import _Support
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
        let forward = try Profiler.measure(.attention) {
            try attentionStandard(q: q.value, k: k.value, v: v.value, mask: mask, scale: scale)
        }
        let output = Variable.result(forward.output, parents: [q, k, v]) { dO in
            let grads = Profiler.measure(.attention) {
                try! attentionStandardBackward(
                    q: q.value, k: k.value, v: v.value, probabilities: forward.probabilities, dOutput: dO, scale: scale)
            }
            q.accumulate(grads.dQ)
            k.accumulate(grads.dK)
            v.accumulate(grads.dV)
        }
        return (output, forward.probabilities)
    case .flash:
        let blocks = flashBlocks(queries: q.shape[2], keys: k.shape[2])
        let forward = try Profiler.measure(.attention) {
            try attentionFlash(q: q.value, k: k.value, v: v.value, mask: mask, scale: scale, blocks: blocks)
        }
        let output = Variable.result(forward.output, parents: [q, k, v]) { dO in
            let grads = Profiler.measure(.attention) {
                try! attentionFlashBackward(
                    q: q.value, k: k.value, v: v.value, output: forward.output, logsumexp: forward.logsumexp,
                    dOutput: dO, mask: mask, scale: scale, blocks: blocks)
            }
            q.accumulate(grads.dQ)
            k.accumulate(grads.dK)
            v.accumulate(grads.dV)
        }
        return (output, nil)
    }
}

/// The flash kernel's tiles for N queries and M keys: TensorCore's default for long sequences;
/// for short ones (≤ 64), 32 × 32 tiles, so that no tile is mostly padding and a causal mask
/// skips the tiles above the diagonal (at N = 64: one of four).
func flashBlocks(queries: Int, keys: Int) -> FlashBlockSizes {
    queries <= 64 && keys <= 64 ? FlashBlockSizes(queryRows: 32, keyRows: 32) : .default
}

// MARK: - Self-attention on a packed projection

/// Multi-head self-attention on the packed projection [Q | K | V] of every position, with the
/// head split and merge fused in: one op where `splitHeads` ×3, attention and `mergeHeads`
/// would be five.
///
///     Q_h, K_h, V_h = the h-th D-wide slices of the three thirds of qkv
///     y[b, n, h·D ..< (h+1)·D] = softmax(Q_h K_hᵀ · scale + mask) V_h
///
/// Backward: one [B, N, 3d] gradient (dQ, dK, dV side by side), so the packed projection's
/// `linear` needs one GEMM per gradient instead of three. The flash kernel reads and writes the
/// heads in place (`attentionFlashPacked`); the standard one works on copies of them.
///
/// - Parameters:
///   - qkv: [B, N, 3d], the concatenation of Q, K and V along the last axis.
///   - heads: H; d must be a multiple of it.
/// - Returns: y [B, N, d], and P [B, H, N, N] when the standard kernel ran.
/// - Throws: `TensorError.shapeMismatch` when qkv is not [B, N, 3·H·D].
func packedSelfAttention(
    _ qkv: Variable, heads: Int, mask: AttentionMask, scale: Float?, kernel: AttentionKernel
) throws -> (output: Variable, probabilities: Tensor?) {
    guard qkv.value.rank == 3, heads > 0, qkv.shape[2] % (3 * heads) == 0 else {
        throw TensorError.shapeMismatch("packed self-attention needs [B, N, 3·H·D] with H = \(heads), got \(qkv.shape)")
    }
    let (b, n, d) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    switch kernel {
    case .standard:
        let heads = HeadLayout(batch: b, positions: n, heads: heads, headDim: d / heads, rowWidth: 3 * d)
        let q = heads.gather(qkv.value, offset: 0), k = heads.gather(qkv.value, offset: d)
        let v = heads.gather(qkv.value, offset: 2 * d)
        let merged = HeadLayout(batch: b, positions: n, heads: heads.heads, headDim: heads.headDim, rowWidth: d)
        func packGradients(_ grads: AttentionGradients) {
            qkv.accumulate(Kernels.makeOverwriting(qkv.shape) { dqkv, _ in   // the three scatters cover every column
                heads.scatter(grads.dQ, into: dqkv, offset: 0)
                heads.scatter(grads.dK, into: dqkv, offset: d)
                heads.scatter(grads.dV, into: dqkv, offset: 2 * d)
            })
        }
        let forward = try Profiler.measure(.attention) {
            try attentionStandard(q: q, k: k, v: v, mask: mask, scale: scale)
        }
        let y = Variable.result(merged.merge(forward.output), parents: [qkv]) { g in
            packGradients(Profiler.measure(.attention) {
                try! attentionStandardBackward(q: q, k: k, v: v, probabilities: forward.probabilities,
                                               dOutput: merged.gather(g, offset: 0), scale: scale)
            })
        }
        return (y, forward.probabilities)
    case .flash:
        // The flash kernels read the heads in place and write O with the heads merged: no copies.
        let blocks = flashBlocks(queries: n, keys: n)
        let forward = try Profiler.measure(.attention) {
            try attentionFlashPacked(qkv: qkv.value, heads: heads, mask: mask, scale: scale, blocks: blocks)
        }
        let y = Variable.result(forward.output, parents: [qkv]) { g in
            qkv.accumulate(Profiler.measure(.attention) {
                try! attentionFlashPackedBackward(qkv: qkv.value, heads: heads, output: forward.output,
                                                  logsumexp: forward.logsumexp, dOutput: g, mask: mask, scale: scale,
                                                  blocks: blocks).dQKV
            })
        }
        return (y, nil)
    }
}

/// Where each head's D-wide slice sits in rows of `rowWidth` floats: [B, N, rowWidth] ⇄ [B, H, N, D].
struct HeadLayout {
    let batch: Int, positions: Int, heads: Int, headDim: Int, rowWidth: Int

    /// The heads of the D·H columns from `offset` of each row of x [B, N, rowWidth]: [B, H, N, D].
    func gather(_ x: Tensor, offset: Int) -> Tensor {
        x.withUnsafeBufferPointer { x in
            Kernels.makeOverwriting([batch, heads, positions, headDim]) { out, _ in
                forEachRow { b, t in
                    for h in 0..<heads {
                        copy(x.baseAddress! + (b * positions + t) * rowWidth + offset + h * headDim,
                             to: out + ((b * heads + h) * positions + t) * headDim)
                    }
                }
            }
        }
    }

    /// The inverse of `gather`: writes heads [B, H, N, D] into the columns from `offset` of `out`.
    func scatter(_ heads: Tensor, into out: UnsafeMutablePointer<Float>, offset: Int) {
        heads.withUnsafeBufferPointer { x in
            forEachRow { b, t in
                for h in 0..<self.heads {
                    copy(x.baseAddress! + ((b * self.heads + h) * positions + t) * headDim,
                         to: out + (b * positions + t) * rowWidth + offset + h * headDim)
                }
            }
        }
    }

    /// Heads [B, H, N, D] joined into rows [B, N, H·D] (rowWidth must be H·D).
    func merge(_ heads: Tensor) -> Tensor {
        Kernels.makeOverwriting([batch, positions, rowWidth]) { out, _ in scatter(heads, into: out, offset: 0) }
    }

    /// `body(b, t)` for every position of every sequence, in parallel chunks.
    private func forEachRow(_ body: (Int, Int) -> Void) {
        Kernels.forEachRowRange(batch * positions, width: rowWidth) { range in
            for row in range { body(row / positions, row % positions) }
        }
    }

    /// Copies one head's D floats.
    ///
    /// NOTE: `update(from:count:)` is a call to `memmove` for every head of every row, 64 bytes
    /// each at D = 16; sixteen lanes at a time the copies stay in the loop.
    @inline(__always)
    private func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>) {
        var j = 0
        while j < headDim {
            let lanes = Swift.min(16, headDim - j)
            storeSIMD16(loadSIMD16(source + j, lanes: lanes), target + j, lanes: lanes)
            j += 16
        }
    }
}
