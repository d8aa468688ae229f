// Packing for the portable GEMM: copying panels of A and B into the order the micro-kernel reads.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N]; MR × NR = the register tile.

// MARK: - Packing

import _Support

extension PortableGEMM {
    /// Copies op(A)[rows, slice] into slivers of MR rows, each stored K-major as [KC, 16]: the
    /// 14 numbers the micro-kernel needs at one step of K fill one 64-byte line (lanes 14 and 15,
    /// and rows past the end of A, are zeros).
    static func packA(
        _ op: Operands, rows: Range<Int>, slice: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) {
        let kc = slice.count
        for ir in stride(from: 0, to: rows.count, by: mr) {
            let height = min(mr, rows.count - ir), top = rows.lowerBound + ir
            let sliver = packed + ir / mr * kc * aStride
            var p = 0
            if !op.transA {
                // A is stored [M, K]: the sliver is its transpose, done 16 steps of K at a time.
                while p + 16 <= kc {
                    transpose16(op.a + top * op.lda + slice.lowerBound + p, stride: op.lda, rows: height,
                                into: sliver + p * aStride)
                    p += 16
                }
            }
            // A stored [K, M], where the MR numbers of a step are adjacent, and leftover steps.
            for p in p..<kc {
                let target = sliver + p * aStride
                if op.transA && height == mr && top + aStride <= op.m {
                    // 16 numbers of the row exist: copy them at once, then clear lanes 14 and 15.
                    storeSIMD16(loadSIMD16(op.a + (slice.lowerBound + p) * op.lda + top), target)
                    target[14] = 0
                    target[15] = 0
                } else {
                    let source = op.transA ? op.a + (slice.lowerBound + p) * op.lda + top
                                           : op.a + top * op.lda + slice.lowerBound + p
                    let step = op.transA ? 1 : op.lda
                    for i in 0..<height { target[i] = source[i * step] }
                    for i in height..<aStride { target[i] = 0 }
                }
            }
        }
    }

    /// Copies op(B)[slice, columns] into slivers of NR columns, each stored as [KC, NR]: one
    /// step of K reads NR adjacent numbers, two aligned SIMD16 loads. Columns past the end of B
    /// are zeros.
    static func packB(
        _ op: Operands, slice: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>
    ) {
        let kc = slice.count
        for jr in stride(from: 0, to: columns.count, by: nr) {
            let width = min(nr, columns.count - jr), left = columns.lowerBound + jr
            let sliver = packed + jr * kc
            var p = 0
            if op.transB {
                // B is stored [N, K]: the sliver is its transpose, two 16 × 16 blocks at a time.
                let source = op.b + left * op.ldb + slice.lowerBound
                while p + 16 <= kc {
                    transpose16(source + p, stride: op.ldb, rows: min(16, width), into: sliver + p * nr,
                                targetStride: nr)
                    transpose16(source + 16 * op.ldb + p, stride: op.ldb, rows: max(0, width - 16),
                                into: sliver + p * nr + 16, targetStride: nr)
                    p += 16
                }
            } else if width == nr {
                // B is stored [K, N]: each step of K is a contiguous run of NR numbers.
                while p < kc {
                    let source = op.b + (slice.lowerBound + p) * op.ldb + left, target = sliver + p * nr
                    storeSIMD16(loadSIMD16(source), target)
                    storeSIMD16(loadSIMD16(source + 16), target + 16)
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

    /// target[l, i] = source[i, l] for a 16 × 16 block: `rows` rows of `source` (row stride
    /// `stride`) are read, the others count as zeros; `target` has row stride `targetStride`
    /// and is 64-byte aligned.
    ///
    /// Four rounds of a "perfect unshuffle": round after round, rows 2i and 2i+1 are joined
    /// and split into their even and odd lanes, which become rows i and i+8. In binary, the
    /// number at row r₃r₂r₁r₀, column c₃c₂c₁c₀ moves to row c₀r₃r₂r₁, column r₀c₃c₂c₁: one bit
    /// of the column index enters the row index each round, so after four rounds row and
    /// column have swapped. Each join-and-split is one `vpermt2ps` on AVX-512.
    @inline(__always)
    static func transpose16(
        _ source: UnsafePointer<Float>, stride: Int, rows: Int,
        into target: UnsafeMutablePointer<Float>, targetStride: Int = aStride
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
}
