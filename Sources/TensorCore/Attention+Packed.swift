// FlashAttention on the heads of a packed projection [Q | K | V], read and written in place.
//
//   B = batch, N = positions, H = heads, D = head width, d = H·D
//
//   qkv [B, N, 3d]: Q in columns 0 ..< d, K in d ..< 2d, V in 2d ..< 3d; head h in columns h·D ..< (h+1)·D
//                   of each third
//   O   [B, N, d]:  head h in columns h·D ..< (h+1)·D (the heads merged)
//
// A transformer's attention layer computes Q, K and V with one linear map and merges the heads
// again after attention. Splitting qkv into [B, H, N, D] tensors and merging O back are copies the
// flash kernels do not need: they pack their operands into tiles anyway, and can read each head
// where it is (`HeadRows`). For a small model these copies were about 5% of a training step.

/// FlashAttention on a packed projection: the heads of qkv [B, N, 3·H·D] read in place, O written
/// with the heads merged.
///
///     let flash = try attentionFlashPacked(qkv: qkv, heads: 4, mask: .causal)
///     flash.output      // [B, N, H·D]
///     flash.logsumexp   // [B, H, N]
///
/// Bit for bit the numbers of splitting qkv into Q, K, V [B, H, N, D], `attentionFlash` and
/// merging the heads of its output.
/// - Parameters:
///   - qkv: [B, N, 3·H·D]
///   - heads: H
///   - mask, scale, blocks: as for `attentionFlash`; the scale defaults to 1/√D.
public func attentionFlashPacked(
    qkv: Tensor, heads: Int, mask: AttentionMask = .none, scale: Float? = nil, blocks: FlashBlockSizes = .default
) throws -> FlashAttentionResult {
    let shape = try packedShape(qkv, heads: heads, mask: mask)
    try blocks.validate()
    let (b, n, width) = (shape.batch, shape.queries, shape.heads * shape.headDim)
    var logsumexp = Tensor(repeating: -.infinity, shape: [b, heads, n])
    var stats = AttentionStats()
    // NOTE: every element of O is written: each query row of each head, by its query block.
    let output = Tensor(unsafeUninitializedShape: [b, n, width]) { o in
        guard shape.pairs > 0 && n > 0 && shape.headDim > 0 else { return }
        let views = PackedViews(qkv.storage.pointer, shape)
        stats = logsumexp.withUnsafeMutableBufferPointer { lse in
            flashForward(shape, q: views.q, k: views.k, v: views.v, o: views.merged(o.baseAddress!), lse: lse.baseAddress!,
                         mask: mask, scale: scale ?? attentionDefaultScale(headDim: shape.headDim), blocks: blocks)
        }
    }
    return FlashAttentionResult(output: output, logsumexp: logsumexp, stats: stats)
}

/// The backward of `attentionFlashPacked`: ∂loss/∂qkv [B, N, 3·H·D] (dQ, dK and dV side by side,
/// in qkv's layout) from qkv, O and L of the forward and dO = ∂loss/∂O [B, N, H·D].
public func attentionFlashPackedBackward(
    qkv: Tensor, heads: Int, output: Tensor, logsumexp: Tensor, dOutput: Tensor,
    mask: AttentionMask = .none, scale: Float? = nil, blocks: FlashBlockSizes = .default
) throws -> (dQKV: Tensor, stats: AttentionStats) {
    let shape = try packedShape(qkv, heads: heads, mask: mask)
    try blocks.validate()
    let (b, n, width) = (shape.batch, shape.queries, shape.heads * shape.headDim)
    try shape.checkSameShape(output, as: [b, n, width], name: "O")
    try shape.checkSameShape(dOutput, as: [b, n, width], name: "dO")
    try shape.checkSameShape(logsumexp, as: [b, heads, n], name: "L")
    guard shape.pairs > 0 && n > 0 && shape.headDim > 0 else { return (Tensor.zeros(qkv.shape), AttentionStats()) }
    var stats = AttentionStats()
    // NOTE: every element is written: dQ for every query row, dK and dV for every key row (zeros
    // past a key length), each in its third of the row.
    let dQKV = Tensor(unsafeUninitializedShape: qkv.shape) { dQKV in
        let views = PackedViews(qkv.storage.pointer, shape), gradients = PackedViews(dQKV.baseAddress!, shape)
        stats = flashBackward(shape, q: views.q, k: views.k, v: views.v, o: views.merged(output.storage.pointer),
                              dO: views.merged(dOutput.storage.pointer), lse: logsumexp.storage.pointer,
                              dQ: gradients.q, dK: gradients.k, dV: gradients.v, mask: mask,
                              scale: scale ?? attentionDefaultScale(headDim: shape.headDim), blocks: blocks)
    }
    return (dQKV, stats)
}

/// B, H, N = M and D of a packed projection, checked.
private func packedShape(_ qkv: Tensor, heads: Int, mask: AttentionMask) throws -> AttentionShape {
    guard qkv.rank == 3, heads > 0, qkv.shape[2] % (3 * heads) == 0 else {
        throw TensorError.shapeMismatch(
            "packed attention needs qkv [B, N, 3·H·D] with H = \(heads) heads; got \(qkv.shape)")
    }
    let (b, n) = (qkv.shape[0], qkv.shape[1])
    return try AttentionShape(batch: b, heads: heads, queries: n, keys: n, headDim: qkv.shape[2] / (3 * heads), mask: mask)
}

/// The heads of Q, K and V in a packed [B, N, 3d] tensor, and of a merged [B, N, d] one.
private struct PackedViews {
    let q: HeadRows, k: HeadRows, v: HeadRows
    let shape: AttentionShape

    init(_ base: UnsafeMutablePointer<Float>, _ shape: AttentionShape) {
        let (n, dHead, d) = (shape.queries, shape.headDim, shape.heads * shape.headDim)
        func third(_ index: Int) -> HeadRows {
            HeadRows(interleaved: base, heads: shape.heads, rows: n, d: dHead, width: 3 * d, offset: index * d)
        }
        (q, k, v, self.shape) = (third(0), third(1), third(2), shape)
    }

    /// The heads of a [B, N, d] tensor.
    func merged(_ base: UnsafeMutablePointer<Float>) -> HeadRows {
        HeadRows(interleaved: base, heads: shape.heads, rows: shape.queries, d: shape.headDim,
                 width: shape.heads * shape.headDim, offset: 0)
    }
}
