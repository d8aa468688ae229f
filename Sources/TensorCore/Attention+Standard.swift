// Standard attention — the lecture's "Algorithm 0" — forward and backward.
//
//   B = batch, H = heads, N = query rows, M = key rows, d = head dim
//
// Algorithm 0 writes every intermediate to memory:
//   1. S = Q Kᵀ · scale          [N, M]   (GEMM; written)
//   2. P = softmax(S + mask)     [N, M]   (read S, write P; here in place of S)
//   3. O = P V                   [N, d]   (read P)
// Both N×M matrices pass through slow memory, so it moves Θ(Nd + N²) bytes and needs Θ(N²) extra
// memory. It uses the project's GEMM and vectorised exp, so that a speedup of the flash kernel over
// it measures the algorithm, not a neglected baseline.

import _Support

/// What `attentionStandard` returns.
public struct StandardAttentionResult: Sendable {
    /// O: [B, H, N, d]
    public var output: Tensor
    /// P = softmax(Q Kᵀ · scale + mask): [B, H, N, M], kept for the backward pass.
    public var probabilities: Tensor
    /// Extra memory (P) and the bytes moved through slow memory.
    public var stats: AttentionStats
}

/// The bytes the standard kernels need for their N×M matrices, to check before running them.
///
/// The forward keeps P for every (batch, head) pair: B·H·N·M floats. The backward adds one N×M
/// buffer (dP, then dS in place).
public func attentionStandardBytes(batch: Int, heads: Int, queries: Int, keys: Int, backward: Bool = false) -> Int {
    let matrix = queries.multipliedReportingOverflow(by: keys).partialValue * MemoryLayout<Float>.stride
    return batch * heads * matrix + (backward ? matrix : 0)
}

/// Standard attention: S = Q Kᵀ · scale and P = softmax(S) written to memory, then O = P V.
///
///     let result = try attentionStandard(q: q, k: k, v: v, mask: .causal)
///     result.output         // [B, H, N, d]
///     result.probabilities  // [B, H, N, M]
///
/// Numerical stability: each row of S has its maximum subtracted before exp. A row whose scores
/// are all masked gets P = 0 and O = 0.
/// - Parameters:
///   - q: [B, H, N, d]
///   - k: [B, H, M, d]
///   - v: [B, H, M, d]
///   - mask: which scores may be used; masked scores become −∞ before the softmax.
///   - scale: multiplies every score; `nil` means 1/√d.
/// - Throws: `TensorError` for shapes that do not fit together.
public func attentionStandard(
    q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask = .none, scale: Float? = nil
) throws -> StandardAttentionResult {
    let shape = try AttentionShape(q: q, k: k, v: v, mask: mask)
    let (n, m, d) = (shape.queries, shape.keys, shape.headDim)
    let scale = scale ?? attentionDefaultScale(headDim: d)
    var output = Tensor.zeros([shape.batch, shape.heads, n, d])
    var probabilities = Tensor.zeros([shape.batch, shape.heads, n, m])
    let allowed = mask.allowed.map { $0.storage.pointer }
    q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
    output.withUnsafeMutableBufferPointer { o in probabilities.withUnsafeMutableBufferPointer { p in
        for pair in 0..<shape.pairs {
            let b = pair / shape.heads
            let qp = q.baseAddress! + pair * n * d, kp = k.baseAddress! + pair * m * d
            let vp = v.baseAddress! + pair * m * d, sp = p.baseAddress! + pair * n * m
            // 1. S = Q Kᵀ · scale   [N, M]
            GEMM.sgemm(transB: true, m: n, n: m, k: d, alpha: scale, a: qp, lda: d, b: kp, ldb: d,
                       c: sp, ldc: m)
            // 2. P = softmax(S + mask), row by row, in place   [N, M]
            let allowedHere = allowed.map { $0 + (mask.allowed!.rank == 3 ? b * n * m : 0) }
            let keyLength = mask.keyLengths?[b] ?? m
            Parallel.forEachRange(n, minimum: max(1, 16_384 / max(1, m))) { rows in
                for i in rows {
                    let row = sp + i * m
                    var visible = keyLength
                    if mask.causal { visible = min(visible, max(0, i + (m - n) + 1)) }
                    for j in visible..<m { row[j] = -.infinity }
                    if let allowedHere {
                        for j in 0..<visible where allowedHere[i * m + j] == 0 { row[j] = -.infinity }
                    }
                    softmaxRowInPlace(row, count: m)
                }
            }
            // 3. O = P V   [N, d]
            GEMM.sgemm(m: n, n: d, k: m, a: sp, lda: m, b: vp, ldb: d,
                       c: o.baseAddress! + pair * n * d, ldc: d)
        }
    } } } } }
    let (nd, md, nm) = (n * d, m * d, n * m)
    let traffic = shape.pairs * MemoryLayout<Float>.stride * (
        (nd + md + nm)       // 1. read Q, K; write S
        + (nm + nm)          // 2. read S; write P
        + (nm + md + nd))    // 3. read P, V; write O
    let stats = AttentionStats(
        extraBytes: attentionStandardBytes(batch: shape.batch, heads: shape.heads, queries: n, keys: m),
        dramBytes: traffic)
    return StandardAttentionResult(output: output, probabilities: probabilities, stats: stats)
}

/// The backward of standard attention, from the stored P.
///
///     dV = Pᵀ dO                  [M, d]
///     dP = dO Vᵀ                  [N, M]
///     dS = P ∘ (dP − D),  Dᵢ = Σⱼ Pᵢⱼ dPᵢⱼ  (= rowsum(dO ∘ O))   — the softmax backward
///     dQ = dS K · scale           [N, d]
///     dK = dSᵀ Q · scale          [M, d]
///
/// - Parameters:
///   - q, k, v: the forward's inputs: [B, H, N, d], [B, H, M, d], [B, H, M, d]
///   - probabilities: P from `attentionStandard`: [B, H, N, M] (masked entries are 0, so the mask
///     needs no second mention here)
///   - dOutput: ∂loss/∂O: [B, H, N, d]
///   - scale: the forward's scale; `nil` means 1/√d.
public func attentionStandardBackward(
    q: Tensor, k: Tensor, v: Tensor, probabilities: Tensor, dOutput: Tensor, scale: Float? = nil
) throws -> AttentionGradients {
    let shape = try AttentionShape(q: q, k: k, v: v, mask: .none)
    let (n, m, d) = (shape.queries, shape.keys, shape.headDim)
    try shape.checkSameShape(probabilities, as: [shape.batch, shape.heads, n, m], name: "P")
    try shape.checkSameShape(dOutput, as: q.shape, name: "dO")
    let scale = scale ?? attentionDefaultScale(headDim: d)
    var dQ = Tensor.zeros(q.shape), dK = Tensor.zeros(k.shape), dV = Tensor.zeros(v.shape)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * m))   // dP, then dS
    defer { scratch.deallocate() }
    q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
    probabilities.withUnsafeBufferPointer { p in dOutput.withUnsafeBufferPointer { dO in
    dQ.withUnsafeMutableBufferPointer { dQ in dK.withUnsafeMutableBufferPointer { dK in
    dV.withUnsafeMutableBufferPointer { dV in
        for pair in 0..<shape.pairs {
            let (qo, ko, po) = (pair * n * d, pair * m * d, pair * n * m)
            let pp = p.baseAddress! + po, dOp = dO.baseAddress! + qo
            // dV = Pᵀ dO   [M, d]
            GEMM.sgemm(transA: true, m: m, n: d, k: n, a: pp, lda: m, b: dOp, ldb: d,
                       c: dV.baseAddress! + ko, ldc: d)
            // dP = dO Vᵀ   [N, M]
            GEMM.sgemm(transB: true, m: n, n: m, k: d, a: dOp, lda: d, b: v.baseAddress! + ko, ldb: d,
                       c: scratch, ldc: m)
            // dS = P ∘ (dP − D), in place of dP
            Parallel.forEachRange(n, minimum: max(1, 16_384 / max(1, m))) { rows in
                for i in rows {
                    softmaxBackwardRowInPlace(probabilities: pp + i * m, gradient: scratch + i * m, count: m)
                }
            }
            // dQ = dS K · scale   [N, d];   dK = dSᵀ Q · scale   [M, d]
            GEMM.sgemm(m: n, n: d, k: m, alpha: scale, a: scratch, lda: m, b: k.baseAddress! + ko, ldb: d,
                       c: dQ.baseAddress! + qo, ldc: d)
            GEMM.sgemm(transA: true, m: m, n: d, k: n, alpha: scale, a: scratch, lda: m,
                       b: q.baseAddress! + qo, ldb: d, c: dK.baseAddress! + ko, ldc: d)
        }
    } } } } } } } }
    let (nd, md, nm) = (n * d, m * d, n * m)
    let traffic = shape.pairs * MemoryLayout<Float>.stride * (
        (nm + nd + md)       // dV = Pᵀ dO: read P, dO; write dV
        + (nd + md + nm)     // dP = dO Vᵀ: read dO, V; write dP
        + (3 * nm)           // dS: read P, dP; write dS
        + (nm + md + nd)     // dQ: read dS, K; write dQ
        + (nm + nd + md))    // dK: read dS, Q; write dK
    let stats = AttentionStats(extraBytes: n * m * MemoryLayout<Float>.stride, dramBytes: traffic)
    return AttentionGradients(dQ: dQ, dK: dK, dV: dV, stats: stats)
}

// MARK: - Row kernels

/// p ← softmax(p) over `count` floats, in place; an all −∞ row becomes zeros.
///
/// softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x)
@inlinable
public func softmaxRowInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) {
    let rowMax = VectorMath.max(row, count: count)
    guard rowMax > -.infinity else {
        row.update(repeating: 0, count: count)
        return
    }
    let inverse = 1 / VectorMath.expShiftedSum(row, row, count: count, shift: rowMax)
    VectorMath.scale(row, count: count, by: inverse)
}

/// g ← p ∘ (g − Σⱼ pⱼ gⱼ): turns ∂loss/∂P of one row into ∂loss/∂S, in place.
@inlinable
func softmaxBackwardRowInPlace(probabilities p: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>, count: Int) {
    let dot = VectorMath.dot(p, g, count: count)
    var j = 0
    while j + 16 <= count {
        storeSIMD16(loadSIMD16(p + j) * (loadSIMD16(g + j) - dot), g + j)
        j += 16
    }
    while j < count {
        g[j] = p[j] * (g[j] - dot)
        j += 1
    }
}
