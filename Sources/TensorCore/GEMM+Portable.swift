// The portable GEMM: packed, cache-blocked, SIMD and multi-threaded, in plain Swift.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N], C is [M, N], row-major.
// MR × NR = the register tile (14 × 32); KC, MC, NC = the cache blocks (see `PortableGEMM`).

// MARK: - How this differs from the triple loop

// `GEMM.reference` computes each C[i, j] on its own: K loads from a row of A, K loads from a
// column of B (a stride of ldb floats, so a new cache line for every element), one multiply-add
// per two loads. The processor could do 64 flops a cycle; the triple loop feeds it about one.
//
// The fast version computes the same sums in another order, in five steps (Goto and van de
// Geijn's layout of a BLAS, as in BLIS and OpenBLAS):
//
// 1. Register tile. A 14 × 32 block of C lives in 28 SIMD16 registers (zmm, 16 floats each)
//    during the whole K loop. One step of K loads one row of B (2 vectors) and 14 numbers of A
//    and does 14 × 2 fused multiply-adds (FMA): 896 flops for 46 floats loaded.
// 2. Packing. Before the kernel runs, the pieces of A and B it will read are copied into
//    contiguous buffers in exactly the order it reads them. Transposes, leading dimensions and
//    ragged edges (zero padding) are handled there once, so the micro-kernel has a single shape
//    and streams memory linearly.
// 3. Cache blocking. K is cut into KC-long slices, so that a KC × NR sliver of packed B (32 KiB)
//    stays in L1 while the kernel sweeps down an MC × KC block of packed A held in L2 (384 KiB),
//    and a KC × NC panel of packed B sits in L3. Every float fetched from memory is reused
//    about MR, NR or MC times from a faster level.
// 4. Edge tiles. When M or N is not a multiple of the tile, the kernel still computes a whole
//    tile (of zero-padded data) into a small scratch tile; only the valid part is added to C.
// 5. Threads. C is cut into as many rectangles as there are threads; each rectangle is an
//    independent GEMM with its own packing buffers, so threads never wait for each other.

import _Support

/// Block sizes of the portable GEMM, for a core with 32 vector registers of 16 floats
/// (AVX-512), a 48 KiB L1d and a 1 MiB L2 (AMD Zen 4/5, Intel Skylake-X and later).
///
/// On other processors the code is just as correct, only slower: with 128-bit NEON a SIMD16
/// is four registers and the 28 accumulators no longer fit.
import _Support

enum PortableGEMM {
    /// Rows of the register tile: 14 rows × 2 vectors = 28 accumulators, + 2 vectors of B
    /// + 2 broadcasts of A = 32 registers. `microKernel` is written out for exactly 14 rows.
    static let mr = 14
    /// Floats per step of K in a packed sliver of A: MR rounded up to a 64-byte line.
    static let aStride = 16
    /// Columns of the register tile: two SIMD16 vectors.
    static let nr = 32
    /// Length of a K slice. A KC × NR sliver of packed B is 32 KiB: it stays in L1.
    static let kc = 256
    /// Rows of a block of A. An MC × KC block of packed A is 384 KiB: it stays in L2.
    static let mc = 336
    /// Columns of a panel of B. A KC × NC panel of packed B is 2 MiB: L3.
    static let nc = 2048
    /// Below this many flops a product runs on one thread: dispatching costs microseconds.
    static let minimumFlopsPerThread = 8_000_000

    /// The operands of one product, bundled so the helpers below take one argument.
    struct Operands {
        let transA: Bool, transB: Bool
        let a: UnsafePointer<Float>, lda: Int
        let b: UnsafePointer<Float>, ldb: Int
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let m: Int, k: Int, alpha: Float, beta: Float
    }
}

// MARK: - Driver

extension GEMM {
    /// C = alpha · op(A) · op(B) + beta · C, computed by this project's own tiled GEMM.
    ///
    /// Same arguments and results as `reference` (up to float rounding), hundreds of times
    /// faster: the comment at the top of `GEMM+Portable.swift` says how.
    ///
    /// - Parameters: as `sgemm`. A is [M, K] (or [K, M] when `transA`), B is [K, N] (or [N, K]
    ///   when `transB`), C is [M, N]; `beta == 0` means C is not read. `threads` is the most
    ///   threads to use (tests ask for more than the machine has, to cut C into more pieces).
    static func portable(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = Parallel.threadCount
    ) {
        typealias P = PortableGEMM
        // `sgemm` has dealt with empty products (m, n or k = 0) and alpha = 0.
        ensure(m > 0 && n > 0 && k > 0 && alpha != 0, "GEMM.portable: empty product or alpha = 0 reached the kernel")
        let operands = P.Operands(transA: transA, transB: transB, a: a, lda: lda, b: b, ldb: ldb,
                                  c: c, ldc: ldc, m: m, k: k, alpha: alpha, beta: beta)
        let grid = P.Grid(m: m, n: n, k: k, threads: threads)

        // One allocation per call: per thread, a block of A, a panel of B and a scratch tile,
        // each starting on a 64-byte boundary (the width of a zmm register and a cache line).
        let kc = min(P.kc, k)
        let mc = min(P.mc, grid.rowsPerChunk), nc = min(P.nc, grid.columnsPerChunk)
        let sizeA = mc / P.mr * kc * P.aStride, sizeB = P.roundUp(kc * nc, 16)
        let perChunk = sizeA + sizeB + P.mr * P.nr
        let memory = UnsafeMutableRawPointer.allocate(
            byteCount: grid.count * perChunk * MemoryLayout<Float>.stride, alignment: 64)
        defer { memory.deallocate() }
        let workspace = memory.bindMemory(to: Float.self, capacity: grid.count * perChunk)

        func run(_ chunk: Int) {
            let buffer = workspace + chunk * perChunk
            P.multiply(operands, rows: grid.rows(of: chunk), columns: grid.columns(of: chunk),
                       packedA: buffer, packedB: buffer + sizeA, tile: buffer + sizeA + sizeB)
        }
        if grid.count == 1 { run(0) } else { Parallel.forEach(chunks: grid.count, run) }
    }
}

extension PortableGEMM {
    /// The smallest multiple of `multiple` that is ≥ `value`.
    static func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

    /// How C is cut among threads: `rowChunks × columnChunks` rectangles whose sides are whole
    /// tiles, chosen so the largest rectangle (the one everyone waits for) is as small as possible.
    struct Grid {
        let m: Int, n: Int, rowChunks: Int, columnChunks: Int
        var count: Int { rowChunks * columnChunks }

        init(m: Int, n: Int, k: Int, threads: Int) {
            let flops = 2 * Double(m) * Double(n) * Double(k)
            let chunks = max(1, min(threads, Int(flops / Double(minimumFlopsPerThread))))
            let rowTiles = (m + mr - 1) / mr, columnTiles = (n + nr - 1) / nr
            var best = (rows: 1, columns: 1, cost: Int.max)
            for rows in stride(from: chunks, through: 1, by: -1) where chunks % rows == 0 {
                let columns = chunks / rows
                let cost = (rowTiles + rows - 1) / rows * mr * ((columnTiles + columns - 1) / columns) * nr
                if cost < best.cost { best = (rows, columns, cost) }   // ties keep more row chunks
            }
            (self.m, self.n, rowChunks, columnChunks) = (m, n, best.rows, best.columns)
        }

        var rowsPerChunk: Int { roundUp((m + mr - 1) / mr, rowChunks) / rowChunks * mr }
        var columnsPerChunk: Int { roundUp((n + nr - 1) / nr, columnChunks) / columnChunks * nr }

        func rows(of chunk: Int) -> Range<Int> {
            Self.split(m, tile: mr, parts: rowChunks, part: chunk / columnChunks)
        }
        func columns(of chunk: Int) -> Range<Int> {
            Self.split(n, tile: nr, parts: columnChunks, part: chunk % columnChunks)
        }
        /// Part `part` of `0..<count` cut into `parts` runs of whole tiles.
        static func split(_ count: Int, tile: Int, parts: Int, part: Int) -> Range<Int> {
            let tiles = (count + tile - 1) / tile
            return min(count, part * tiles / parts * tile)..<min(count, (part + 1) * tiles / parts * tile)
        }
    }

    /// C[rows, columns] = alpha · op(A)[rows, :] · op(B)[:, columns] + beta · C[rows, columns]:
    /// the loops around the micro-kernel, from the outside in: NC panels of B, KC slices of K,
    /// MC blocks of A, then NR × MR tiles (`macroKernel`).
    static func multiply(
        _ op: Operands, rows: Range<Int>, columns: Range<Int>,
        packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
        tile: UnsafeMutablePointer<Float>
    ) {
        for jc in stride(from: columns.lowerBound, to: columns.upperBound, by: nc) {
            let panelColumns = jc..<min(jc + nc, columns.upperBound)
            for pc in stride(from: 0, to: op.k, by: kc) {
                let slice = pc..<min(pc + kc, op.k)
                // The first slice of K applies beta; later slices add to what is there.
                let beta: Float = pc == 0 ? op.beta : 1
                packB(op, slice: slice, columns: panelColumns, into: packedB)
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: mc) {
                    let blockRows = ic..<min(ic + mc, rows.upperBound)
                    packA(op, rows: blockRows, slice: slice, into: packedA)
                    macroKernel(op, rows: blockRows, columns: panelColumns, kc: slice.count,
                                packedA: packedA, packedB: packedB, tile: tile, beta: beta)
                }
            }
        }
    }

    /// Every MR × NR tile of C[rows, columns] from one packed block of A and one panel of B.
    /// The inner loop walks down the rows, so the KC × NR sliver of B stays in L1.
    static func macroKernel(
        _ op: Operands, rows: Range<Int>, columns: Range<Int>, kc: Int,
        packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
        tile: UnsafeMutablePointer<Float>, beta: Float
    ) {
        for jr in stride(from: 0, to: columns.count, by: nr) {
            let width = min(nr, columns.count - jr)
            let sliverB = packedB + jr * kc                      // [KC, NR]
            for ir in stride(from: 0, to: rows.count, by: mr) {
                let height = min(mr, rows.count - ir)
                let sliverA = packedA + ir / mr * kc * aStride   // [KC, 16]
                let c = op.c + (rows.lowerBound + ir) * op.ldc + columns.lowerBound + jr
                if height == mr && width == nr {
                    microKernel(kc: kc, a: sliverA, b: sliverB, c: c, ldc: op.ldc,
                                alpha: op.alpha, beta: beta)
                } else {
                    // Edge tile: compute all of it into `tile`, keep the valid corner. The same
                    // single-rounding FMA as `TileRow.store`, so that an element gets the same
                    // bits whether it falls in a full tile or an edge tile (whose position
                    // depends on how C was cut among threads).
                    microKernel(kc: kc, a: sliverA, b: sliverB, c: tile, ldc: nr,
                                alpha: op.alpha, beta: 0)
                    for i in 0..<height {
                        for j in 0..<width {
                            let product = tile[i * nr + j]
                            c[i * op.ldc + j] = beta == 0 ? product : product.addingProduct(beta, c[i * op.ldc + j])
                        }
                    }
                }
            }
        }
    }

    /// C = beta · C, with beta = 0 writing zeros without reading C (as BLAS does).
    static func scale(_ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, by beta: Float) {
        if beta == 1 { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
        }
    }
}

// MARK: - Micro-kernel

extension PortableGEMM {
    /// C[i, j..<j+32] = alpha · row + beta · C[i, j..<j+32]; C is not read when beta is 0.
    @inline(__always)
    static func store(_ row: TileRow, to c: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float) {
        let row = row.scaled(by: alpha)
        if beta != 0 {
            row.store(to: c, adding: SIMD16(repeating: beta), SIMD16(repeating: beta))
        } else {
            row.store(to: c)
        }
    }

    /// C[0..<14, 0..<32] = alpha · Ã · B̃ + beta · C, the 14 × 32 tile product at the heart of
    /// the GEMM.
    ///
    ///     for p in 0..<kc:  C[i, :] += Ã[p, i] · B̃[p, :]   for the 14 rows i
    ///
    /// - Parameters:
    ///   - a: packed sliver of A, [KC, 16] (14 numbers and 2 zeros per step of K).
    ///   - b: packed sliver of B, [KC, NR] (32 numbers per step), 64-byte aligned.
    ///   - c: the tile of C, row stride `ldc`; read only when `beta != 0`.
    ///
    /// The 28 accumulators stay in zmm registers for the whole loop: each step is 2
    /// loads of B, 14 broadcasts of A and 28 `vfmadd231ps`, nothing else. (Check with
    /// `objdump -d` on TensorCore's object file: the loop body is 28 zmm FMAs.)
    @inline(never)
    static func microKernel(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0 = TileRow(), c1 = TileRow(), c2 = TileRow(), c3 = TileRow(), c4 = TileRow()
        var c5 = TileRow(), c6 = TileRow(), c7 = TileRow(), c8 = TileRow(), c9 = TileRow()
        var c10 = TileRow(), c11 = TileRow(), c12 = TileRow(), c13 = TileRow()
        var a = a, b = b
        for _ in 0..<kc {
            let b0 = loadSIMD16(b), b1 = loadSIMD16(b + 16)
            c0.add(a[0], times: b0, b1); c1.add(a[1], times: b0, b1)
            c2.add(a[2], times: b0, b1); c3.add(a[3], times: b0, b1)
            c4.add(a[4], times: b0, b1); c5.add(a[5], times: b0, b1)
            c6.add(a[6], times: b0, b1); c7.add(a[7], times: b0, b1)
            c8.add(a[8], times: b0, b1); c9.add(a[9], times: b0, b1)
            c10.add(a[10], times: b0, b1); c11.add(a[11], times: b0, b1)
            c12.add(a[12], times: b0, b1); c13.add(a[13], times: b0, b1)
            a += aStride
            b += nr
        }
        store(c0, to: c, alpha, beta); store(c1, to: c + ldc, alpha, beta)
        store(c2, to: c + 2 * ldc, alpha, beta); store(c3, to: c + 3 * ldc, alpha, beta)
        store(c4, to: c + 4 * ldc, alpha, beta); store(c5, to: c + 5 * ldc, alpha, beta)
        store(c6, to: c + 6 * ldc, alpha, beta); store(c7, to: c + 7 * ldc, alpha, beta)
        store(c8, to: c + 8 * ldc, alpha, beta); store(c9, to: c + 9 * ldc, alpha, beta)
        store(c10, to: c + 10 * ldc, alpha, beta); store(c11, to: c + 11 * ldc, alpha, beta)
        store(c12, to: c + 12 * ldc, alpha, beta); store(c13, to: c + 13 * ldc, alpha, beta)
    }
}
