// The micro-kernels of the portable GEMM: an MR × NR tile of C kept in vector registers for a
// whole slice of K. MR × NR = the register tile; KC = steps of K in one call; W = floats per
// vector register (16 in a zmm register, 8 in a ymm one).

import CPrefetch
import _Support

/// A register tile of C, the micro-kernel that computes it and the packing that feeds it.
///
/// Each step of K, the micro-kernel loads one row of packed B (NR = 2·W numbers, two vectors),
/// broadcasts each of the MR numbers of packed A and does MR × 2 FMAs into the accumulators:
///
///     for p in 0..<kc:  C[i, :] += Ã[p, i] · B̃[p, :]   for the MR rows i
///
/// The driver (`GEMM+Portable.swift`) is generic over this protocol and specialised for each
/// conforming type, so the choice of kernel costs one branch per product.
protocol GEMMMicroKernel {
    /// Rows of the register tile.
    static var mr: Int { get }
    /// Floats per vector register: a step of packed A holds W numbers (MR of them used), a step
    /// of packed B 2·W.
    static var width: Int { get }
    /// "14×32 of SIMD16 (28 zmm accumulators)", for `GEMM.backendDetails`.
    static var summary: String { get }

    /// C[0..<MR, 0..<NR] = alpha · Ã · B̃ + beta · C, or alpha · Ã · B̃ + bias in every row, with
    /// Ã's MR numbers of each step wherever `a` finds them (`RowsOfA`): the loop of the
    /// micro-kernels (`microKernel`), which call it with a concrete `A` so that it compiles to
    /// one loop for each.
    ///
    /// - Parameters:
    ///   - a: where A's numbers are: a packed sliver [KC, W] (MR numbers per step of K, then
    ///     padding), or rows of A itself.
    ///   - b: packed sliver of B, [KC, NR].
    ///   - c: the tile of C, row stride `ldc`; read only when `beta != 0` and there is no bias.
    ///   - bias: NR numbers added to every row in place of beta · C, or nil.
    static func tileProduct<A: RowsOfA>(
        kc: Int, _ a: A, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?)

    /// The row counts of the smaller kernels for edge tiles (`GEMM+EdgeKernels.swift`).
    static var edgeRows: (small: Int, medium: Int) { get }

    /// The top-left `rows` (≤ MR) × NR, or (`wide` false) × W, of the tile, stored as `microKernel`
    /// stores it (C = alpha · Ã · B̃ + beta · C, or + bias, at `store`), for a tile on the edge of C
    /// (`GEMM+EdgeKernels.swift`, which calls it with constants). Those numbers are the very bits
    /// `microKernel` would store there (the same FMA chains from zero, the same store), but the rows
    /// and columns past the edge, zero padding in Ã and B̃, are neither computed nor stored.
    static func edgeProduct(
        rows: Int, wide: Bool, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore)

    /// Copies op(A)[rows, slice] into slivers of MR rows, each [KC, W] (`GEMM+Packing.swift`).
    static func packA(
        _ op: PortableGEMM.Operands, rows: Range<Int>, slice: Range<Int>, into packed: UnsafeMutablePointer<Float>)

    /// Copies op(B)[slice, columns] into slivers of NR columns, each [KC, NR] (`GEMM+Packing.swift`).
    static func packB(
        _ op: PortableGEMM.Operands, slice: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>)
}

extension GEMMMicroKernel {
    /// The micro-kernel on a packed sliver of A, [KC, W] (`tileProduct`).
    @inline(never)
    static func microKernel(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?
    ) {
        tileProduct(kc: kc, PackedSliverOfA(a, width: width), b: b, c: c, ldc: ldc, alpha: alpha, beta: beta, bias: bias)
    }

    /// The micro-kernel reading its MR rows of A in place, `lda` apart, from the slice's first step
    /// (`RowsOfAInPlace`). The same FMAs in the same order as on a packed sliver, so the same bits
    /// (`PortableGEMM.readsAInPlace` says when the driver uses it).
    @inline(never)
    static func microKernel(
        kc: Int, rowsOfA a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?
    ) {
        tileProduct(kc: kc, RowsOfAInPlace(a, lda: lda), b: b, c: c, ldc: ldc, alpha: alpha, beta: beta, bias: bias)
    }

    /// Columns of the register tile: two vectors.
    static var nr: Int { 2 * width }
    /// Floats per step of K in a packed sliver of A: MR rounded up to a whole vector.
    static var aStride: Int { width }
}

// MARK: - 14 × 32 of SIMD16, for AVX-512

/// The tile for 32 vector registers of 16 floats (AVX-512's zmm): 14 rows × 2 vectors = 28
/// accumulators, + 2 vectors of B + 2 broadcasts of A = 32 registers.
enum Tile14x32: GEMMMicroKernel {
    static var mr: Int { 14 }
    static var width: Int { 16 }
    static var summary: String { "14×32 of SIMD16 (28 zmm accumulators)" }

    /// C[i, j..<j+32] = alpha · row + beta · C[i, j..<j+32], or alpha · row + bias; C is not read
    /// when beta is 0 or there is a bias. (alpha · row + bias is rounded as copying the bias into C
    /// and adding with beta = 1 would round it.) With `wide` false, the left 16 columns only, each
    /// with the same operations (an edge tile's, `GEMM+EdgeKernels.swift`).
    @inline(__always)
    static func store(
        _ row: TileRow, to c: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float, _ bias: UnsafePointer<Float>?,
        wide: Bool = true
    ) {
        let row = row.scaled(by: alpha)
        if let bias {
            storeSIMD16(row.low + loadSIMD16(bias), c)
            if wide { storeSIMD16(row.high + loadSIMD16(bias + 16), c + 16) }
        } else if beta != 0 {
            let beta = SIMD16<Float>(repeating: beta)
            storeSIMD16(row.low.addingProduct(beta, loadSIMD16(c)), c)
            if wide { storeSIMD16(row.high.addingProduct(beta, loadSIMD16(c + 16)), c + 16) }
        } else {
            storeSIMD16(row.low, c)
            if wide { storeSIMD16(row.high, c + 16) }
        }
    }

    /// The 14 × 32 tile product: a packed sliver is [KC, 16] (14 numbers and 2 zeros per step of
    /// K), b is [KC, 32], 64-byte aligned.
    ///
    /// The 28 accumulators stay in zmm registers for the whole loop: each step is 2
    /// loads of B, 14 broadcasts of A and 28 `vfmadd231ps`, nothing else (with A in place, a few
    /// integer additions too). (Check with `objdump -d` on TensorCore's object file: the loop body
    /// of each `microKernel` is 28 zmm FMAs.)
    @inline(__always)
    static func tileProduct<A: RowsOfA>(
        kc: Int, _ a: A, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?
    ) {
        // As in the 6 × 16 kernel: ask for the tile of C now, so its lines arrive during the loop.
        for i in 0..<14 {
            tp_prefetch_for_write(c + i * ldc)
            tp_prefetch_for_write(c + i * ldc + 16)
        }
        var c0 = TileRow(), c1 = TileRow(), c2 = TileRow(), c3 = TileRow(), c4 = TileRow()
        var c5 = TileRow(), c6 = TileRow(), c7 = TileRow(), c8 = TileRow(), c9 = TileRow()
        var c10 = TileRow(), c11 = TileRow(), c12 = TileRow(), c13 = TileRow()
        var a = a, b = b
        for _ in 0..<kc {
            a.prefetch()
            let b0 = loadSIMD16(b), b1 = loadSIMD16(b + 16)
            c0.add(a[0], times: b0, b1); c1.add(a[1], times: b0, b1)
            c2.add(a[2], times: b0, b1); c3.add(a[3], times: b0, b1)
            c4.add(a[4], times: b0, b1); c5.add(a[5], times: b0, b1)
            c6.add(a[6], times: b0, b1); c7.add(a[7], times: b0, b1)
            c8.add(a[8], times: b0, b1); c9.add(a[9], times: b0, b1)
            c10.add(a[10], times: b0, b1); c11.add(a[11], times: b0, b1)
            c12.add(a[12], times: b0, b1); c13.add(a[13], times: b0, b1)
            a.advance()
            b += 32
        }
        store(c0, to: c, alpha, beta, bias); store(c1, to: c + ldc, alpha, beta, bias)
        store(c2, to: c + 2 * ldc, alpha, beta, bias); store(c3, to: c + 3 * ldc, alpha, beta, bias)
        store(c4, to: c + 4 * ldc, alpha, beta, bias); store(c5, to: c + 5 * ldc, alpha, beta, bias)
        store(c6, to: c + 6 * ldc, alpha, beta, bias); store(c7, to: c + 7 * ldc, alpha, beta, bias)
        store(c8, to: c + 8 * ldc, alpha, beta, bias); store(c9, to: c + 9 * ldc, alpha, beta, bias)
        store(c10, to: c + 10 * ldc, alpha, beta, bias); store(c11, to: c + 11 * ldc, alpha, beta, bias)
        store(c12, to: c + 12 * ldc, alpha, beta, bias); store(c13, to: c + 13 * ldc, alpha, beta, bias)
    }
}

// MARK: - Where a micro-kernel finds A

/// The MR numbers of A at the current step of K, for the micro-kernels' loop.
protocol RowsOfA {
    /// Row i's number at the current step.
    subscript(_ i: Int) -> Float { get }
    /// Moves to the next step of K.
    mutating func advance()
    /// Asks for the lines of A a few steps ahead (packed A only: in place, the hardware's stride
    /// prefetcher follows each row).
    func prefetch()
}

/// A packed sliver of A, [KC, W]: the MR numbers of a step are adjacent.
struct PackedSliverOfA: RowsOfA {
    var a: UnsafePointer<Float>
    let width: Int

    @inline(__always) init(_ a: UnsafePointer<Float>, width: Int) { (self.a, self.width) = (a, width) }
    @inline(__always) subscript(_ i: Int) -> Float { a[i] }
    @inline(__always) mutating func advance() { a += width }
    @inline(__always) func prefetch() { tp_prefetch(a + 8 * width) }
}

/// Up to 14 rows of a row-major A, `lda` apart, read in place: four row pointers (rows 0, 3, 6
/// and 10) plus 0, 1 or 2 times lda (6 or 10 times for rows 9 and 13), which x86 addressing adds
/// to a pointer for free, so the loop needs few registers and no arithmetic per row.
struct RowsOfAInPlace: RowsOfA {
    var a0: UnsafePointer<Float>, a3: UnsafePointer<Float>, a6: UnsafePointer<Float>, a10: UnsafePointer<Float>
    let lda: Int

    @inline(__always) init(_ a: UnsafePointer<Float>, lda: Int) {
        (a0, a3, a6, a10, self.lda) = (a, a + 3 * lda, a + 6 * lda, a + 10 * lda, lda)
    }

    @inline(__always) subscript(_ i: Int) -> Float {
        switch i {
        case 0, 1, 2: a0[i * lda]
        case 3, 4, 5: a3[(i - 3) * lda]
        case 6, 7, 8: a6[(i - 6) * lda]
        case 9: a3[6 * lda]
        case 10, 11, 12: a10[(i - 10) * lda]
        default: a3[10 * lda]
        }
    }

    @inline(__always) mutating func advance() {
        a0 += 1; a3 += 1; a6 += 1; a10 += 1
    }

    @inline(__always) func prefetch() {}
}

// MARK: - 6 × 16 of SIMD8, for AVX2 (and NEON)

/// The tile for 16 vector registers of 8 floats (AVX2's ymm): 6 rows × 2 vectors = 12
/// accumulators, + 2 vectors of B + 1 broadcast of A = 15 registers. (The 14 × 32 tile would
/// need 56 here.) The same shape as the Haswell and Zen kernels of BLIS and OpenBLAS.
/// With 128-bit NEON a SIMD8 is two of its 32 registers: 24 accumulators, 4 for B, 1 broadcast.
enum Tile6x16: GEMMMicroKernel {
    static var mr: Int { 6 }
    static var width: Int { 8 }
    static var summary: String { "6×16 of SIMD8 (12 ymm accumulators)" }

    /// C[i, j..<j+16] = alpha · row + beta · C[i, j..<j+16], or alpha · row + bias; C is not read
    /// when beta is 0 or there is a bias. With `wide` false, the left 8 columns only.
    @inline(__always)
    static func store(
        _ row: NarrowTileRow, to c: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float,
        _ bias: UnsafePointer<Float>?, wide: Bool = true
    ) {
        // Times 1 is exact: skipping it changes no bit, and saves 12 multiplies per tile when K is short.
        let row = alpha == 1 ? row : row.scaled(by: alpha)
        if let bias {
            storeSIMD8(row.low + loadSIMD8(bias), c)
            if wide { storeSIMD8(row.high + loadSIMD8(bias + 8), c + 8) }
        } else if beta != 0 {
            let beta = SIMD8<Float>(repeating: beta)
            storeSIMD8(row.low.addingProduct(beta, loadSIMD8(c)), c)
            if wide { storeSIMD8(row.high.addingProduct(beta, loadSIMD8(c + 8)), c + 8) }
        } else {
            storeSIMD8(row.low, c)
            if wide { storeSIMD8(row.high, c + 8) }
        }
    }

    /// The 6 × 16 tile product: a packed sliver is [KC, 8] (6 numbers and 2 zeros per step of K),
    /// b is [KC, 16].
    ///
    /// Each step is 2 loads of B, 6 broadcasts of A (`vbroadcastss` from memory) and 12
    /// `vfmadd231ps` on ymm registers; nothing goes to the stack. (Check with `objdump -d`.)
    @inline(__always)
    static func tileProduct<A: RowsOfA>(
        kc: Int, _ a: A, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?
    ) {
        // The tile of C is needed only after the loop: ask for its lines now, so that they
        // arrive while the loop runs instead of stalling the stores (C is swept once per slice
        // of K and is rarely still in cache).
        for i in 0..<6 {
            tp_prefetch_for_write(c + i * ldc)
            tp_prefetch_for_write(c + i * ldc + 15)
        }
        var c0 = NarrowTileRow(), c1 = NarrowTileRow(), c2 = NarrowTileRow()
        var c3 = NarrowTileRow(), c4 = NarrowTileRow(), c5 = NarrowTileRow()
        var a = a, b = b
        for _ in 0..<kc {
            a.prefetch()
            let b0 = loadSIMD8(b), b1 = loadSIMD8(b + 8)
            c0.add(a[0], times: b0, b1); c1.add(a[1], times: b0, b1)
            c2.add(a[2], times: b0, b1); c3.add(a[3], times: b0, b1)
            c4.add(a[4], times: b0, b1); c5.add(a[5], times: b0, b1)
            a.advance()
            b += 16
        }
        store(c0, to: c, alpha, beta, bias); store(c1, to: c + ldc, alpha, beta, bias)
        store(c2, to: c + 2 * ldc, alpha, beta, bias); store(c3, to: c + 3 * ldc, alpha, beta, bias)
        store(c4, to: c + 4 * ldc, alpha, beta, bias); store(c5, to: c + 5 * ldc, alpha, beta, bias)
    }
}
