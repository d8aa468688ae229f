// The portable GEMM: packed, cache-blocked, SIMD and multi-threaded, in plain Swift.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N], C is [M, N], row-major.
// MR × NR = the register tile (14 × 32 with AVX-512, 6 × 16 elsewhere; `GEMM+MicroKernels.swift`);
// KC, MC, NC = the cache blocks (`PortableGEMM.Blocking`, worked out from this machine's caches).

// MARK: - How this differs from the triple loop

// `GEMM.reference` computes each C[i, j] on its own: K loads from a row of A, K loads from a
// column of B (a stride of ldb floats, so a new cache line for every element), one multiply-add
// per two loads. The processor could do 32 or 64 flops a cycle; the triple loop feeds it about one.
//
// The fast version computes the same sums in another order, in five steps (Goto and van de
// Geijn's layout of a BLAS, as in BLIS and OpenBLAS):
//
// 1. Register tile. An MR × NR block of C lives in vector registers during the whole K loop.
//    One step of K loads one row of B (2 vectors), broadcasts MR numbers of A and does MR × 2
//    fused multiply-adds (FMA). The tile is as large as the registers allow, and no larger:
//    AVX-512 has 32 registers of 16 floats (zmm), enough for a 14 × 32 tile (28 accumulators,
//    896 flops for 46 floats loaded); AVX2 has 16 registers of 8 floats (ymm), enough for a
//    6 × 16 tile (12 accumulators, 2 vectors of B, 1 broadcast: 192 flops for 22 floats). A
//    tile too large for the registers spills: accumulators travel to the stack and back at
//    every step, and the loads and stores, not the FMAs, set the pace.
// 2. Packing. Before the kernel runs, the pieces of A and B it will read are copied into
//    contiguous buffers in exactly the order it reads them. Transposes, leading dimensions and
//    ragged edges (zero padding) are handled there once, so the micro-kernel has a single shape
//    and streams memory linearly. (A stored [M, K] with few slivers of B to reuse a packed copy,
//    as in a small model's products, is read in place instead: `readsAInPlace`.)
// 3. Cache blocking. K is cut into KC-long slices, so that a KC × NR sliver of packed B stays
//    in L1 while the kernel sweeps down an MC × KC block of packed A held in L2, and a KC × NC
//    panel of packed B sits in L3. Every float fetched from memory is reused about MR, NR or MC
//    times from a faster level. The sizes follow from the caches this machine reports.
// 4. Edge tiles. When M or N is not a multiple of the tile, a smaller kernel computes the valid
//    part of the tile (fewer rows, one vector of columns when that is enough) and stores its rows
//    into C; when the columns are ragged, into a small scratch tile, whose valid part is then
//    added to C (`GEMM+EdgeKernels.swift`).
// 5. Threads. C is cut into as many rectangles as there are threads; each rectangle is an
//    independent GEMM with its own packing buffers, so threads never wait for each other.
//    Every C[i, j] is the same sum in the same order (K slices of KC, each summed by one FMA
//    chain) whichever rectangle it falls in: the bits do not depend on the thread count.

import _Support

/// The portable GEMM's choices for this processor: the micro-kernel and the cache blocks.
enum PortableGEMM {
    /// Which register tile this processor runs, chosen once: 14 × 32 of SIMD16 where there is
    /// AVX-512, 6 × 16 of SIMD8 elsewhere (AVX2, and NEON, whose 32 registers of 4 floats hold it too).
    enum Kernel: CaseIterable { case tile14x32, tile6x16 }
    static let kernel: Kernel = SystemInfo.compiledForAVX512 ? .tile14x32 : .tile6x16

    /// The register tile of `kernel`: (MR, NR).
    static var tile: (mr: Int, nr: Int) {
        switch kernel {
        case .tile14x32: (Tile14x32.mr, Tile14x32.nr)
        case .tile6x16: (Tile6x16.mr, Tile6x16.nr)
        }
    }

    /// "6×16 of SIMD8 (12 ymm accumulators)": the tile of `kernel`.
    static var kernelSummary: String {
        switch kernel {
        case .tile14x32: Tile14x32.summary
        case .tile6x16: Tile6x16.summary
        }
    }

    /// Bytes of data cache per core at levels 1, 2 and 3 (a shared cache divided among its
    /// cores), where the system says; read once.
    static let caches: [Int?] = {
        let caches = SystemInfo.caches
        return (1...3).map { level in
            caches.first { $0.level == level && $0.kind != "Instruction" }.map { $0.bytes / max(1, $0.sharedByCores) }
        }
    }()

    /// "L1d 32 KiB, L2 512 KiB, L3 16 MiB per core": what `blocking` was worked out from.
    static var cacheSummary: String {
        zip(["L1d", "L2", "L3"], caches).map { name, bytes in "\(name) \(bytes.map(formatBytes) ?? "unknown")" }
            .joined(separator: ", ") + " per core"
    }

    /// The cache blocks for `kernel` on this machine's caches.
    static var blocking: Blocking {
        switch kernel {
        case .tile14x32: blocking(Tile14x32.self)
        case .tile6x16: blocking(Tile6x16.self)
        }
    }

    /// The cache blocks for micro-kernel `K` on this machine's caches.
    static func blocking<K: GEMMMicroKernel>(_: K.Type) -> Blocking {
        Blocking(K.self, l1: caches[0], l2: caches[1], l3: caches[2])
    }

    /// The least work worth a thread: 2 MFLOP, some tens of microseconds on one core, while
    /// handing a chunk to a waiting worker costs about one (`Parallel.forEach`). A worker that
    /// is late costs little more: the calling thread takes the chunks nobody has claimed. The
    /// products of a small model's training step (1–30 MFLOP) are all split.
    static let minimumFlopsPerThread = 2_000_000

    /// The operands of one product, bundled so the helpers below take one argument.
    struct Operands {
        let transA: Bool, transB: Bool
        let a: UnsafePointer<Float>, lda: Int
        let b: UnsafePointer<Float>, ldb: Int
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let m: Int, k: Int, alpha: Float, beta: Float
        /// N numbers added to every row of C in place of beta · C (`GEMM.sgemm(bias:)`), or nil.
        var bias: UnsafePointer<Float>? = nil
    }
}

// MARK: - Cache blocks

extension PortableGEMM {
    /// KC, MC and NC for one register tile and one machine's caches (per core), after the
    /// analytical model of BLIS (Low et al., "Analytical modeling is enough for high-performance
    /// BLIS", 2016):
    ///
    /// - KC: 256, wherever L1d holds a KC × NR sliver of packed B, which every tile of a block of
    ///   A reuses (32 KiB for the 14 × 32 tile, 16 KiB for 6 × 16); with a smaller L1d, the largest
    ///   power of two that fits. KC is also a numerical choice: each element of C is summed in
    ///   slices of KC steps, so one KC for both tiles gives the same bits on every x86-64 CPU, and
    ///   the lessons the same results. (A sliver filling only two thirds of L1d gave KC = 128 for
    ///   14 × 32 on a 32 KiB L1d; on such a core, an AMD EPYC with AVX-512, 256 ran about 8% faster
    ///   at 2048³: streaming part of the sliver from L2 costs less than loading C twice as often.)
    /// - MC: an MC × KC block of packed A, which every sliver of B reuses, fills 3/8 of L2,
    ///   leaving room for the slivers of B and the tiles of C passing through.
    /// - NC: a KC × NC panel of packed B fills half of this core's share of L3. Beyond 4096
    ///   columns a larger panel saves nothing measurable (A is packed once per panel).
    ///
    /// Unknown caches count as 32 KiB, 256 KiB and 2 MiB per core, less than any x86-64 or
    /// ARM64 core of the last decade has.
    struct Blocking: Equatable, CustomStringConvertible {
        let kc: Int, mc: Int, nc: Int

        init(kc: Int, mc: Int, nc: Int) { (self.kc, self.mc, self.nc) = (kc, mc, nc) }

        init<K: GEMMMicroKernel>(_: K.Type, l1: Int?, l2: Int?, l3: Int?) {
            let float = MemoryLayout<Float>.stride
            let l1 = l1 ?? 32 << 10, l2 = l2 ?? 256 << 10, l3 = l3 ?? 2 << 20
            let kcFit = max(1, l1 / (K.nr * float))
            kc = min(256, max(64, 1 << (Int.bitWidth - 1 - kcFit.leadingZeroBitCount)))
            mc = max(1, l2 * 3 / 8 / (kc * K.aStride * float)) * K.mr
            nc = min(4096, max(4 * K.nr, l3 / 2 / (kc * float) / K.nr * K.nr))
        }

        var description: String { "KC=\(kc) MC=\(mc) NC=\(nc)" }
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
    ///   threads to use (tests ask for more than the machine has, to cut C into more pieces);
    ///   `kernel` the register tile (tests run both on any processor).
    static func portable(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = Parallel.threadCount,
        kernel: PortableGEMM.Kernel = PortableGEMM.kernel, bias: UnsafePointer<Float>? = nil
    ) {
        typealias P = PortableGEMM
        // `sgemm` has dealt with empty products (m, n or k = 0) and alpha = 0.
        ensure(m > 0 && n > 0 && k > 0 && alpha != 0, "GEMM.portable: empty product or alpha = 0 reached the kernel")
        let operands = P.Operands(transA: transA, transB: transB, a: a, lda: lda, b: b, ldb: ldb,
                                  c: c, ldc: ldc, m: m, k: k, alpha: alpha, beta: beta, bias: bias)
        // The one branch on the processor: everything below is compiled once for each tile.
        switch kernel {
        case .tile14x32: P.run(Tile14x32.self, operands, n: n, threads: threads)
        case .tile6x16: P.run(Tile6x16.self, operands, n: n, threads: threads)
        }
    }
}

extension PortableGEMM {
    /// The product of `GEMM.portable` with micro-kernel `K`: cuts C among threads, gives each
    /// its buffers and runs `multiply` on its rectangle.
    static func run<K: GEMMMicroKernel>(_: K.Type, _ op: Operands, n: Int, threads: Int, prepacked: GEMMPackedB? = nil) {
        let blocking = blocking(K.self)
        // Inside a parallel region (several small models trained side by side, one per core)
        // `Parallel.forEach` runs the pieces one after another on this thread: cutting C would
        // only pack the operand the pieces share once per piece.
        let threads = WorkerPool.isInside ? 1 : threads
        if prepacked == nil, let split = SplitK(m: op.m, n: n, k: op.k, threads: threads, kc: min(blocking.kc, op.k)) {
            return runSplitK(K.self, op, n: n, split: split, blocking: blocking)
        }
        let grid = Grid(m: op.m, n: n, k: op.k, threads: threads, mr: K.mr, nr: K.nr)

        // One allocation per call: per thread, a block of A, a panel of B (none when B came
        // packed) and a scratch tile, each starting on a 64-byte boundary (the width of a zmm
        // register and a cache line).
        let kc = min(blocking.kc, op.k)
        let mc = min(blocking.mc, grid.rowsPerChunk), nc = min(blocking.nc, grid.columnsPerChunk)
        let sizeA = mc / K.mr * kc * K.aStride, sizeB = prepacked == nil ? roundUp(kc * nc, 16) : 0
        let perChunk = sizeA + sizeB + roundUp(K.mr * K.nr, 16)
        let memory = UnsafeMutableRawPointer.allocate(
            byteCount: grid.count * perChunk * MemoryLayout<Float>.stride, alignment: 64)
        defer { memory.deallocate() }
        let workspace = memory.bindMemory(to: Float.self, capacity: grid.count * perChunk)

        func run(_ chunk: Int) {
            let buffer = workspace + chunk * perChunk
            multiply(K.self, op, rows: grid.rows(of: chunk), columns: grid.columns(of: chunk), blocking: blocking,
                     packedA: buffer, packedB: buffer + sizeA, tile: buffer + sizeA + sizeB, prepacked: prepacked)
        }
        if grid.count == 1 { run(0) } else { Parallel.forEach(chunks: grid.count, run) }
    }

    /// How a product with a long K and a small C is cut among threads: along K, in whole slices of
    /// KC. Cutting C would have every thread pack all of the operand it shares with the others —
    /// for ∂W = Gᵀ x (M, N ≤ 256, K = the tokens of a batch) as much work as its share of the
    /// multiplications.
    struct SplitK {
        /// Slices of K; part p takes `parts` consecutive ones, part 0 from the start.
        let slices: Int, parts: Int, kc: Int

        /// nil when the product is better cut along C: one thread, K shorter than two slices per
        /// thread, or K under four times the larger side of C.
        init?(m: Int, n: Int, k: Int, threads: Int, kc: Int) {
            let slices = (k + kc - 1) / kc
            guard threads > 1, slices >= 2 * threads, k >= 4 * max(m, n),
                  2.0 * Double(m) * Double(n) * Double(k) >= Double(2 * minimumFlopsPerThread) else { return nil }
            (self.slices, self.parts, self.kc) = (slices, threads, kc)
        }

        /// The slices of part `p`.
        func slices(of p: Int) -> Range<Int> { p * slices / parts..<(p + 1) * slices / parts }
    }

    /// A product cut along K (`SplitK`), with the bits of computing it on one thread: C after
    /// slice s is alpha·(sum over slice s) + C after slice s − 1, each rounded once, in the order
    /// of s. Part 0 runs its slices that way, into C. Every other part computes alpha·(sum over
    /// slice s) for each of its slices into a buffer of its own; then the buffers are added to C
    /// in the order of s — the same roundings.
    static func runSplitK<K: GEMMMicroKernel>(_: K.Type, _ op: Operands, n: Int, split: SplitK, blocking: Blocking) {
        let (m, kc) = (op.m, split.kc)
        // Packed blocks hold whole slivers: MR rows of A, NR columns of B.
        let mc = min(blocking.mc, roundUp(m, K.mr)), nc = min(blocking.nc, roundUp(n, K.nr))
        let sizeA = mc / K.mr * kc * K.aStride, sizeB = roundUp(kc * nc, 16)
        let perPart = sizeA + sizeB + roundUp(K.mr * K.nr, 16)
        let firstBuffered = split.slices(of: 0).upperBound, buffered = split.slices - firstBuffered
        let memory = UnsafeMutableRawPointer.allocate(
            byteCount: (split.parts * perPart + buffered * m * n) * MemoryLayout<Float>.stride, alignment: 64)
        defer { memory.deallocate() }
        let workspace = memory.bindMemory(to: Float.self, capacity: split.parts * perPart + buffered * m * n)
        let partials = workspace + split.parts * perPart            // [buffered][m][n]

        /// The operands of K range `start ..< end`: A and B moved to its first step.
        func operands(_ start: Int, _ end: Int, c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float) -> Operands {
            Operands(transA: op.transA, transB: op.transB,
                     a: op.a + (op.transA ? start * op.lda : start), lda: op.lda,
                     b: op.b + (op.transB ? start : start * op.ldb), ldb: op.ldb,
                     c: c, ldc: ldc, m: m, k: end - start, alpha: op.alpha, beta: beta,
                     bias: start == 0 ? op.bias : nil)
        }
        Parallel.forEach(chunks: split.parts) { part in
            let buffer = workspace + part * perPart
            func multiply(_ o: Operands) {
                PortableGEMM.multiply(K.self, o, rows: 0..<m, columns: 0..<n, blocking: blocking,
                                      packedA: buffer, packedB: buffer + sizeA, tile: buffer + sizeA + sizeB)
            }
            let slices = split.slices(of: part)
            if part == 0 {
                multiply(operands(0, min(op.k, slices.upperBound * kc), c: op.c, ldc: op.ldc, beta: op.beta))
            } else {
                for slice in slices {
                    multiply(operands(slice * kc, min(op.k, (slice + 1) * kc), c: partials + (slice - firstBuffered) * m * n,
                                      ldc: n, beta: 0))
                }
            }
        }
        // C += each buffered slice, in order; rows are independent, so they may split over threads.
        let (c, ldc) = (op.c, op.ldc)
        Parallel.forEachRange(m, minimum: max(1, 16_384 / max(1, n))) { rows in
            for slice in 0..<buffered {
                let partial = partials + slice * m * n
                for i in rows {
                    let row = c + i * ldc, source = partial + i * n
                    for j in 0..<n { row[j] = source[j] + row[j] }
                }
            }
        }
    }

    /// The smallest multiple of `multiple` that is ≥ `value`.
    static func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

    /// How C is cut among threads: `rowChunks × columnChunks` rectangles whose sides are whole
    /// MR × NR tiles, chosen so the largest rectangle (the one everyone waits for) is as small
    /// as possible.
    struct Grid {
        let m: Int, n: Int, mr: Int, nr: Int, rowChunks: Int, columnChunks: Int
        var count: Int { rowChunks * columnChunks }

        init(m: Int, n: Int, k: Int, threads: Int, mr: Int = PortableGEMM.tile.mr, nr: Int = PortableGEMM.tile.nr) {
            let flops = 2 * Double(m) * Double(n) * Double(k)
            let chunks = max(1, min(threads, Int(flops / Double(minimumFlopsPerThread))))
            let rowTiles = (m + mr - 1) / mr, columnTiles = (n + nr - 1) / nr
            var best = (rows: 1, columns: 1, cost: Int.max)
            for rows in stride(from: chunks, through: 1, by: -1) where chunks % rows == 0 {
                let columns = chunks / rows
                let cost = (rowTiles + rows - 1) / rows * mr * ((columnTiles + columns - 1) / columns) * nr
                if cost < best.cost { best = (rows, columns, cost) }   // ties keep more row chunks
            }
            (self.m, self.n, self.mr, self.nr, rowChunks, columnChunks) = (m, n, mr, nr, best.rows, best.columns)
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
    static func multiply<K: GEMMMicroKernel>(
        _: K.Type, _ op: Operands, rows: Range<Int>, columns: Range<Int>, blocking: Blocking,
        packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
        tile: UnsafeMutablePointer<Float>, prepacked: GEMMPackedB? = nil
    ) {
        for jc in stride(from: columns.lowerBound, to: columns.upperBound, by: blocking.nc) {
            let panelColumns = jc..<min(jc + blocking.nc, columns.upperBound)
            let inPlace = readsAInPlace(transA: op.transA, lda: op.lda, columns: panelColumns.count, nr: K.nr)
            for pc in stride(from: 0, to: op.k, by: blocking.kc) {
                let slice = pc..<min(pc + blocking.kc, op.k)
                // The first slice of K applies beta; later slices add to what is there.
                let beta: Float = pc == 0 ? op.beta : 1
                // B packed beforehand (`GEMMPackedB`) holds this panel in the same layout.
                let panelB: UnsafePointer<Float>
                if let prepacked {
                    panelB = prepacked.panel(sliceStart: pc, sliceSteps: slice.count, column: jc)
                } else {
                    K.packB(op, slice: slice, columns: panelColumns, into: packedB)
                    panelB = UnsafePointer(packedB)
                }
                // So does the bias, which stands in for beta · C.
                let bias = pc == 0 ? op.bias.map { $0 + panelColumns.lowerBound } : nil
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: blocking.mc) {
                    let blockRows = ic..<min(ic + blocking.mc, rows.upperBound)
                    if !inPlace {
                        K.packA(op, rows: blockRows, slice: slice, into: packedA)
                    } else if blockRows.count % K.mr != 0 {
                        // Full slivers are read in place; the last rows, for an edge kernel, packed.
                        let full = blockRows.count / K.mr * K.mr
                        K.packA(op, rows: (blockRows.lowerBound + full)..<blockRows.upperBound, slice: slice,
                                into: packedA + full / K.mr * slice.count * K.aStride)
                    }
                    macroKernel(K.self, op, rows: blockRows, columns: panelColumns, kc: slice.count,
                                packedA: packedA, packedB: panelB, tile: tile, beta: beta, bias: bias,
                                aInPlace: inPlace ? op.a + slice.lowerBound : nil)
                }
            }
        }
    }

    /// Whether the micro-kernels read A in place rather than packed, for a panel of `columns`
    /// columns of C: when A is stored [M, K] (its rows are runs of K, as a kernel step reads them),
    /// every tile of the panel has the kernel's NR columns (edge-column kernels read packed A),
    /// and the rows are not a multiple of 2 KiB apart.
    ///
    /// Packing A costs a transpose per number, and it pays for itself over the NR-column slivers
    /// of B that reuse it. The skinny products of a small model have few (N = 64: two), and there
    /// reading A in place ran 7–15% faster (`bench gemm`, three of its training shapes). Rows 2 KiB
    /// apart, or a multiple of that, share one or two of L1's sets (64 lines, 4 KiB around), so the
    /// 14 rows a tile reads would evict each other: A = 1024 × 1024 read in place ran at 64–82% of
    /// the packed speed. The bits are the same either way.
    static func readsAInPlace(transA: Bool, lda: Int, columns: Int, nr: Int) -> Bool {
        !transA && columns % nr == 0 && lda % 512 != 0
    }

    /// Every MR × NR tile of C[rows, columns] from one packed block of A (or, with `aInPlace`, A
    /// itself at the slice's first step, for its full slivers) and one panel of B. The inner loop
    /// walks down the rows, so the KC × NR sliver of B stays in L1.
    static func macroKernel<K: GEMMMicroKernel>(
        _: K.Type, _ op: Operands, rows: Range<Int>, columns: Range<Int>, kc: Int,
        packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
        tile: UnsafeMutablePointer<Float>, beta: Float, bias: UnsafePointer<Float>?,
        aInPlace: UnsafePointer<Float>? = nil
    ) {
        let mr = K.mr, nr = K.nr
        for jr in stride(from: 0, to: columns.count, by: nr) {
            let width = min(nr, columns.count - jr)
            let sliverB = packedB + jr * kc                        // [KC, NR]
            for ir in stride(from: 0, to: rows.count, by: mr) {
                let height = min(mr, rows.count - ir)
                let sliverA = packedA + ir / mr * kc * K.aStride   // [KC, aStride]
                let c = op.c + (rows.lowerBound + ir) * op.ldc + columns.lowerBound + jr
                if height == mr && width == nr, let aInPlace {
                    K.microKernel(kc: kc, rowsOfA: aInPlace + (rows.lowerBound + ir) * op.lda, lda: op.lda, b: sliverB,
                                  c: c, ldc: op.ldc, alpha: op.alpha, beta: beta, bias: bias.map { $0 + jr })
                } else if height == mr && width == nr {
                    K.microKernel(kc: kc, a: sliverA, b: sliverB, c: c, ldc: op.ldc, alpha: op.alpha, beta: beta,
                                  bias: bias.map { $0 + jr })
                } else if width == nr || width == K.width {
                    // Edge tile whose columns are the kernel's (both vectors, or one): a smaller
                    // kernel computes its rows and stores them as `microKernel` would.
                    K.edgeKernel(kc: kc, rows: height, columns: width, a: sliverA, b: sliverB, c: c, ldc: op.ldc,
                                 alpha: op.alpha, beta: beta, bias: bias.map { $0 + jr })
                } else {
                    // Ragged columns: compute the kernel's columns into `tile` and add the valid
                    // ones to C. The same single-rounding FMA as the micro-kernel's store, so that
                    // an element gets the same bits whether it falls in a full tile or an edge tile
                    // (whose position depends on how C was cut among threads).
                    K.edgeKernel(kc: kc, rows: height, columns: width, a: sliverA, b: sliverB, c: tile, ldc: nr,
                                 alpha: op.alpha, beta: 0, bias: nil)
                    for i in 0..<height {
                        for j in 0..<width {
                            let product = tile[i * nr + j]
                            if let bias {
                                c[i * op.ldc + j] = product + bias[jr + j]
                            } else {
                                c[i * op.ldc + j] = beta == 0 ? product : product.addingProduct(beta, c[i * op.ldc + j])
                            }
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
