// Packing for the portable GEMM: copying panels of A and B into the order the micro-kernel reads.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N]; MR × NR = the register tile.

// MARK: - Packing

import _Support

// The packing routines are written once for both register tiles and compiled for each (the
// driver calls these concrete entry points, so that no generic code runs unspecialised).
extension Tile14x32 {
    static func packA(
        _ op: PortableGEMM.Operands, rows: Range<Int>, slice: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) { PortableGEMM.packA(Self.self, op, rows: rows, slice: slice, into: packed) }

    static func packB(
        _ op: PortableGEMM.Operands, slice: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) { PortableGEMM.packB(Self.self, op, slice: slice, columns: columns, into: packed) }
}

extension Tile6x16 {
    static func packA(
        _ op: PortableGEMM.Operands, rows: Range<Int>, slice: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) { PortableGEMM.packA(Self.self, op, rows: rows, slice: slice, into: packed) }

    static func packB(
        _ op: PortableGEMM.Operands, slice: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) { PortableGEMM.packB(Self.self, op, slice: slice, columns: columns, into: packed) }
}

extension PortableGEMM {
    /// Copies op(A)[rows, slice] into slivers of MR rows, each stored K-major as [KC, W]: the
    /// MR numbers the micro-kernel needs at one step of K, at the start of one vector's width.
    /// Rows past the end of A are zeros; the lanes past MR, which the kernel never reads, are
    /// zeros or whatever A holds next to the sliver's rows.
    static func packA<K: GEMMMicroKernel>(
        _: K.Type, _ op: Operands, rows: Range<Int>, slice: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) {
        let kc = slice.count, mr = K.mr, w = K.width
        if op.transA {
            // A is stored [K, M]: the MR numbers of a step are adjacent, one vector load each.
            // NOTE: W steps of K for every sliver, then the next W steps. Sliver by sliver, each
            // step would read a line of its own lda floats after the last, and with lda a multiple
            // of 256 floats those lines share a few sets of L1 and evict each other before the
            // next sliver, which reads the same lines, comes; W rows of A at a time stay in L1.
            for p0 in stride(from: 0, to: kc, by: w) {
                let steps = min(w, kc - p0)
                for ir in stride(from: 0, to: rows.count, by: mr) {
                    let sliver = packed + ir / mr * kc * w
                    let top = rows.lowerBound + ir
                    guard rows.count - ir >= mr && top + w <= op.m else {
                        // The last rows, or a vector would read past the end of a row of A.
                        copySteps(p0..<p0 + steps, op, rows: rows, slice: slice, sliverRow: ir, mr: mr, w: w, into: sliver)
                        continue
                    }
                    // W numbers per step, of which the kernel reads the first MR.
                    var source = op.a + (slice.lowerBound + p0) * op.lda + top, target = sliver + p0 * w
                    if w == 16 {
                        for _ in 0..<steps {
                            storeSIMD16(loadSIMD16(source), target)
                            source += op.lda
                            target += 16
                        }
                    } else {
                        for _ in 0..<steps {
                            storeSIMD8(loadSIMD8(source), target)
                            source += op.lda
                            target += 8
                        }
                    }
                }
            }
            return
        }
        for ir in stride(from: 0, to: rows.count, by: mr) {
            let height = min(mr, rows.count - ir), top = rows.lowerBound + ir
            let sliver = packed + ir / mr * kc * w
            // A is stored [M, K]: the sliver is its transpose, done W steps of K at a time.
            var p = 0
            while p + w <= kc {
                transpose(width: w, op.a + top * op.lda + slice.lowerBound + p, stride: op.lda, rows: height,
                          into: sliver + p * w, targetStride: w)
                p += w
            }
            copySteps(p..<kc, op, rows: rows, slice: slice, sliverRow: ir, mr: mr, w: w, into: sliver)
        }
    }

    /// Steps `steps` (counted from the start of `slice`) of op(A)[rows, slice] into the sliver of
    /// rows `ir..<ir + MR`, one step at a time: `packA` for A stored [K, M], and the steps left
    /// over by the transposes.
    @inline(__always)
    private static func copySteps(
        _ steps: Range<Int>, _ op: Operands, rows: Range<Int>, slice: Range<Int>, sliverRow ir: Int,
        mr: Int, w: Int, into sliver: UnsafeMutablePointer<Float>
    ) {
        let height = min(mr, rows.count - ir), top = rows.lowerBound + ir
        for p in steps {
            let target = sliver + p * w, k = slice.lowerBound + p
            let source = op.transA ? op.a + k * op.lda + top : op.a + top * op.lda + k
            let step = op.transA ? 1 : op.lda
            for i in 0..<height { target[i] = source[i * step] }
            for i in height..<w { target[i] = 0 }
        }
    }

    /// Copies op(B)[slice, columns] into slivers of NR = 2·W columns, each stored as [KC, NR]:
    /// one step of K reads NR adjacent numbers, two vector loads. Columns past the end of B are
    /// zeros.
    static func packB<K: GEMMMicroKernel>(
        _: K.Type, _ op: Operands, slice: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) {
        let kc = slice.count, w = K.width, nr = 2 * w
        for jr in stride(from: 0, to: columns.count, by: nr) {
            let width = min(nr, columns.count - jr), left = columns.lowerBound + jr
            let sliver = packed + jr * kc
            var p = 0
            if op.transB {
                // B is stored [N, K]: the sliver is its transpose, two W × W blocks at a time.
                let source = op.b + left * op.ldb + slice.lowerBound
                while p + w <= kc {
                    transpose(width: w, source + p, stride: op.ldb, rows: min(w, width), into: sliver + p * nr,
                              targetStride: nr)
                    transpose(width: w, source + w * op.ldb + p, stride: op.ldb, rows: max(0, width - w),
                              into: sliver + p * nr + w, targetStride: nr)
                    p += w
                }
            } else if width == nr {
                // B is stored [K, N]: each step of K is a contiguous run of NR numbers.
                while p < kc {
                    let source = op.b + (slice.lowerBound + p) * op.ldb + left, target = sliver + p * nr
                    if w == 16 {
                        storeSIMD16(loadSIMD16(source), target)
                        storeSIMD16(loadSIMD16(source + 16), target + 16)
                    } else {
                        storeSIMD8(loadSIMD8(source), target)
                        storeSIMD8(loadSIMD8(source + 8), target + 8)
                    }
                    p += 1
                }
            }
            // Ragged right edge, and steps left over by the transposes.
            for p in p..<kc {
                let target = sliver + p * nr
                let source = op.transB ? op.b + left * op.ldb + slice.lowerBound + p
                                       : op.b + (slice.lowerBound + p) * op.ldb + left
                let step = op.transB ? op.ldb : 1
                for j in 0..<width { target[j] = source[j * step] }
                for j in width..<nr { target[j] = 0 }
            }
        }
    }

    /// `transpose16` or `transpose8`.
    @inline(__always)
    static func transpose(
        width: Int, _ source: UnsafePointer<Float>, stride: Int, rows: Int,
        into target: UnsafeMutablePointer<Float>, targetStride: Int
    ) {
        if width == 16 {
            transpose16(source, stride: stride, rows: rows, into: target, targetStride: targetStride)
        } else {
            transpose8(source, stride: stride, rows: rows, into: target, targetStride: targetStride)
        }
    }

    /// target[l, i] = source[i, l] for a 16 × 16 block: `rows` rows of `source` (row stride
    /// `stride`) are read, the others count as zeros; `target` has row stride `targetStride`.
    ///
    /// Four rounds of a "perfect unshuffle": round after round, rows 2i and 2i+1 are joined
    /// and split into their even and odd lanes, which become rows i and i+8. In binary, the
    /// number at row r₃r₂r₁r₀, column c₃c₂c₁c₀ moves to row c₀r₃r₂r₁, column r₀c₃c₂c₁: one bit
    /// of the column index enters the row index each round, so after four rounds row and
    /// column have swapped. Each join-and-split is one `vpermt2ps` on AVX-512.
    @inline(__always)
    static func transpose16(
        _ source: UnsafePointer<Float>, stride: Int, rows: Int,
        into target: UnsafeMutablePointer<Float>, targetStride: Int = 16
    ) {
        // NOTE: two buffers of 1 KiB, not one of 2 KiB: Swift puts temporary allocations of up
        // to 1 KiB on the stack and larger ones on the heap. The optimiser then keeps all 16
        // vectors in registers anyway.
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { first in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { second in
                var from = first.baseAddress!, to = second.baseAddress!
                for i in 0..<16 {
                    from[i] = i < rows ? loadSIMD16(source + i * stride) : .zero
                }
                for _ in 0..<4 {
                    for i in 0..<8 {
                        let pair = SIMD32(lowHalf: from[2 * i], highHalf: from[2 * i + 1])
                        to[i] = pair.evenHalf
                        to[i + 8] = pair.oddHalf
                    }
                    swap(&from, &to)
                }
                for l in 0..<16 {
                    storeSIMD16(from[l], target + l * targetStride)
                }
            }
        }
    }

    /// target[l, i] = source[i, l] for an 8 × 8 block: `transpose16`'s perfect unshuffle in
    /// three rounds, for the 8-float vectors of the 6 × 16 tile.
    @inline(__always)
    static func transpose8(
        _ source: UnsafePointer<Float>, stride: Int, rows: Int,
        into target: UnsafeMutablePointer<Float>, targetStride: Int = 8
    ) {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 8) { first in
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 8) { second in
                var from = first.baseAddress!, to = second.baseAddress!
                for i in 0..<8 {
                    from[i] = i < rows ? loadSIMD8(source + i * stride) : .zero
                }
                for _ in 0..<3 {
                    for i in 0..<4 {
                        let pair = SIMD16(lowHalf: from[2 * i], highHalf: from[2 * i + 1])
                        to[i] = pair.evenHalf
                        to[i + 4] = pair.oddHalf
                    }
                    swap(&from, &to)
                }
                for l in 0..<8 {
                    storeSIMD8(from[l], target + l * targetStride)
                }
            }
        }
    }
}
