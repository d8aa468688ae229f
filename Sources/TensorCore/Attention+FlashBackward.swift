// FlashAttention backward: gradients by recomputation, with no N×M matrix in memory.
//
//   B = batch, H = heads, N = query rows, M = key rows, d = head dim, Br × Bc = tile
//
//   D = rowsum(dO ∘ O)                                       [N]   (= Σⱼ Pᵢⱼ dPᵢⱼ)
//   for each block of Bc keys (in parallel), dK_blk = dV_blk = 0:
//     for each block of Br queries that sees it:
//       P  = exp(Q_blk K_blkᵀ · scale − L)                   [Br, Bc]   recomputed, in cache
//       dV_blk += Pᵀ dO_blk
//       dP = dO_blk V_blkᵀ                                   [Br, Bc]
//       dS = P ∘ (dP − D)                                    (the softmax backward)
//       dQ_blk += dS K_blk · scale
//       dK_blk += dSᵀ Q_blk · scale
//
// Recomputing P costs one more Q Kᵀ product than the standard backward (which reads the stored
// P), but every product runs on tiles in cache instead of N×M matrices in memory. dQ gets a
// contribution from every key block: each worker accumulates its key blocks into its own copy
// of dQ, and the copies are added at the end.

import _Support

/// The backward of FlashAttention, from Q, K, V, O, L and dO alone.
///
///     let flash = try attentionFlash(q: q, k: k, v: v)
///     let grads = try attentionFlashBackward(q: q, k: k, v: v, output: flash.output,
///                                            logsumexp: flash.logsumexp, dOutput: dO)
///
/// - Parameters:
///   - q, k, v: the forward's inputs: [B, H, N, d], [B, H, M, d], [B, H, M, d]
///   - output: O from `attentionFlash`: [B, H, N, d]
///   - logsumexp: L from `attentionFlash`: [B, H, N]
///   - dOutput: ∂loss/∂O: [B, H, N, d]
///   - mask, scale: as given to the forward.
///   - blocks: Br and Bc (need not match the forward's).
public func attentionFlashBackward(
    q: Tensor, k: Tensor, v: Tensor, output: Tensor, logsumexp: Tensor, dOutput: Tensor,
    mask: AttentionMask = .none, scale: Float? = nil, blocks: FlashBlockSizes = .default
) throws -> AttentionGradients {
    let shape = try AttentionShape(q: q, k: k, v: v, mask: mask)
    try blocks.validate()
    try shape.checkSameShape(output, as: q.shape, name: "O")
    try shape.checkSameShape(dOutput, as: q.shape, name: "dO")
    try shape.checkSameShape(logsumexp, as: [shape.batch, shape.heads, shape.queries], name: "L")
    let (n, m, d) = (shape.queries, shape.keys, shape.headDim)
    var dQ = Tensor.zeros(q.shape), dK = Tensor.zeros(k.shape), dV = Tensor.zeros(v.shape)
    if shape.pairs == 0 || n == 0 || m == 0 {
        return AttentionGradients(dQ: dQ, dK: dK, dV: dV, stats: AttentionStats())
    }
    let heads = shape.heads
    func rows(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> HeadRows {
        HeadRows(contiguous: pointer, heads: heads, rows: count, d: d)
    }
    let stats = dQ.withUnsafeMutableBufferPointer { dQ in dK.withUnsafeMutableBufferPointer { dK in
        dV.withUnsafeMutableBufferPointer { dV in
            flashBackward(shape, q: rows(q.storage.pointer, n), k: rows(k.storage.pointer, m), v: rows(v.storage.pointer, m),
                          o: rows(output.storage.pointer, n), dO: rows(dOutput.storage.pointer, n),
                          lse: logsumexp.storage.pointer, dQ: rows(dQ.baseAddress!, n), dK: rows(dK.baseAddress!, m),
                          dV: rows(dV.baseAddress!, m), mask: mask, scale: scale ?? attentionDefaultScale(headDim: d),
                          blocks: blocks)
        }
    } }
    return AttentionGradients(dQ: dQ, dK: dK, dV: dV, stats: stats)
}

/// The flash backward on operands wherever they are (`HeadRows`): writes every row of dQ, dK
/// and dV (zeros for keys past a key length) and returns the stats. L is [pairs, N], contiguous.
/// The shape has at least one pair, one query and one key.
func flashBackward(
    _ shape: AttentionShape, q: HeadRows, k: HeadRows, v: HeadRows, o: HeadRows, dO: HeadRows,
    lse: UnsafeMutablePointer<Float>, dQ: HeadRows, dK: HeadRows, dV: HeadRows,
    mask: AttentionMask, scale: Float, blocks: FlashBlockSizes
) -> AttentionStats {
    let (n, d) = (shape.queries, shape.headDim)
    let plan = FlashPlan(shape: shape, blocks: blocks)

    // Work: key blocks of each pair, split into `groups` interleaved sets when there are fewer
    // pairs than threads; every (pair, group) accumulates into its own copy of dQ.
    let groups = min(plan.keyBlocks, max(1, (Parallel.threadCount + shape.pairs - 1) / shape.pairs))
    let packed = FlashBackwardOperands(plan: plan, groups: groups, q: q, k: k, dO: dO)
    defer { packed.deallocate() }
    packed.pack(q: q, k: k, v: v, output: o, logsumexp: lse, dOutput: dO, scale: scale)

    let items = shape.pairs * groups
    var traffic = [Int](repeating: 0, count: items)
    traffic.withUnsafeMutableBufferPointer { traffic in
        let targets = FlashBackwardTargets(dK: dK, dV: dV, scale: scale, mask: mask)
        Parallel.forEach(chunks: items) { item in
            let pair = item / groups, group = item % groups
            var bytes = 0
            for block in stride(from: group, to: plan.keyBlocks, by: groups) {
                bytes += flashBackwardKeyBlock(packed, targets, pair: pair, group: group, keyBlock: block)
            }
            traffic[item] = bytes
        }
    }
    // dQ = scale · Σ over groups of the partial dQs, cropped to [N, d].
    packed.sumPartialQueryGradients(into: dQ, scale: scale)

    let (np, dp) = (plan.paddedQueries, plan.paddedDim)
    return AttentionStats(
        extraBytes: MemoryLayout<Float>.stride * (packed.floatCount
                                                  + min(items, Parallel.threadCount) * packed.scratchFloats),
        dramBytes: traffic.reduce(0, +) + MemoryLayout<Float>.stride * shape.pairs * (
            2 * n * d + n                      // D = rowsum(dO ∘ O): read O, dO; write D
            + groups * np * dp + n * d))       // add up the partial dQs; write dQ
}

// MARK: - Operands

/// Q, K, V and dO of every pair in the layouts the backward's tile products read, plus L, D
/// and the partial dQs. All zero-padded to whole tiles.
struct FlashBackwardOperands: @unchecked Sendable {
    let plan: FlashPlan, groups: Int
    let qStrips, dOStrips: UnsafeMutablePointer<Float>                  // [pairs, Np, dp] each
    let kPanels, vPanels: UnsafeMutablePointer<Float>                   // [pairs, Mp, dp] each
    /// Q, dO and K as row operands: the operands in place when d is a multiple of 16 (and, for
    /// Q and dO, N a multiple of 8, as tiles read whole 8-row strips), else padded copies.
    var qRows, dORows, kRows: HeadRows
    private let copies: UnsafeMutablePointer<Float>?                    // the padded copies, if any
    let lse, delta: UnsafeMutablePointer<Float>                         // [pairs, Np]
    let dQPartial: UnsafeMutablePointer<Float>                          // [pairs, groups, Np, dp]

    var queryFloats: Int { plan.shape.pairs * plan.paddedQueries * plan.paddedDim }
    var keyFloats: Int { plan.shape.pairs * plan.paddedKeys * plan.paddedDim }
    /// Whether Q, dO and K must be copied to padded rows (see `qRows`).
    static func needsCopies(_ plan: FlashPlan) -> Bool {
        plan.shape.headDim != plan.paddedDim || plan.shape.queries % 8 != 0
    }
    var floatCount: Int { (copies != nil ? 4 : 2) * queryFloats + (copies != nil ? 3 : 2) * keyFloats
                          + 2 * plan.shape.pairs * plan.paddedQueries + groups * queryFloats }
    /// Floats of one worker's tiles: S/P and dP/dS [Br, Bc] each; dKᵀ and dVᵀ [dp, Bc].
    var scratchFloats: Int { 2 * plan.br * plan.bc + 2 * plan.paddedDim * plan.bc }

    init(plan: FlashPlan, groups: Int, q: HeadRows, k: HeadRows, dO: HeadRows) {
        self.plan = plan
        self.groups = groups
        let pairs = plan.shape.pairs, np = plan.paddedQueries, mp = plan.paddedKeys, dp = plan.paddedDim
        (qStrips, dOStrips) = (allocateFloats(pairs * np * dp), allocateFloats(pairs * np * dp))
        (kPanels, vPanels) = (allocateFloats(pairs * mp * dp), allocateFloats(pairs * mp * dp))
        (qRows, dORows, kRows) = (q, dO, k)
        copies = Self.needsCopies(plan) ? allocateFloats(pairs * (2 * np + mp) * dp) : nil
        if let buffer = copies {
            let heads = plan.shape.heads
            (qRows, dORows, kRows) = (HeadRows(contiguous: buffer, heads: heads, rows: np, d: dp),
                                      HeadRows(contiguous: buffer + pairs * np * dp, heads: heads, rows: np, d: dp),
                                      HeadRows(contiguous: buffer + 2 * pairs * np * dp, heads: heads, rows: mp, d: dp))
        }
        (lse, delta) = (allocateFloats(pairs * np), allocateFloats(pairs * np))
        dQPartial = allocateFloats(pairs * groups * np * dp)
        dQPartial.update(repeating: 0, count: pairs * groups * np * dp)
    }

    func deallocate() {
        for pointer in [qStrips, dOStrips, kPanels, vPanels, lse, delta, dQPartial] { pointer.deallocate() }
        copies?.deallocate()
    }

    func pack(q: HeadRows, k: HeadRows, v: HeadRows, output o: HeadRows, logsumexp l: UnsafePointer<Float>,
              dOutput dO: HeadRows, scale: Float) {
        let s = plan.shape
        let (pairs, n, m, d, np, mp, dp) = (s.pairs, s.queries, s.keys, s.headDim, plan.paddedQueries,
                                            plan.paddedKeys, plan.paddedDim)
        PackedHeads.transposedStrips(q, pairs: pairs, rows: n, d: d, paddedRows: np, dp: dp, width: 8,
                                     into: qStrips, scale: scale)
        PackedHeads.transposedStrips(dO, pairs: pairs, rows: n, d: d, paddedRows: np, dp: dp, width: 8, into: dOStrips)
        if let copies {
            PackedHeads.rows(q, pairs: pairs, rows: n, d: d, paddedRows: np, dp: dp, into: copies)
            PackedHeads.rows(dO, pairs: pairs, rows: n, d: d, paddedRows: np, dp: dp, into: copies + pairs * np * dp)
            PackedHeads.rows(k, pairs: pairs, rows: m, d: d, paddedRows: mp, dp: dp, into: copies + 2 * pairs * np * dp)
        }
        PackedHeads.transposedStrips(k, pairs: pairs, rows: m, d: d, paddedRows: mp, dp: dp, width: 32, into: kPanels)
        PackedHeads.transposedStrips(v, pairs: pairs, rows: m, d: d, paddedRows: mp, dp: dp, width: 32, into: vPanels)
        // L, with +∞ for padding rows and rows that saw no key, so that P = exp(S − L) = 0 there;
        // D = rowsum(dO ∘ O).
        let (lse, delta) = (self.lse, self.delta)
        Parallel.forEachRange(pairs, minimum: max(1, 4096 / max(1, np * d))) { range in
            for pair in range {
                for r in 0..<np {
                    let row = pair * n + r
                    let value = r < n ? l[row] : .infinity
                    lse[pair * np + r] = value == -.infinity ? .infinity : value
                    delta[pair * np + r] = r < n ? VectorMath.dot(dO.pair(pair) + r * dO.rowStride,
                                                                  o.pair(pair) + r * o.rowStride, count: d) : 0
                }
            }
        }
    }

    /// dQ[pair, i, c] = scale · Σ_groups dQPartial[pair, group, i, c] for i < N, c < d.
    func sumPartialQueryGradients(into dQ: HeadRows, scale: Float) {
        let s = plan.shape, np = plan.paddedQueries, dp = plan.paddedDim
        Parallel.forEachRange(s.pairs, minimum: 1) { pairs in
            for pair in pairs {
                for i in 0..<s.queries {
                    let target = dQ.pair(pair) + i * dQ.rowStride
                    // Group by group, so that each pass is a plain vectorisable loop over the row.
                    for group in 0..<groups {
                        let source = dQPartial + ((pair * groups + group) * np + i) * dp
                        if group == 0 {
                            for c in 0..<s.headDim { target[c] = source[c] }
                        } else {
                            for c in 0..<s.headDim { target[c] += source[c] }
                        }
                    }
                    VectorMath.scale(target, count: s.headDim, by: scale)
                }
            }
        }
    }
}

/// Where the backward writes dK and dV, and the forward's settings.
struct FlashBackwardTargets: @unchecked Sendable {
    let dK: HeadRows, dV: HeadRows
    let scale: Float, mask: AttentionMask
}

// MARK: - One block of keys

/// Accumulates dK and dV of one key block over every query block that sees it, and adds the
/// block's share of dQ to the group's partial dQ. Returns the bytes moved through slow memory.
func flashBackwardKeyBlock(
    _ ops: FlashBackwardOperands, _ targets: FlashBackwardTargets, pair: Int, group: Int, keyBlock: Int
) -> Int {
    let plan = ops.plan, shape = plan.shape
    let (n, m, d, dp, br, bc) = (shape.queries, shape.keys, shape.headDim, plan.paddedDim, plan.br, plan.bc)
    let (np, mp) = (plan.paddedQueries, plan.paddedKeys)
    let b = pair / shape.heads, k0 = keyBlock * bc
    let keyLimit = min(m, targets.mask.keyLengths?[b] ?? m)
    let keys = min(bc, keyLimit - k0)
    // Keys past the key length get no gradient: zeros (the targets may be uninitialised memory).
    let dKBlock = targets.dK.pair(pair) + k0 * targets.dK.rowStride
    let dVBlock = targets.dV.pair(pair) + k0 * targets.dV.rowStride
    for j in max(0, keys)..<min(bc, m - k0) {
        (dKBlock + j * targets.dK.rowStride).update(repeating: 0, count: d)
        (dVBlock + j * targets.dV.rowStride).update(repeating: 0, count: d)
    }
    guard keys > 0 else { return 0 }
    let keyPanels = (keys + 31) / 32, width = keyPanels * 32

    let scratch = allocateFloats(ops.scratchFloats)
    defer { scratch.deallocate() }
    let p = scratch                          // [Br, Bc]   S, then P
    let dS = p + br * bc                     // [Br, Bc]   dP, then dS
    let dKT = dS + br * bc                   // [Bc/32][dp][32]
    let dVT = dKT + dp * bc                  // [Bc/32][dp][32]
    dKT.update(repeating: 0, count: 2 * dp * bc)

    let qStrips = ops.qStrips + pair * np * dp, dOStrips = ops.dOStrips + pair * np * dp
    let qRows = ops.qRows.pair(pair), dORows = ops.dORows.pair(pair)
    let qStride = ops.qRows.rowStride, dOStride = ops.dORows.rowStride, kStride = ops.kRows.rowStride
    let kPanels = ops.kPanels + pair * mp * dp, vPanels = ops.vPanels + pair * mp * dp
    let kRows = ops.kRows.pair(pair)
    let lse = ops.lse + pair * np, delta = ops.delta + pair * np
    let dQ = ops.dQPartial + (pair * ops.groups + group) * np * dp
    var bytes = MemoryLayout<Float>.stride * 2 * keys * d          // load K_blk, V_blk

    for q0 in stride(from: 0, to: n, by: br) {
        let rows = min(br, n - q0), rows8 = roundUp(rows, toMultipleOf: 8)
        // Causal: skip query blocks whose last row sees no key of this block.
        if targets.mask.causal && q0 + rows - 1 + plan.diagonalOffset < k0 { continue }
        bytes += MemoryLayout<Float>.stride * (2 * rows * d + 2 * rows + 2 * rows * d)   // Q, dO, L, D; dQ r/w

        // S = (Q · scale) K_blkᵀ   [rows, keys]
        for qs in stride(from: 0, to: rows8, by: 8) {
            for panel in 0..<keyPanels {
                tileProduct8x32(k: dp, x: qStrips + (q0 + qs) * dp, xStep: 8, y: kPanels + (k0 + panel * 32) * dp,
                                ldy: 32, c: p + qs * bc + panel * 32, ldc: bc, .overwrite)
            }
        }
        // P = exp(S − L), with masked scores (and key columns past the block) set to 0.
        for r in 0..<rows8 {
            let row = p + r * bc, i = q0 + r
            var limit = keys
            if targets.mask.causal { limit = max(0, min(limit, i + plan.diagonalOffset - k0 + 1)) }
            let shift = lse[q0 + r]
            var j = 0
            while j < width {
                storeSIMD16(exp16(loadSIMD16(row + j) - shift), row + j)
                j += 16
            }
            for j in limit..<width { row[j] = 0 }
            if let allowed = targets.mask.allowed, i < n {
                let base = allowed.storage.pointer + (allowed.rank == 3 ? b * n * m : 0) + i * m + k0
                for j in 0..<limit where base[j] == 0 { row[j] = 0 }
            }
        }
        // dVᵀ += dO_blkᵀ P   [dp, keys]
        for panel in 0..<keyPanels {
            for c0 in stride(from: 0, to: dp, by: 8) {
                tileProduct8x32(k: rows8, x: dORows + q0 * dOStride + c0, xStep: dOStride, y: p + panel * 32, ldy: bc,
                                c: dVT + panel * dp * 32 + c0 * 32, ldc: 32, .accumulate)
            }
        }
        // dP = dO_blk V_blkᵀ   [rows, keys]
        for qs in stride(from: 0, to: rows8, by: 8) {
            for panel in 0..<keyPanels {
                tileProduct8x32(k: dp, x: dOStrips + (q0 + qs) * dp, xStep: 8, y: vPanels + (k0 + panel * 32) * dp,
                                ldy: 32, c: dS + qs * bc + panel * 32, ldc: bc, .overwrite)
            }
        }
        // dS = P ∘ (dP − D)
        for r in 0..<rows8 {
            let pRow = p + r * bc, dSRow = dS + r * bc
            let shift = delta[q0 + r]
            var j = 0
            while j < width {
                storeSIMD16(loadSIMD16(pRow + j) * (loadSIMD16(dSRow + j) - shift), dSRow + j)
                j += 16
            }
        }
        // dKᵀ += Q_blkᵀ dS   [dp, keys]
        for panel in 0..<keyPanels {
            for c0 in stride(from: 0, to: dp, by: 8) {
                tileProduct8x32(k: rows8, x: qRows + q0 * qStride + c0, xStep: qStride, y: dS + panel * 32, ldy: bc,
                                c: dKT + panel * dp * 32 + c0 * 32, ldc: 32, .accumulate)
            }
        }
        // dQ_blk += dS K_blk   [rows, dp]
        for qs in stride(from: 0, to: rows8, by: 8) {
            for c0 in stride(from: 0, to: dp, by: 32) {
                if c0 + 32 <= dp {
                    tileProduct8x32RowsAccumulating(k: keys, a: dS + qs * bc, lda: bc, y: kRows + k0 * kStride + c0,
                                                    ldy: kStride, c: dQ + (q0 + qs) * dp + c0, ldc: dp)
                } else {
                    tileProduct8x16RowsAccumulating(k: keys, a: dS + qs * bc, lda: bc, y: kRows + k0 * kStride + c0,
                                                    ldy: kStride, c: dQ + (q0 + qs) * dp + c0, ldc: dp)
                }
            }
        }
    }

    // dK = scale · dKᵀᵀ, dV = dVᵀᵀ for the block's keys.
    let (dKStride, dVStride) = (targets.dK.rowStride, targets.dV.rowStride)
    for panel in 0..<keyPanels {
        let first = panel * 32, count = min(32, keys - first)
        PackedHeads.untransposeStrip(dKT + panel * dp * 32, rows: count, d: d, width: 32,
                                     into: dKBlock + first * dKStride, targetStride: dKStride) { _ in targets.scale }
        PackedHeads.untransposeStrip(dVT + panel * dp * 32, rows: count, d: d, width: 32,
                                     into: dVBlock + first * dVStride, targetStride: dVStride) { _ in 1 }
    }
    bytes += MemoryLayout<Float>.stride * 2 * keys * d              // store dK_blk, dV_blk
    return bytes
}
