// The tile product under the flash kernels, and the packed layouts it reads.
//
//   X: [K, 8] rows of 8 numbers per step of K (row stride xStep)    — "broadcast" operand
//   Y: [K, 32] rows of 32 numbers per step of K (row stride ldy)    — "vector" operand
//   C: [8, 32] = Xᵀ Y                                                — 16 zmm accumulators
//
// Every product the flash kernels need has this form, once the operands are laid out right:
//   forward   Sᵀ[keys, q] = Σ_c Kᵀ[c, keys] · Qᵀ[c, q]      Oᵀ[c, q] += Σ_key V[key, c] · Pᵀ[key, q]
//   backward  S[q, keys]  = Σ_c Qᵀ[c, q] · Kᵀ[c, keys]      dP[q, keys] = Σ_c dOᵀ[c, q] · Vᵀ[c, keys]
//             dVᵀ[c, keys] += Σ_q dO[q, c] · P[q, keys]     dKᵀ[c, keys] += Σ_q Q[q, c] · dS[q, keys]
//             dQ[q, c] += Σ_key dS[q, key] · K[key, c]   (A read by rows: tileProduct8x32RowsAccumulating)
// so one micro-kernel serves the other six, and its loop is 2 vector loads, 8 broadcasts and 16 FMAs
// per step (check with `objdump -d`: the loop, unrolled twice by the compiler, is 2 `vmovups`,
// 8 `vbroadcastss` and 16 `vfmadd231ps`, all on zmm registers, per step).

import _Support

/// How the tile product treats the C it writes to.
@usableFromInline
enum TileUpdate {
    /// C = Xᵀ Y
    case overwrite
    /// C += Xᵀ Y
    case accumulate
    /// C = C ∘ α + Xᵀ Y, with α one factor per column (the online softmax's rescaling of O)
    case rescale(SIMD16<Float>, SIMD16<Float>)
}

/// C[0..<8, 0..<32] (update)= Σ_p X[p, 0..<8]ᵀ · Y[p, 0..<32], the tile product of the flash kernels.
///
/// - Parameters:
///   - k: steps of the sum (may be 0: then C is only updated by `update`).
///   - x: X, 8 readable numbers per step, `xStep` apart.
///   - y: Y, 32 readable numbers per step, `ldy` apart.
///   - c: C, 8 rows of 32 numbers, `ldc` apart.
@inline(never) @usableFromInline
func tileProduct8x32(
    k: Int, x: UnsafePointer<Float>, xStep: Int, y: UnsafePointer<Float>, ldy: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, _ update: TileUpdate
) {
    guard tilesUseWideVectors else {
        return narrowTileProduct8x32(k: k, x: x, xStep: xStep, y: y, ldy: ldy, c: c, ldc: ldc, update)
    }
    var c0 = TileRow(), c1 = TileRow(), c2 = TileRow(), c3 = TileRow()
    var c4 = TileRow(), c5 = TileRow(), c6 = TileRow(), c7 = TileRow()
    var x = x, y = y
    for _ in 0..<k {
        let y0 = loadSIMD16(y), y1 = loadSIMD16(y + 16)
        c0.add(x[0], times: y0, y1); c1.add(x[1], times: y0, y1); c2.add(x[2], times: y0, y1); c3.add(x[3], times: y0, y1)
        c4.add(x[4], times: y0, y1); c5.add(x[5], times: y0, y1); c6.add(x[6], times: y0, y1); c7.add(x[7], times: y0, y1)
        x += xStep
        y += ldy
    }
    // NOTE: one switch here rather than one per row store: a payload enum examined inside the
    // row stores was copied through an outlined value witness on every call.
    let a0: SIMD16<Float>, a1: SIMD16<Float>
    switch update {
    case .overwrite:
        c0.store(to: c); c1.store(to: c + ldc); c2.store(to: c + 2 * ldc); c3.store(to: c + 3 * ldc)
        c4.store(to: c + 4 * ldc); c5.store(to: c + 5 * ldc); c6.store(to: c + 6 * ldc); c7.store(to: c + 7 * ldc)
        return
    case .accumulate:
        (a0, a1) = (SIMD16(repeating: 1), SIMD16(repeating: 1))
    case .rescale(let alpha0, let alpha1):
        (a0, a1) = (alpha0, alpha1)
    }
    c0.store(to: c, adding: a0, a1); c1.store(to: c + ldc, adding: a0, a1)
    c2.store(to: c + 2 * ldc, adding: a0, a1); c3.store(to: c + 3 * ldc, adding: a0, a1)
    c4.store(to: c + 4 * ldc, adding: a0, a1); c5.store(to: c + 5 * ldc, adding: a0, a1)
    c6.store(to: c + 6 * ldc, adding: a0, a1); c7.store(to: c + 7 * ldc, adding: a0, a1)
}

/// C[0..<8, 0..<32] += Σ_p A[0..<8, p] · Y[p, 0..<32], with A read row by row: row r of A starts
/// at `a + r · lda` and its elements are adjacent. For dQ += dS K, where dS is stored [queries, keys]
/// and the sum runs over keys — the transpose of the X layout `tileProduct8x32` reads.
@inline(never) @usableFromInline
func tileProduct8x32RowsAccumulating(
    k: Int, a: UnsafePointer<Float>, lda: Int, y: UnsafePointer<Float>, ldy: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard tilesUseWideVectors else {
        for (r0, c0) in [(0, 0), (0, 16), (4, 0), (4, 16)] {
            narrowQuarter(k: k, x: a + r0 * lda, rowStride: lda, step: 1, y: y + c0, ldy: ldy, c: c + r0 * ldc + c0, ldc: ldc,
                          alpha: nil, overwrite: false)
        }
        return
    }
    var c0 = TileRow(), c1 = TileRow(), c2 = TileRow(), c3 = TileRow()
    var c4 = TileRow(), c5 = TileRow(), c6 = TileRow(), c7 = TileRow()
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
    let a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda
    var y = y
    for p in 0..<k {
        let y0 = loadSIMD16(y), y1 = loadSIMD16(y + 16)
        c0.add(a0[p], times: y0, y1); c1.add(a1[p], times: y0, y1); c2.add(a2[p], times: y0, y1); c3.add(a3[p], times: y0, y1)
        c4.add(a4[p], times: y0, y1); c5.add(a5[p], times: y0, y1); c6.add(a6[p], times: y0, y1); c7.add(a7[p], times: y0, y1)
        y += ldy
    }
    let one = SIMD16<Float>(repeating: 1)
    c0.store(to: c, adding: one, one); c1.store(to: c + ldc, adding: one, one)
    c2.store(to: c + 2 * ldc, adding: one, one); c3.store(to: c + 3 * ldc, adding: one, one)
    c4.store(to: c + 4 * ldc, adding: one, one); c5.store(to: c + 5 * ldc, adding: one, one)
    c6.store(to: c + 6 * ldc, adding: one, one); c7.store(to: c + 7 * ldc, adding: one, one)
}

/// The same as `tileProduct8x32RowsAccumulating` for the last 16 columns of a product whose width
/// is 16 more than a multiple of 32 (dQ when d = 16, 48, 80, …).
@inline(never) @usableFromInline
func tileProduct8x16RowsAccumulating(
    k: Int, a: UnsafePointer<Float>, lda: Int, y: UnsafePointer<Float>, ldy: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard tilesUseWideVectors else {
        for r0 in [0, 4] {
            narrowQuarter(k: k, x: a + r0 * lda, rowStride: lda, step: 1, y: y, ldy: ldy, c: c + r0 * ldc, ldc: ldc,
                          alpha: nil, overwrite: false)
        }
        return
    }
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    var c4 = SIMD16<Float>(), c5 = SIMD16<Float>(), c6 = SIMD16<Float>(), c7 = SIMD16<Float>()
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
    let a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda
    var y = y
    for p in 0..<k {
        let row = loadSIMD16(y)
        c0 = c0.addingProduct(SIMD16(repeating: a0[p]), row); c1 = c1.addingProduct(SIMD16(repeating: a1[p]), row)
        c2 = c2.addingProduct(SIMD16(repeating: a2[p]), row); c3 = c3.addingProduct(SIMD16(repeating: a3[p]), row)
        c4 = c4.addingProduct(SIMD16(repeating: a4[p]), row); c5 = c5.addingProduct(SIMD16(repeating: a5[p]), row)
        c6 = c6.addingProduct(SIMD16(repeating: a6[p]), row); c7 = c7.addingProduct(SIMD16(repeating: a7[p]), row)
        y += ldy
    }
    @inline(__always) func add(_ value: SIMD16<Float>, to row: Int) {
        storeSIMD16(value + loadSIMD16(c + row * ldc), c + row * ldc)
    }
    add(c0, to: 0); add(c1, to: 1); add(c2, to: 2); add(c3, to: 3)
    add(c4, to: 4); add(c5, to: 5); add(c6, to: 6); add(c7, to: 7)
}

// MARK: - Without AVX-512

/// Whether the tile products keep their 8 × 32 tile in 16 accumulators of 16 floats: true on a
/// CPU with AVX-512 (32 zmm registers). With 256-bit vectors (AVX2: 16 ymm registers) the same
/// tile would need 32 registers for C alone and spill to the stack on every step, so there the
/// tile is computed a quarter at a time (`narrowQuarter`).
@usableFromInline
let tilesUseWideVectors = SystemInfo.compiledForAVX512

/// `tileProduct8x32` with 8-float vectors: four 4 × 16 quarters, each held in 8 ymm registers
/// (with 2 for Y and 1 for a broadcast, 11 of 16) for the whole sum. Every element of C gets the
/// same fused multiply-adds in the same order as in the wide version, so the results are
/// bit-for-bit the same.
@inline(never) @usableFromInline
func narrowTileProduct8x32(
    k: Int, x: UnsafePointer<Float>, xStep: Int, y: UnsafePointer<Float>, ldy: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, _ update: TileUpdate
) {
    for (r0, c0) in [(0, 0), (0, 16), (4, 0), (4, 16)] {
        let alpha: SIMD16<Float>?
        switch update {
        case .overwrite, .accumulate: alpha = nil
        case .rescale(let a0, let a1): alpha = c0 == 0 ? a0 : a1
        }
        var overwrite = false
        if case .overwrite = update { overwrite = true }
        narrowQuarter(k: k, x: x + r0, rowStride: 1, step: xStep, y: y + c0, ldy: ldy, c: c + r0 * ldc + c0, ldc: ldc,
                      alpha: alpha, overwrite: overwrite)
    }
}

/// C[0..<4, 0..<16] (update)= Σ_p X(r, p) · Y[p, 0..<16], X(r, p) = x[r · rowStride + p · step]:
/// the X layout (`rowStride` 1) and row-major A (`step` 1) alike. Overwrites C, or stores
/// C ∘ α + sum (α one factor per column; nil: all ones, plain accumulation).
@inline(__always)
func narrowQuarter(
    k: Int, x: UnsafePointer<Float>, rowStride: Int, step: Int, y: UnsafePointer<Float>, ldy: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: SIMD16<Float>?, overwrite: Bool
) {
    var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s10 = SIMD8<Float>(), s11 = SIMD8<Float>()
    var s20 = SIMD8<Float>(), s21 = SIMD8<Float>(), s30 = SIMD8<Float>(), s31 = SIMD8<Float>()
    var x0 = x, x1 = x + rowStride, x2 = x + 2 * rowStride, x3 = x + 3 * rowStride
    var y = y
    for _ in 0..<k {
        let y0 = loadSIMD8(y), y1 = loadSIMD8(y + 8)
        let b0 = SIMD8<Float>(repeating: x0.pointee), b1 = SIMD8<Float>(repeating: x1.pointee)
        s00 = s00.addingProduct(b0, y0); s01 = s01.addingProduct(b0, y1)
        s10 = s10.addingProduct(b1, y0); s11 = s11.addingProduct(b1, y1)
        let b2 = SIMD8<Float>(repeating: x2.pointee), b3 = SIMD8<Float>(repeating: x3.pointee)
        s20 = s20.addingProduct(b2, y0); s21 = s21.addingProduct(b2, y1)
        s30 = s30.addingProduct(b3, y0); s31 = s31.addingProduct(b3, y1)
        x0 += step; x1 += step; x2 += step; x3 += step
        y += ldy
    }
    @inline(__always) func put(_ low: SIMD8<Float>, _ high: SIMD8<Float>, row: Int) {
        let target = c + row * ldc
        if overwrite {
            storeSIMD8(low, target)
            storeSIMD8(high, target + 8)
            return
        }
        // The same single-rounding C ∘ α + sum as `TileRow.store(to:adding:)`.
        let a0 = alpha?.lowHalf ?? SIMD8(repeating: 1), a1 = alpha?.highHalf ?? SIMD8(repeating: 1)
        storeSIMD8(low.addingProduct(a0, loadSIMD8(target)), target)
        storeSIMD8(high.addingProduct(a1, loadSIMD8(target + 8)), target + 8)
    }
    put(s00, s01, row: 0); put(s10, s11, row: 1); put(s20, s21, row: 2); put(s30, s31, row: 3)
}

// MARK: - Packed layouts

/// Where the rows of every (batch, head) pair of an attention operand are: pair p = b·H + h starts
/// at `pair(p)` and its rows are `rowStride` floats apart. Either a tensor [B, H, N, d] of its own,
/// or the heads side by side in the rows of a wider tensor ([B, N, …] with head h at columns
/// offset + h·d), which the flash kernels then read and write in place, with no copy per head.
struct HeadRows: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let heads: Int, rowStride: Int, headStride: Int, batchStride: Int

    /// [B, H, rows, d], contiguous.
    init(contiguous base: UnsafeMutablePointer<Float>, heads: Int, rows: Int, d: Int) {
        (self.base, self.heads, rowStride, headStride, batchStride) = (base, heads, d, rows * d, heads * rows * d)
    }

    /// [B, rows, width] with head h of the operand at columns offset + h·d ..< offset + (h + 1)·d.
    init(interleaved base: UnsafeMutablePointer<Float>, heads: Int, rows: Int, d: Int, width: Int, offset: Int) {
        (self.base, self.heads, rowStride, headStride, batchStride) = (base + offset, heads, width, d, rows * width)
    }

    /// The first row of pair `p`.
    @inline(__always)
    func pair(_ p: Int) -> UnsafeMutablePointer<Float> { base + (p / heads) * batchStride + (p % heads) * headStride }
}

/// Copies of Q, K, V (or dO) for every (batch, head) pair in the layouts the tile product reads,
/// zero-padded so every tile is whole: rows to a multiple of the block, d to a multiple of 16.
@usableFromInline
struct PackedHeads {
    /// [pairs, paddedRows, dp]: rows of the original, padded.
    static func rows(
        _ t: HeadRows, pairs: Int, rows: Int, d: Int, paddedRows: Int, dp: Int,
        into out: UnsafeMutablePointer<Float>, scale: Float = 1
    ) {
        forEachStrip(pairs: pairs, paddedRows: paddedRows, width: 32) { pair, r0 in
            for r in r0..<(r0 + 32) {
                let target = out + (pair * paddedRows + r) * dp
                target.update(repeating: 0, count: dp)
                if r < rows {
                    let source = t.pair(pair) + r * t.rowStride
                    for c in 0..<d { target[c] = source[c] * scale }
                }
            }
        }
    }

    /// [pairs, paddedRows / width, dp, width]: strips of `width` rows, each stored transposed
    /// (column c of the strip is `width` adjacent numbers) — the X layout (width 8) or the Y
    /// layout (width 32) of a transposed operand.
    static func transposedStrips(
        _ t: HeadRows, pairs: Int, rows: Int, d: Int, paddedRows: Int, dp: Int, width: Int,
        into out: UnsafeMutablePointer<Float>, scale: Float = 1
    ) {
        forEachStrip(pairs: pairs, paddedRows: paddedRows, width: width) { pair, r0 in
            // NOTE: strips past the end are all padding
            transposeStrip(t.pair(pair) + r0 * t.rowStride, rowStride: t.rowStride, rows: max(0, min(width, rows - r0)),
                           d: d, dp: dp, width: width, into: out + (pair * paddedRows + r0) * dp, scale: scale)
        }
    }

    /// One strip: strip[c][r] = source[r][c] · scale for r < rows (≤ width), c < d, and 0 in the
    /// padding; source rows are `rowStride` floats apart, the strip is [dp][width].
    ///
    /// Whole 16-column groups with a positive scale go through vector transposes and then the
    /// scale: the same products, so the same bits. (One scalar store per number, as the fallback
    /// does, was 3% of a small model's training step.) A scale ≤ 0 would turn padding into −0.
    static func transposeStrip(
        _ source: UnsafePointer<Float>, rowStride: Int, rows: Int, d: Int, dp: Int, width: Int,
        into strip: UnsafeMutablePointer<Float>, scale: Float
    ) {
        let vectorised = d == dp && d % 16 == 0 && (width == 8 || width % 16 == 0) && scale > 0 && scale.isFinite
        guard vectorised, rows > 0 else {
            strip.update(repeating: 0, count: width * dp)
            for lane in 0..<rows {
                for c in 0..<d { strip[c * width + lane] = source[lane * rowStride + c] * scale }
            }
            return
        }
        for c0 in stride(from: 0, to: d, by: 16) {
            if width == 8 {
                PortableGEMM.transpose8(source + c0, stride: rowStride, rows: rows, into: strip + c0 * 8, targetStride: 8)
                PortableGEMM.transpose8(source + c0 + 8, stride: rowStride, rows: rows, into: strip + (c0 + 8) * 8,
                                        targetStride: 8)
            } else {
                for g in stride(from: 0, to: width, by: 16) {
                    PortableGEMM.transpose16(source + g * rowStride + c0, stride: rowStride, rows: max(0, min(16, rows - g)),
                                             into: strip + c0 * width + g, targetStride: width)
                }
            }
        }
        if scale != 1 {
            let factor = SIMD8<Float>(repeating: scale)
            for i in stride(from: 0, to: width * dp, by: 8) { storeSIMD8(loadSIMD8(strip + i) * factor, strip + i) }
        }
    }

    /// The inverse of `transposeStrip`, with a factor per row: target[r][c] = strip[c][r] · factor(r)
    /// for r < rows (≤ width), c < d; target rows are `targetStride` floats apart and nothing else
    /// of them is written. Whole groups of 16 rows and 16 columns go through vector transposes.
    @inline(__always)
    static func untransposeStrip(
        _ strip: UnsafePointer<Float>, rows: Int, d: Int, width: Int,
        into target: UnsafeMutablePointer<Float>, targetStride: Int, factor: (Int) -> Float
    ) {
        var r0 = 0
        if d % 16 == 0 && width % 16 == 0 {
            while r0 + 16 <= rows {
                for c0 in stride(from: 0, to: d, by: 16) {
                    PortableGEMM.transpose16(strip + c0 * width + r0, stride: width, rows: 16,
                                             into: target + r0 * targetStride + c0, targetStride: targetStride)
                }
                for r in r0..<(r0 + 16) {
                    let f = factor(r), row = target + r * targetStride
                    if f == 1 { continue }                        // x · 1 = x: nothing to do
                    let vector = SIMD16<Float>(repeating: f)
                    for c0 in stride(from: 0, to: d, by: 16) { storeSIMD16(loadSIMD16(row + c0) * vector, row + c0) }
                }
                r0 += 16
            }
        }
        for r in r0..<rows {
            let f = factor(r), row = target + r * targetStride
            for c in 0..<d { row[c] = strip[c * width + r] * f }
        }
    }

    /// Runs `body(pair, firstRow)` for every strip of `width` rows of every pair, in parallel.
    private static func forEachStrip(pairs: Int, paddedRows: Int, width: Int, _ body: (Int, Int) -> Void) {
        let strips = paddedRows / width
        Parallel.forEachRange(pairs * strips, minimum: max(1, 512 / width)) { range in
            for index in range { body(index / strips, index % strips * width) }
        }
    }
}

/// A 64-byte-aligned scratch buffer of floats, freed by its owner.
@usableFromInline
func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    _ = Allocator.configured
    return UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: max(1, count))
}

@inlinable
func roundUp(_ value: Int, toMultipleOf multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
