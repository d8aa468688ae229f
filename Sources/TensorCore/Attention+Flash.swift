// FlashAttention forward: tiling and the online softmax, with no N×M matrix in memory.
//
//   B = batch, H = heads, N = query rows, M = key rows, d = head dim
//   Br = query rows per block (stay resident), Bc = key/value rows per block (stream through)
//
// For each block of Br queries (in parallel over B × H × query blocks):
//   m = −∞, l = 0, O = 0                                       (per query row)
//   for each block of Bc keys/values (skipping blocks above the diagonal when causal):
//     S = Q_blk K_blkᵀ · scale                                 [Br, Bc], in cache only
//     m_new = max(m, rowmax S);  P = exp(S − m_new)
//     l = l · exp(m − m_new) + rowsum P
//     O = O · exp(m − m_new) + P V_blk                         (the old O rescaled to the new max)
//     m = m_new
//   O = O / l;  L = m + log l                                  (logsumexp, kept for the backward)
//
// How it differs from `attentionNaive`: the same maths, reordered into tiles, in Float32, with the
// exp of VectorMath. Internally it works on transposed tiles (Sᵀ with one query per SIMD lane), so
// the row maximum and row sum of the softmax are plain vector max and add across rows.

import Foundation
import _Support

/// The tile sizes of the flash kernels.
public struct FlashBlockSizes: Sendable, Equatable, CustomStringConvertible {
    /// Br: query rows per block, a multiple of 32.
    public var queryRows: Int
    /// Bc: key/value rows per block, a multiple of 32.
    public var keyRows: Int

    public init(queryRows: Int, keyRows: Int) {
        self.queryRows = queryRows
        self.keyRows = keyRows
    }

    /// On a core with a 48 KiB L1 and a 1 MiB L2 at d = 64, the forward stays within a few per cent
    /// of its best for every Br, Bc from 32 to 512, and so does the backward from 64 to 256 (the
    /// `flash-vs-standard` lesson's block sweep shows it on the machine that runs it). Small blocks
    /// keep more query blocks to share among threads and the tiles in L1 on cores with smaller caches.
    public static let `default` = FlashBlockSizes(queryRows: 64, keyRows: 128)

    public var description: String { "Br=\(queryRows) Bc=\(keyRows)" }

    func validate() throws {
        guard queryRows > 0, keyRows > 0, queryRows % 32 == 0, keyRows % 32 == 0 else {
            throw TensorError.invalidArgument(
                "flash attention block sizes must be positive multiples of 32; got \(self)")
        }
    }
}

/// What `attentionFlash` returns.
public struct FlashAttentionResult: Sendable {
    /// O: [B, H, N, d]
    public var output: Tensor
    /// L = m + log l, the logsumexp of each row of scaled scores: [B, H, N] (−∞ for a row whose
    /// every score is masked). With O, it is all the backward pass needs.
    public var logsumexp: Tensor
    /// Extra memory (packed copies, per-thread tiles) and bytes moved through slow memory.
    public var stats: AttentionStats
}

/// FlashAttention forward: O = softmax(Q Kᵀ · scale + mask) V by tiles and an online softmax,
/// never holding an N×M matrix.
///
///     let flash = try attentionFlash(q: q, k: k, v: v, mask: .causal)
///     flash.output      // [B, H, N, d], equal to attentionStandard's to within rounding
///     flash.logsumexp   // [B, H, N]
///
/// Numerical stability: every exp is of a score minus the running row maximum, so it is ≤ 1;
/// when the maximum grows, the partial O and l are rescaled by exp(m_old − m_new) ≤ 1.
/// - Parameters:
///   - q: [B, H, N, d]
///   - k: [B, H, M, d]
///   - v: [B, H, M, d]
///   - mask: causal masking skips whole key blocks above the diagonal.
///   - scale: multiplies every score; `nil` means 1/√d.
///   - blocks: Br and Bc.
public func attentionFlash(
    q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask = .none, scale: Float? = nil,
    blocks: FlashBlockSizes = .default
) throws -> FlashAttentionResult {
    let shape = try AttentionShape(q: q, k: k, v: v, mask: mask)
    try blocks.validate()
    let (n, m, d) = (shape.queries, shape.keys, shape.headDim)
    var output = Tensor.zeros([shape.batch, shape.heads, n, d])
    var logsumexp = Tensor(repeating: -.infinity, shape: [shape.batch, shape.heads, n])
    if shape.pairs == 0 || n == 0 {
        return FlashAttentionResult(output: output, logsumexp: logsumexp, stats: AttentionStats())
    }
    let heads = shape.heads
    let stats = output.withUnsafeMutableBufferPointer { o in
        logsumexp.withUnsafeMutableBufferPointer { lse in
            flashForward(shape, q: HeadRows(contiguous: q.storage.pointer, heads: heads, rows: n, d: d),
                         k: HeadRows(contiguous: k.storage.pointer, heads: heads, rows: m, d: d),
                         v: HeadRows(contiguous: v.storage.pointer, heads: heads, rows: m, d: d),
                         o: HeadRows(contiguous: o.baseAddress!, heads: heads, rows: n, d: d), lse: lse.baseAddress!,
                         mask: mask, scale: scale ?? attentionDefaultScale(headDim: d), blocks: blocks)
        }
    }
    return FlashAttentionResult(output: output, logsumexp: logsumexp, stats: stats)
}

/// The flash forward on operands wherever they are (`HeadRows`): writes every row of O and L
/// ([pairs, N], contiguous) and returns the stats. The shape has at least one pair and one query.
func flashForward(
    _ shape: AttentionShape, q: HeadRows, k: HeadRows, v: HeadRows, o: HeadRows, lse: UnsafeMutablePointer<Float>,
    mask: AttentionMask, scale: Float, blocks: FlashBlockSizes
) -> AttentionStats {
    let (m, d) = (shape.keys, shape.headDim)
    let plan = FlashPlan(shape: shape, blocks: blocks)

    // K as X operand strips [Mp/8][dp][8], zero-padded. V is read as X operand rows [M][dp]:
    // in place when d is already a multiple of 16, else from a padded copy.
    let (mp, dp) = (plan.paddedKeys, plan.paddedDim)
    let kStrips = allocateFloats(shape.pairs * mp * dp)
    let vCopy: UnsafeMutablePointer<Float>? = d == dp ? nil : allocateFloats(shape.pairs * mp * dp)
    defer { kStrips.deallocate(); vCopy?.deallocate() }
    PackedHeads.transposedStrips(k, pairs: shape.pairs, rows: m, d: d, paddedRows: mp, dp: dp, width: 8, into: kStrips)
    if let vCopy {
        PackedHeads.rows(v, pairs: shape.pairs, rows: m, d: d, paddedRows: mp, dp: dp, into: vCopy)
    }
    let vRows = vCopy.map { HeadRows(contiguous: $0, heads: shape.heads, rows: mp, d: dp) } ?? v

    let items = shape.pairs * plan.queryBlocks
    var traffic = [Int](repeating: 0, count: items)
    traffic.withUnsafeMutableBufferPointer { traffic in
        let inputs = FlashForwardInputs(q: q, kStrips: kStrips, vRows: vRows, o: o, lse: lse, scale: scale, mask: mask,
                                        plan: plan)
        Parallel.forEach(chunks: items) { item in
            // Causal: the last query blocks have the most key blocks; start them first.
            let block = mask.causal ? plan.queryBlocks - 1 - item % plan.queryBlocks : item % plan.queryBlocks
            traffic[item] = flashForwardBlock(inputs, pair: item / plan.queryBlocks, queryBlock: block)
        }
    }
    return AttentionStats(
        extraBytes: MemoryLayout<Float>.stride * ((vCopy == nil ? 1 : 2) * shape.pairs * mp * dp
                                                  + min(items, Parallel.threadCount) * plan.scratchFloats),
        dramBytes: traffic.reduce(0, +))
}

// MARK: - The plan

/// Block counts and padded sizes of one flash problem.
struct FlashPlan {
    let shape: AttentionShape
    let blocks: FlashBlockSizes
    var br: Int { blocks.queryRows }
    var bc: Int { blocks.keyRows }
    /// d rounded up to a multiple of 16 (zeros change no dot product): the tiles step through d
    /// 8 rows at a time, and dQ's tiles 32 or 16 columns at a time.
    var paddedDim: Int { roundUp(shape.headDim, toMultipleOf: 16) }
    var paddedQueries: Int { roundUp(shape.queries, toMultipleOf: br) }
    var paddedKeys: Int { roundUp(shape.keys, toMultipleOf: bc) }
    var queryBlocks: Int { (shape.queries + br - 1) / br }
    var keyBlocks: Int { (shape.keys + bc - 1) / bc }
    /// The causal offset: query i sees keys j ≤ i + (M − N).
    var diagonalOffset: Int { shape.keys - shape.queries }

    init(shape: AttentionShape, blocks: FlashBlockSizes) {
        self.shape = shape
        self.blocks = blocks
    }

    /// Floats of one forward work item's tiles: Qᵀ and Oᵀ of the block, Sᵀ, m and l.
    var scratchFloats: Int { 2 * br * paddedDim + bc * 32 + 2 * br }

    /// The keys query rows `rows` of batch element `b` may see: up to the causal diagonal of the
    /// last row and up to the key length.
    func visibleKeys(batch b: Int, queries rows: Range<Int>, mask: AttentionMask) -> Int {
        var visible = shape.keys
        if let lengths = mask.keyLengths { visible = min(visible, lengths[b]) }
        if mask.causal { visible = min(visible, max(0, rows.upperBound - 1 + diagonalOffset + 1)) }
        return visible
    }
}

/// The pointers one forward work item reads and writes.
struct FlashForwardInputs: @unchecked Sendable {
    let q: HeadRows, kStrips: UnsafePointer<Float>, vRows: HeadRows
    let o: HeadRows, lse: UnsafeMutablePointer<Float>
    let scale: Float, mask: AttentionMask, plan: FlashPlan
}

// MARK: - One block of queries

/// Runs the online softmax for one block of Br queries of one (batch, head) pair against every
/// visible key block. Returns the bytes it moved through slow memory.
func flashForwardBlock(_ inputs: FlashForwardInputs, pair: Int, queryBlock: Int) -> Int {
    let plan = inputs.plan, shape = plan.shape
    let (n, d, dp, br, bc) = (shape.queries, shape.headDim, plan.paddedDim, plan.br, plan.bc)
    let b = pair / shape.heads
    let q0 = queryBlock * br, rows = min(br, n - q0), panels = (rows + 31) / 32
    let scratch = allocateFloats(plan.scratchFloats)
    defer { scratch.deallocate() }
    let qT = scratch                        // [panels][dp][32]   Qᵀ · scale
    let oT = qT + br * dp                   // [panels][dp][32]   Oᵀ, unnormalised
    let sT = oT + br * dp                   // [Bc][32]           Sᵀ, then Pᵀ
    let rowMax = sT + bc * 32, rowSum = rowMax + br   // [Br]   m and l

    // Load the Q block as transposed 32-query panels, scaled; O = 0, m = −∞, l = 0.
    let qStride = inputs.q.rowStride, qBlock = inputs.q.pair(pair) + q0 * qStride
    for panel in 0..<panels {
        PackedHeads.transposeStrip(qBlock + panel * 32 * qStride, rowStride: qStride, rows: min(32, rows - panel * 32),
                                   d: d, dp: dp, width: 32, into: qT + panel * dp * 32, scale: inputs.scale)
    }
    oT.update(repeating: 0, count: br * dp)
    rowMax.update(repeating: -.infinity, count: br)
    rowSum.update(repeating: 0, count: br)
    var bytes = MemoryLayout<Float>.stride * rows * d

    let visible = plan.visibleKeys(batch: b, queries: q0..<(q0 + rows), mask: inputs.mask)
    let kPair = inputs.kStrips + pair * plan.paddedKeys * dp
    let vPair = inputs.vRows.pair(pair), vStride = inputs.vRows.rowStride
    for k0 in stride(from: 0, to: visible, by: bc) {
        let keys = min(bc, visible - k0)
        bytes += MemoryLayout<Float>.stride * 2 * keys * d          // load K_blk, V_blk
        for panel in 0..<panels {
            let queryStart = q0 + panel * 32
            // Sᵀ = K_blk (Q_panel · scale)ᵀ   [keys, 32]
            for strip in stride(from: 0, to: keys, by: 8) {
                tileProduct8x32(k: dp, x: kPair + (k0 + strip) * dp, xStep: 8, y: qT + panel * dp * 32, ldy: 32,
                                c: sT + strip * 32, ldc: 32, .overwrite)
            }
            maskScores(sT, keys: keys, keyStart: k0, queryStart: queryStart, batch: b, inputs: inputs)
            let alpha = onlineSoftmax(sT, keys: keys, max: rowMax + panel * 32, sum: rowSum + panel * 32)
            // Oᵀ = Oᵀ ∘ α + V_blkᵀ Pᵀ   [dp, 32]
            for c0 in stride(from: 0, to: dp, by: 8) {
                tileProduct8x32(k: keys, x: vPair + k0 * vStride + c0, xStep: vStride, y: sT, ldy: 32,
                                c: oT + panel * dp * 32 + c0 * 32, ldc: 32, .rescale(alpha.0, alpha.1))
            }
        }
    }

    // O = Oᵀᵀ / l,  L = m + log l   (a row with nothing visible: O = 0, L = −∞)
    let oStride = inputs.o.rowStride, oBlock = inputs.o.pair(pair) + q0 * oStride, lBlock = inputs.lse + pair * n + q0
    for r in 0..<rows {
        let l = rowSum[r]
        lBlock[r] = l > 0 ? rowMax[r] + Foundation.log(l) : -.infinity
    }
    for panel in 0..<panels {
        let first = panel * 32
        PackedHeads.untransposeStrip(oT + panel * dp * 32, rows: min(32, rows - first), d: d, width: 32,
                                     into: oBlock + first * oStride, targetStride: oStride) { r in
            let l = rowSum[first + r]
            return l > 0 ? 1 / l : 0
        }
    }
    bytes += MemoryLayout<Float>.stride * rows * (d + 1)        // store O_blk and L_blk
    return bytes
}

/// Sets masked scores of a Sᵀ tile [keys, 32 queries] to −∞: the causal triangle where the tile
/// crosses the diagonal, and entries the `allowed` matrix forbids. Key padding needs nothing here:
/// the key loop already stops at the key length.
@inline(__always)
func maskScores(
    _ sT: UnsafeMutablePointer<Float>, keys: Int, keyStart k0: Int, queryStart: Int, batch b: Int,
    inputs: FlashForwardInputs
) {
    let plan = inputs.plan, offset = plan.diagonalOffset
    if inputs.mask.causal && k0 + keys - 1 > queryStart + offset {
        // Row j (key k0 + j) may be seen by query lanes i with queryStart + i + offset ≥ k0 + j.
        // The lanes are compared as floats (exact for these small integers): a comparison of
        // Int32 lanes with a select on Float lanes compiles to one scalar step per lane.
        let lanes0 = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        let lanes1 = lanes0 + 16
        let minusInfinity = SIMD16<Float>(repeating: -.infinity)
        for j in 0..<keys {
            let first = k0 + j - offset - queryStart   // first lane that sees key j
            if first <= 0 { continue }
            let firstLane = SIMD16<Float>(repeating: Float(min(first, 32)))
            let row = sT + j * 32
            let low = loadSIMD16(row), high = loadSIMD16(row + 16)
            storeSIMD16(low.replacing(with: minusInfinity, where: lanes0 .< firstLane), row)
            storeSIMD16(high.replacing(with: minusInfinity, where: lanes1 .< firstLane), row + 16)
        }
    }
    if let allowed = inputs.mask.allowed {
        let (n, m) = (plan.shape.queries, plan.shape.keys)
        let base = allowed.storage.pointer + (allowed.rank == 3 ? b * n * m : 0)
        for j in 0..<keys {
            for lane in 0..<32 where queryStart + lane < n && base[(queryStart + lane) * m + k0 + j] == 0 {
                sT[j * 32 + lane] = -.infinity
            }
        }
    }
}

/// The online softmax step on a Sᵀ tile [keys, 32 queries], in place: Sᵀ becomes Pᵀ = exp(Sᵀ − m_new),
/// m and l (32 queries each) are updated, and α = exp(m_old − m_new) is returned for rescaling O.
@inline(__always)
func onlineSoftmax(
    _ sT: UnsafeMutablePointer<Float>, keys: Int, max rowMax: UnsafeMutablePointer<Float>,
    sum rowSum: UnsafeMutablePointer<Float>
) -> (SIMD16<Float>, SIMD16<Float>) {
    let oldMax0 = loadSIMD16(rowMax), oldMax1 = loadSIMD16(rowMax + 16)
    var max0 = oldMax0, max1 = oldMax1
    for j in 0..<keys {
        let s0 = loadSIMD16(sT + j * 32), s1 = loadSIMD16(sT + j * 32 + 16)
        max0 = max0.replacing(with: s0, where: s0 .> max0)
        max1 = max1.replacing(with: s1, where: s1 .> max1)
    }
    // A row that has seen only −∞ keeps m = −∞; subtract 0 instead so exp gives 0, not NaN.
    let zero = SIMD16<Float>(repeating: 0), minusInfinity = SIMD16<Float>(repeating: -.infinity)
    let shift0 = max0.replacing(with: zero, where: max0 .== minusInfinity)
    let shift1 = max1.replacing(with: zero, where: max1 .== minusInfinity)
    var sum0 = SIMD16<Float>(), sum1 = SIMD16<Float>()
    for j in 0..<keys {
        let p0 = exp16(loadSIMD16(sT + j * 32) - shift0)
        let p1 = exp16(loadSIMD16(sT + j * 32 + 16) - shift1)
        storeSIMD16(p0, sT + j * 32)
        storeSIMD16(p1, sT + j * 32 + 16)
        sum0 += p0
        sum1 += p1
    }
    let alpha0 = exp16(oldMax0 - shift0), alpha1 = exp16(oldMax1 - shift1)
    let l0 = loadSIMD16(rowSum), l1 = loadSIMD16(rowSum + 16)
    storeSIMD16(l0 * alpha0 + sum0, rowSum)
    storeSIMD16(l1 * alpha1 + sum1, rowSum + 16)
    storeSIMD16(max0, rowMax)
    storeSIMD16(max1, rowMax + 16)
    return (alpha0, alpha1)
}
