// Tests of the GEMM backends: the portable GEMM against the textbook reference, against
// OpenBLAS when it is installed, and against values derived independently (by hand, by NumPy,
// by a closed form).
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N], C is [M, N], row-major.

import Testing
@testable import TensorCore

// MARK: - Values derived independently

@Suite("GEMM: exact values")
struct GEMMExactTests {
    /// [[1 2 3] [4 5 6]] · [[7 8] [9 10] [11 12]] = [[58 64] [139 154]], by hand; then
    /// 0.5 · that + 2 · [[1 1] [1 1]] = [[31 34] [71.5 79]].
    @Test(arguments: GEMMBackend.allCases.filter(\.isAvailable))
    func handComputedProduct(backend: GEMMBackend) {
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12]   // [2, 3], [3, 2]
        var c: [Float] = [1, 1, 1, 1]                                               // [2, 2]
        GEMM.sgemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2, backend: backend)
        #expect(c == [58, 64, 139, 154])
        c = [1, 1, 1, 1]
        GEMM.sgemm(m: 2, n: 2, k: 3, alpha: 0.5, a: a, lda: 3, b: b, ldb: 2, beta: 2, c: &c, ldc: 2,
                   backend: backend)
        #expect(c == [31, 34, 71.5, 79])
    }

    /// 1×1×1: C = 2 · 3 · 4 + 0.5 · 5 = 26.5.
    @Test(arguments: GEMMBackend.allCases.filter(\.isAvailable))
    func oneByOneByOne(backend: GEMMBackend) {
        var c: [Float] = [5]
        GEMM.sgemm(m: 1, n: 1, k: 1, alpha: 2, a: [3], lda: 1, b: [4], ldb: 1, beta: 0.5, c: &c, ldc: 1,
                   backend: backend)
        #expect(c == [26.5])
    }

    /// C = 0.5 · A · B − 2 · C₀ for [3, 4] · [4, 5], computed with NumPy in float64. Every entry
    /// is a multiple of 1/4, so every partial sum is exact in float32 and the result must be too.
    @Test(arguments: GEMMBackend.allCases.filter(\.isAvailable))
    func numpyProduct(backend: GEMMBackend) {
        let a: [Float] = [2.75, 0.75, 1.25, 2.5, 0.5, 1.75, 2.0, -1.75, -2.75, -1.25, -1.25, 2.25]
        let b: [Float] = [2.5, -3.0, 0.0, 2.0, -2.25, 1.75, -2.5, -0.25, 2.0, -1.25,
                          -1.0, -1.5, 1.25, -1.5, 3.0, -0.25, -0.25, 0.0, 0.5, 0.25]
        var c: [Float] = [0.0, 4.0, 2.5, 2.5, 1.5, 1.0, -1.5, 4.0, -0.5, -2.5, 3.0, -3.0, 3.0, 1.0, -3.5]
        let expected: [Float] = [3.15625, -14.3125, -4.3125, -1.8125, -4.375,
                                 -0.625, -1.21875, -6.96875, 1.3125, 6.125,
                                 -10.1875, 12.34375, -6.625, -4.5, 9.28125]
        GEMM.sgemm(m: 3, n: 5, k: 4, alpha: 0.5, a: a, lda: 4, b: b, ldb: 5, beta: -2, c: &c, ldc: 5,
                   backend: backend)
        #expect(c == expected)
    }

    /// A[i, p] = i + p and B[p, j] = p − j give, in closed form,
    /// C[i, j] = Σ_p (i + p)(p − j) = i·S₁ − i·j·K + S₂ − j·S₁, with S₁ = Σ p, S₂ = Σ p².
    /// Every partial sum is an integer below 2²⁴, so float32 must get it exactly, whatever the
    /// order of the sums. 29 × 70 × 300 crosses the edges of either register tile (14 × 32 or
    /// 6 × 16) and of a KC slice.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func closedFormProduct(transA: Bool, transB: Bool) {
        let (m, n, k) = (29, 70, 300)
        let a = (0..<m * k).map { index -> Float in
            let (i, p) = transA ? (index % m, index / m) : (index / k, index % k)   // stored [K, M] or [M, K]
            return Float(i + p)
        }
        let b = (0..<k * n).map { index -> Float in
            let (p, j) = transB ? (index % k, index / k) : (index / n, index % n)   // stored [N, K] or [K, N]
            return Float(p - j)
        }
        var c = [Float](repeating: .nan, count: m * n)
        GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                   a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, c: &c, ldc: n, backend: .portable)
        let s1 = k * (k - 1) / 2, s2 = (k - 1) * k * (2 * k - 1) / 6
        let expected = (0..<m * n).map { index -> Float in
            let (i, j) = (index / n, index % n)
            return Float(i * s1 - i * j * k + s2 - j * s1)
        }
        let wrong = c.indices.filter { c[$0] != expected[$0] }
        let (count, first) = (wrong.count, wrong.first ?? 0)
        #expect(count == 0, "first wrong: C[\(first / n), \(first % n)] = \(c[first]), not \(expected[first])")
    }
}

// MARK: - Against the reference and OpenBLAS

@Suite("GEMM: backends agree")
struct GEMMAgreementTests {
    /// Shapes that hit one tile, tile edges, several KC slices and MC blocks, and two threads.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (7, 13, 5), (65, 33, 129), (14, 32, 256), (15, 33, 257), (3, 100, 2), (100, 3, 7),
        (300, 517, 259), (700, 70, 40),
    ]
    /// Every shape with the four transposes; the odd ones with alpha ≠ 1, beta ≠ 0 and leading
    /// dimensions wider than the rows.
    static let cases: [GEMMCase] = shapes.enumerated().flatMap { index, shape in
        [(false, false), (true, false), (false, true), (true, true)].map { transA, transB in
            let plain = (index + (transA ? 1 : 0) + (transB ? 2 : 0)) % 2 == 0
            return GEMMCase(transA: transA, transB: transB, m: shape.m, n: shape.n, k: shape.k,
                            alpha: plain ? 1 : -0.75, beta: plain ? 0 : 1.5, padding: plain ? 0 : 3)
        }
    }

    @Test(arguments: cases)
    func portableMatchesReference(_ test: GEMMCase) {
        let want = test.run(.reference)
        let got = test.run(.backend(.portable))
        test.expectClose(got, want)
    }

    /// Both register tiles, whichever this processor runs: the 14 × 32 one of AVX-512 machines
    /// is also correct (only slower) here, and the 6 × 16 one there.
    @Test(arguments: cases, PortableGEMM.Kernel.allCases)
    func everyTileMatchesReference(_ test: GEMMCase, kernel: PortableGEMM.Kernel) {
        test.expectClose(test.run(.portable(threads: 2, kernel: kernel)), test.run(.reference), "\(kernel)")
    }

    @Test(.enabled(if: GEMMBackend.openBLAS.isAvailable,
                   "libopenblas.so.0 is not installed (apt install libopenblas0): nothing to compare with"),
          arguments: cases)
    func openBLASMatchesReferenceAndPortable(_ test: GEMMCase) {
        let openBLAS = test.run(.backend(.openBLAS))
        test.expectClose(openBLAS, test.run(.reference), "OpenBLAS vs reference")
        test.expectClose(test.run(.backend(.portable)), openBLAS, "portable vs OpenBLAS")
    }

    /// B packed once (for a recurrent layer's weights) gives the very bits of the portable GEMM
    /// that packs B itself, and so the reference's values.
    @Test(arguments: cases)
    func packedBMatchesPortableBitwise(_ test: GEMMCase) {
        let packed = test.run(.packedB), portable = test.run(.backend(.portable))
        let differing = zip(packed, portable).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(packed.count) numbers differ from the portable GEMM's")
        test.expectClose(packed, test.run(.reference), "packed B vs reference")
    }

    /// Packing refuses a library backend (it packs for itself), and packs for the portable one.
    @Test func packedBOnlyForThePortableGEMM() {
        let b = [Float](repeating: 1, count: 12)
        b.withUnsafeBufferPointer { b in
            #expect(GEMM.packedB(k: 3, n: 4, b: b.baseAddress!, ldb: 4, backend: .portable) != nil)
            if GEMMBackend.openBLAS.isAvailable {
                #expect(GEMM.packedB(k: 3, n: 4, b: b.baseAddress!, ldb: 4, backend: .openBLAS) == nil)
            }
        }
    }

    /// The portable GEMM gives the same bits on any number of threads: each C[i, j] is one
    /// sum in the same order whichever rectangle it falls in. Training relies on this for
    /// weights that do not depend on `--threads`.
    @Test(arguments: PortableGEMM.Kernel.allCases)
    func portableIsBitwiseTheSameOnAnyThreadCount(kernel: PortableGEMM.Kernel) {
        let test = GEMMCase(transA: true, transB: false, m: 301, n: 389, k: 600, alpha: 1.3, beta: 0.3, padding: 3)
        let one = test.run(.portable(threads: 1, kernel: kernel))
        for threads in [2, 3, 4, 7] {
            let many = test.run(.portable(threads: threads, kernel: kernel))
            #expect(many == one, "\(threads) threads differ from one in \(zip(many, one).filter { $0 != $1 }.count) elements")
        }
        // And the same bits on a second run.
        #expect(test.run(.portable(threads: 2, kernel: kernel)) == one)
    }

    /// The two register tiles give the same bits: both sum each element in slices of the same
    /// KC, one FMA chain per slice, so the results of training (and the lessons' numbers) do not
    /// depend on whether the CPU has AVX-512. K = 600 crosses two slice boundaries; α and β, the
    /// transposes and the edge tiles take their own paths through the stores.
    @Test(arguments: [
        GEMMCase(transA: true, transB: false, m: 301, n: 389, k: 600, alpha: 1.3, beta: 0.3, padding: 3),
        GEMMCase(transA: false, transB: true, m: 97, n: 70, k: 700, alpha: 1, beta: 0, padding: 0),
        GEMMCase(transA: false, transB: false, m: 29, n: 517, k: 257, alpha: -0.75, beta: 1.5, padding: 1),
    ])
    func bothTilesGiveTheSameBits(_ test: GEMMCase) {
        typealias P = PortableGEMM
        #expect(P.blocking(Tile14x32.self).kc == P.blocking(Tile6x16.self).kc)
        let wide = test.run(.portable(threads: 2, kernel: .tile14x32))
        let narrow = test.run(.portable(threads: 2, kernel: .tile6x16))
        let differing = zip(wide, narrow).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(wide.count) numbers differ between the 14 × 32 and 6 × 16 tiles")
        test.expectClose(wide, test.run(.reference), "14 × 32 vs reference")
    }

    /// An edge tile (fewer rows than MR or columns than NR) goes through a smaller kernel, which
    /// must give each element the bits the full tile gives it. C = 42 × 96 (whole tiles of either
    /// size, three KC slices) on one thread is all full tiles; each top-left r × w corner of the
    /// same product is all edge tiles, for every r ≤ MR and ragged widths on both sides of a vector.
    @Test(arguments: PortableGEMM.Kernel.allCases)
    func edgeTilesGiveTheBitsOfFullTiles(kernel: PortableGEMM.Kernel) {
        let (m, n, k, alpha, beta): (Int, Int, Int, Float, Float) = (42, 96, 600, 1.3, 0.3)
        var random = GEMMTestRandom(seed: 11)
        let a = (0..<m * k).map { _ in random.nextFloat() }, b = (0..<k * n).map { _ in random.nextFloat() }
        let c0 = (0..<m * n).map { _ in random.nextFloat() }
        func product(rows: Int, columns: Int) -> [Float] {
            var c = c0
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                GEMM.portable(transA: false, transB: false, m: rows, n: columns, k: k, alpha: alpha, a: a.baseAddress!, lda: k,
                              b: b.baseAddress!, ldb: n, beta: beta, c: c.baseAddress!, ldc: n, threads: 1, kernel: kernel)
            } } }
            return c
        }
        let full = product(rows: m, columns: n)
        let (mr, nr) = kernel == .tile14x32 ? (Tile14x32.mr, Tile14x32.nr) : (Tile6x16.mr, Tile6x16.nr)
        for rows in 1...mr {
            for columns in Set([1, 5, nr / 4, nr / 2 - 1, nr / 2, nr / 2 + 1, nr - 1, nr]) {
                let corner = product(rows: rows, columns: columns)
                var differing = 0, outside = 0
                for i in 0..<m {
                    for j in 0..<n {
                        let want = i < rows && j < columns ? full[i * n + j] : c0[i * n + j]
                        if corner[i * n + j].bitPattern == want.bitPattern { continue }
                        if i < rows && j < columns { differing += 1 } else { outside += 1 }
                    }
                }
                #expect(differing == 0, "\(kernel), \(rows) × \(columns) corner: \(differing) numbers differ from the full tiles'")
                #expect(outside == 0, "\(kernel), \(rows) × \(columns) corner: \(outside) numbers outside it changed")
            }
        }
        var reference = c0
        GEMM.reference(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n,
                       beta: beta, c: &reference, ldc: n)
        let worst = zip(full, reference).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-3, "\(kernel): full tiles differ from the reference by \(worst)")
    }

    /// Reading A in place (A stored [M, K], every tile of the panel NR wide) gives the bits of
    /// packing it. The same A is stored with a row stride of 512 floats, which the GEMM packs (rows
    /// 2 KiB apart), and of K = 300, which it reads in place; for both tiles, on one and three
    /// threads, with rows left over for an edge kernel, two slices of K, alpha, beta and a bias.
    @Test(arguments: PortableGEMM.Kernel.allCases)
    func readingAInPlaceGivesTheBitsOfPackingIt(kernel: PortableGEMM.Kernel) {
        let (m, n, k): (Int, Int, Int) = (47, 64, 300)
        var random = GEMMTestRandom(seed: 23)
        let values = (0..<m * k).map { _ in random.nextFloat() }, b = (0..<k * n).map { _ in random.nextFloat() }
        let c0 = (0..<m * n).map { _ in random.nextFloat() }, bias = (0..<n).map { _ in random.nextFloat() }
        func product(lda: Int, threads: Int, withBias: Bool) -> [Float] {
            var a = [Float](repeating: .nan, count: m * lda)     // the gaps between rows are never read
            for i in 0..<m { for p in 0..<k { a[i * lda + p] = values[i * k + p] } }
            var c = c0
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.portable(transA: false, transB: false, m: m, n: n, k: k, alpha: 1.3, a: a.baseAddress!, lda: lda,
                                  b: b.baseAddress!, ldb: n, beta: withBias ? 0 : 0.3, c: c.baseAddress!, ldc: n,
                                  threads: threads, kernel: kernel, bias: withBias ? bias.baseAddress! : nil)
                }
            } } }
            return c
        }
        let nr = kernel == .tile14x32 ? Tile14x32.nr : Tile6x16.nr
        #expect(PortableGEMM.readsAInPlace(transA: false, lda: k, columns: n, nr: nr))
        #expect(!PortableGEMM.readsAInPlace(transA: false, lda: 512, columns: n, nr: nr))
        for withBias in [false, true] {
            let packed = product(lda: 512, threads: 1, withBias: withBias)
            for threads in [1, 3] {
                let inPlace = product(lda: 300, threads: threads, withBias: withBias)
                let differing = zip(inPlace, packed).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(kernel), \(threads) threads, bias \(withBias): \(differing) numbers differ")
            }
            var reference = withBias ? (0..<m * n).map { bias[$0 % n] } : c0
            GEMM.reference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1.3, a: values, lda: k, b: b, ldb: n,
                           beta: withBias ? 1 : 0.3, c: &reference, ldc: n)
            let worst = zip(packed, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-3, "\(kernel): differs from the reference by \(worst)")
        }
    }

    /// A long K and a small C (∂W = Gᵀ x) is cut along K, not C, and still gives the bits of one
    /// thread: the slices are added to C in their order, as one thread adds them.
    @Test(arguments: [
        GEMMCase(transA: true, transB: false, m: 64, n: 70, k: 2000, alpha: 1.3, beta: 0.3, padding: 3),
        GEMMCase(transA: false, transB: true, m: 29, n: 45, k: 2000, alpha: 1, beta: 0, padding: 0),
        GEMMCase(transA: true, transB: true, m: 50, n: 33, k: 1500, alpha: -0.5, beta: 1, padding: 1),
    ], PortableGEMM.Kernel.allCases)
    func splitAlongKGivesTheBitsOfOneThread(_ test: GEMMCase, kernel: PortableGEMM.Kernel) {
        #expect(PortableGEMM.SplitK(m: test.m, n: test.n, k: test.k, threads: 2, kc: 256) != nil,
                "this case should split along K")
        let one = test.run(.portable(threads: 1, kernel: kernel))
        for threads in [2, 3, 4] {
            let many = test.run(.portable(threads: threads, kernel: kernel))
            let differing = zip(many, one).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(threads) threads: \(differing) of \(one.count) numbers differ from one thread's")
        }
        test.expectClose(test.run(.portable(threads: 2, kernel: kernel)), test.run(.reference), "split along K vs reference")
    }

    /// `sgemm(bias:)` gives the bits of copying the bias into every row of C and adding the product
    /// with beta = 1, as a linear layer did before: for both tiles, on one and two threads (full
    /// and edge tiles, a product cut along K), through the public call on every backend, and
    /// with K = 0 (C = the bias).
    @Test(arguments: [(m: 29, n: 70, k: 123, transB: true), (m: 64, n: 64, k: 2048, transB: false),
                      (m: 301, n: 45, k: 600, transB: true), (m: 5, n: 7, k: 0, transB: false)],
          [Float(1), -0.75])
    func biasAddedAsItIsStoredGivesTheBitsOfCopyThenAdd(shape: (m: Int, n: Int, k: Int, transB: Bool), alpha: Float) {
        let (m, n, k, transB) = shape
        var random = GEMMTestRandom(seed: UInt64(m * 31 + n * 7 + k))
        let a = (0..<m * max(1, k)).map { _ in random.nextFloat() }, b = (0..<n * max(1, k)).map { _ in random.nextFloat() }
        let bias = (0..<n).map { _ in random.nextFloat() * 4 }
        let ldb = transB ? max(1, k) : n
        func run(_ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
                 copyFirst: Bool) -> [Float] {
            var c = [Float](repeating: copyFirst ? 0 : .nan, count: m * n)
            if copyFirst { for i in 0..<m { for j in 0..<n { c[i * n + j] = bias[j] } } }
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
                c.withUnsafeMutableBufferPointer { body(a.baseAddress!, b.baseAddress!, bias.baseAddress!, $0.baseAddress!) }
            } } }
            return c
        }
        func differing(_ x: [Float], _ y: [Float]) -> Int { zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count }
        if k > 0 {
            for kernel in PortableGEMM.Kernel.allCases {
                for threads in [1, 2] {
                    let fused = run({ a, b, bias, c in
                        GEMM.portable(transA: false, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b,
                                      ldb: ldb, beta: 0, c: c, ldc: n, threads: threads, kernel: kernel, bias: bias)
                    }, copyFirst: false)
                    let copied = run({ a, b, _, c in
                        GEMM.portable(transA: false, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b,
                                      ldb: ldb, beta: 1, c: c, ldc: n, threads: threads, kernel: kernel)
                    }, copyFirst: true)
                    #expect(differing(fused, copied) == 0, "\(kernel), \(threads) threads: \(differing(fused, copied)) numbers differ")
                }
            }
        }
        for backend in GEMM.availableBackends {
            let fused = run({ a, b, bias, c in
                GEMM.sgemm(transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: max(1, k), b: b, ldb: ldb,
                           bias: bias, c: c, ldc: n, backend: backend)
            }, copyFirst: false)
            let copied = run({ a, b, _, c in
                GEMM.sgemm(transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: max(1, k), b: b, ldb: ldb,
                           beta: 1, c: c, ldc: n, backend: backend)
            }, copyFirst: true)
            #expect(differing(fused, copied) == 0, "\(backend): \(differing(fused, copied)) numbers differ")
        }
    }

    /// More threads than this machine may have: C is cut into 3, 4 or 7 rectangles.
    @Test(arguments: [3, 4, 7])
    func portableOnMoreThreads(threads: Int) {
        let test = GEMMCase(transA: false, transB: true, m: 301, n: 389, k: 123, alpha: 2, beta: -1, padding: 1)
        test.expectClose(test.run(.portable(threads: threads)), test.run(.reference), "\(threads) threads")
    }
}

// MARK: - Edge cases of the arguments

@Suite("GEMM: edge cases")
struct GEMMEdgeCaseTests {
    /// K = 0 leaves beta · C; alpha = 0 does not read A or B (NaN there does not leak);
    /// beta = 0 does not read C (NaN there does not leak), as in BLAS.
    @Test(arguments: GEMMBackend.allCases.filter(\.isAvailable))
    func emptySumsAndZeros(backend: GEMMBackend) {
        let nan = [Float](repeating: .nan, count: 6)
        var c: [Float] = [1, 2, 3, 4]
        GEMM.sgemm(m: 2, n: 2, k: 0, a: nan, lda: 1, b: nan, ldb: 2, beta: 3, c: &c, ldc: 2, backend: backend)
        #expect(c == [3, 6, 9, 12])
        GEMM.sgemm(m: 2, n: 2, k: 3, alpha: 0, a: nan, lda: 3, b: nan, ldb: 2, beta: 0.5, c: &c, ldc: 2,
                   backend: backend)
        #expect(c == [1.5, 3, 4.5, 6])
        c = [.nan, .nan, .nan, .nan]
        GEMM.sgemm(m: 2, n: 2, k: 1, a: [1, 2], lda: 1, b: [3, 4], ldb: 2, c: &c, ldc: 2, backend: backend)
        #expect(c == [3, 4, 6, 8])
        // alpha = 0 and beta = 0: zeros, reading neither A, B nor C.
        c = [.nan, .nan, .nan, .nan]
        GEMM.sgemm(m: 2, n: 2, k: 3, alpha: 0, a: nan, lda: 3, b: nan, ldb: 2, c: &c, ldc: 2, backend: backend)
        #expect(c == [0, 0, 0, 0])
        // A large product with alpha = 0, so that a backend's blocked kernel would run.
        let big = [Float](repeating: .nan, count: 256 * 256)
        var product = [Float](repeating: 1, count: 256 * 256)
        GEMM.sgemm(m: 256, n: 256, k: 256, alpha: 0, a: big, lda: 256, b: big, ldb: 256, beta: 2,
                   c: &product, ldc: 256, backend: backend)
        #expect(product.allSatisfy { $0 == 2 })
    }

    /// `GEMM.$override` picks the backend for one task; an absent backend falls back to the
    /// portable GEMM and still computes the product.
    @Test func overrideAndFallback() {
        GEMM.$override.withValue(.portable) { #expect(GEMM.currentBackend == .portable) }
        var c: [Float] = [0]
        for backend in GEMMBackend.allCases {
            GEMM.sgemm(m: 1, n: 1, k: 2, a: [1, 2], lda: 2, b: [3, 4], ldb: 1, c: &c, ldc: 1, backend: backend)
            #expect(c == [11], "\(backend)")
        }
        #expect(GEMM.backendDetails.contains("portable"))
        // The portable GEMM is always there, and on x86-64 before OpenBLAS (the same bits on every
        // x86-64 CPU); on ARM the vendor's libraries lead.
        let backends = GEMM.availableBackends
        #expect(backends.contains(.portable))
        #if arch(x86_64)
        #expect(backends.firstIndex(of: .portable)! < (backends.firstIndex(of: .openBLAS) ?? backends.count))
        #expect(!SystemInfo.compiledForAVX512 || backends.first == .portable)
        #else
        #expect(backends.last == .portable)
        #endif
    }

    /// The 16 × 16 transpose of the packing routines, on numbers that say where they came from.
    @Test func transpose16() {
        let source = (0..<16 * 20).map(Float.init)                      // [16, 20]: row stride 20
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 16 * 16 * 4, alignment: 64)
        defer { memory.deallocate() }
        let target = memory.bindMemory(to: Float.self, capacity: 16 * 16)
        source.withUnsafeBufferPointer {
            PortableGEMM.transpose16($0.baseAddress!, stride: 20, rows: 13, into: target)
        }
        for l in 0..<16 {
            for i in 0..<16 {
                #expect(target[l * 16 + i] == (i < 13 ? Float(i * 20 + l) : 0), "target[\(l), \(i)]")
            }
        }
    }

    /// The 8 × 8 transpose of the 6 × 16 tile's packing, likewise.
    @Test func transpose8() {
        let source = (0..<8 * 11).map(Float.init)                       // [8, 11]: row stride 11
        var target = [Float](repeating: .nan, count: 8 * 9)             // [8, 9]: row stride 9
        source.withUnsafeBufferPointer { source in
            target.withUnsafeMutableBufferPointer {
                PortableGEMM.transpose8(source.baseAddress!, stride: 11, rows: 6, into: $0.baseAddress!, targetStride: 9)
            }
        }
        for l in 0..<8 {
            for i in 0..<8 {
                #expect(target[l * 9 + i] == (i < 6 ? Float(i * 11 + l) : 0), "target[\(l), \(i)]")
            }
            #expect(target[l * 9 + 8].isNaN, "target[\(l), 8] is past the block and must stay untouched")
        }
    }

    /// The cache blocks follow the caches: KC = 256 wherever L1d holds the B sliver, the A block
    /// 3/8 of L2, the B panel half of L3, for either tile; unknown caches give small, safe blocks.
    @Test func blockingFollowsTheCaches() {
        typealias Blocking = PortableGEMM.Blocking
        // A 48 KiB L1d, 1 MiB L2 AVX-512 core (Intel Ice Lake server): 256 · 32 floats = 32 KiB
        // of B in L1, 24 slivers of 14 rows (336) · 256 · 16 floats = 384 KiB of A in L2.
        #expect(Blocking(Tile14x32.self, l1: 48 << 10, l2: 1 << 20, l3: 4 << 20) == Blocking(kc: 256, mc: 336, nc: 2048))
        // A 32 KiB L1d, 1 MiB L2 AVX-512 core (AMD Zen 4): the sliver fills L1d; the same blocks.
        #expect(Blocking(Tile14x32.self, l1: 32 << 10, l2: 1 << 20, l3: 16 << 20) == Blocking(kc: 256, mc: 336, nc: 4096))
        // A 32 KiB L1d, 512 KiB L2 AVX2 core (Zen 3): 256 · 16 floats = 16 KiB of B (KC is at
        // most 256), 24 slivers of 6 rows · 256 · 8 floats = 192 KiB of A.
        #expect(Blocking(Tile6x16.self, l1: 32 << 10, l2: 512 << 10, l3: 16 << 20) == Blocking(kc: 256, mc: 144, nc: 4096))
        // Skylake: 32 KiB L1d, 256 KiB L2, 1.375 MiB of L3 per core.
        #expect(Blocking(Tile6x16.self, l1: 32 << 10, l2: 256 << 10, l3: 1408 << 10) == Blocking(kc: 256, mc: 72, nc: 704))
        // Nothing known: 32 KiB, 256 KiB, 2 MiB.
        #expect(Blocking(Tile6x16.self, l1: nil, l2: nil, l3: nil) == Blocking(kc: 256, mc: 72, nc: 1024))
        // Tiny or absurd caches still give usable blocks: at least one sliver, at least 64 steps.
        let tiny = Blocking(Tile14x32.self, l1: 1024, l2: 1024, l3: 1024)
        #expect(tiny.kc == 64 && tiny.mc == 14 && tiny.nc == 128)
        #expect(Blocking(Tile6x16.self, l1: 1 << 30, l2: 1 << 30, l3: 1 << 40).kc == 256)
        // A 16 KiB L1d cannot hold 256 steps of the 14 × 32 tile's sliver: 128.
        #expect(Blocking(Tile14x32.self, l1: 16 << 10, l2: 1 << 20, l3: 16 << 20).kc == 128)
    }

    /// The threads' rectangles cover C exactly once, in whole tiles, for any thread count.
    @Test(arguments: [1, 2, 3, 4, 7, 8])
    func gridCoversCOnce(threads: Int) {
        for (m, n) in [(1, 1), (29, 70), (300, 517), (1000, 40), (40, 1000)] {
            let grid = PortableGEMM.Grid(m: m, n: n, k: 512, threads: threads)
            var covered = [Int](repeating: 0, count: m * n)
            for chunk in 0..<grid.count {
                let rows = grid.rows(of: chunk), columns = grid.columns(of: chunk)
                #expect(rows.count <= grid.rowsPerChunk && columns.count <= grid.columnsPerChunk)
                for i in rows { for j in columns { covered[i * n + j] += 1 } }
            }
            let wrong = covered.count { $0 != 1 }
            #expect(wrong == 0, "\(m)×\(n) on \(threads) threads: entries covered 0 or 2+ times")
            #expect(grid.count <= threads)
        }
    }
}

// MARK: - Test support

/// One GEMM problem with seeded random operands; C starts random too, so beta matters, and the
/// padding of C (columns n..<ldc) holds a sentinel that no backend may touch.
struct GEMMCase: Sendable, CustomTestStringConvertible {
    let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float, padding: Int

    var testDescription: String {
        "\(transA ? "Aᵀ" : "A")·\(transB ? "Bᵀ" : "B") \(m)×\(n)×\(k) α=\(alpha) β=\(beta) pad=\(padding)"
    }

    enum Computation {
        case reference, backend(GEMMBackend)
        case portable(threads: Int, kernel: PortableGEMM.Kernel = PortableGEMM.kernel)
        /// The portable GEMM with B packed beforehand (`GEMM.packedB`).
        case packedB
    }

    static let sentinel: Float = 777

    var lda: Int { (transA ? m : k) + padding }
    var ldb: Int { (transB ? k : n) + padding }
    var ldc: Int { n + padding }

    /// Seeded operands: A is [M, K] or [K, M], B is [K, N] or [N, K], C is [M, N], each with
    /// row stride lda, ldb, ldc. The seed depends on the shape only, so every computation of a
    /// case sees the same numbers.
    func operands() -> (a: [Float], b: [Float], c: [Float]) {
        var random = GEMMTestRandom(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let a = (0..<(transA ? k : m) * lda).map { _ in random.nextFloat() }
        let b = (0..<(transB ? n : k) * ldb).map { _ in random.nextFloat() }
        let c = (0..<m * ldc).map { $0 % ldc < n ? random.nextFloat() : Self.sentinel }
        return (a, b, c)
    }

    /// C after the product, computed the given way.
    func run(_ computation: Computation) -> [Float] {
        var (a, b, c) = operands()
        compute(computation, a: &a, b: &b, c: &c, alpha: alpha, beta: beta)
        return c
    }

    private func compute(_ computation: Computation, a: inout [Float], b: inout [Float], c: inout [Float],
                         alpha: Float, beta: Float) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    switch computation {
                    case .reference:
                        GEMM.reference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                    case .backend(let backend):
                        GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, backend: backend)
                    case .portable(let threads, let kernel):
                        GEMM.portable(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads,
                                      kernel: kernel)
                    case .packedB:
                        let packed = GEMM.packedB(transB: transB, k: k, n: n, b: b, ldb: ldb, backend: .portable)!
                        GEMM.sgemm(transA: transA, m: m, alpha: alpha, a: a, lda: lda, packedB: packed, beta: beta,
                                   c: c, ldc: ldc)
                    }
                }
            }
        }
    }

    /// The size of each C[i, j]'s sum, |alpha| · Σ_p |op(A)[i, p] · op(B)[p, j]| + |beta · C[i, j]|:
    /// the reference run on absolute values.
    func magnitudes() -> [Float] {
        var (a, b, c) = operands()
        a = a.map(abs); b = b.map(abs); c = c.map(abs)
        compute(.reference, a: &a, b: &b, c: &c, alpha: abs(alpha), beta: abs(beta))
        return c
    }

    /// Checks `got` against `want` entry by entry with a float32-honest tolerance: rounding
    /// errors of a K-term sum grow like √K, so |got − want| ≤ 2 (√K + 2) · ε · magnitude, with
    /// ε = 2⁻²³. Reports the largest difference and where it is; the padding must be untouched.
    func expectClose(_ got: [Float], _ want: [Float], _ label: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) {
        let scale = magnitudes()
        var worst = (ratio: Float(0), difference: Float(0), index: 0)
        var touched = 0
        for index in got.indices {
            if index % ldc >= n {
                if got[index] != Self.sentinel { touched += 1 }
                continue
            }
            let difference = abs(got[index] - want[index])
            let tolerance = 2 * (Float(k).squareRoot() + 2) * Float.ulpOfOne * scale[index] + .leastNormalMagnitude
            let ratio = difference.isNaN ? .infinity : difference / tolerance
            if ratio > worst.ratio { worst = (ratio, difference, index) }
        }
        let (i, j) = (worst.index / ldc, worst.index % ldc)
        let message = "\(label) \(testDescription): max |Δ| = \(worst.difference) at C[\(i), \(j)] "
            + "(\(got[worst.index]) vs \(want[worst.index])), \(worst.ratio)× the tolerance"
        #expect(worst.ratio <= 1, "\(message)", sourceLocation: sourceLocation)
        #expect(touched == 0, "\(label) \(testDescription): \(touched) padding entries of C overwritten",
                sourceLocation: sourceLocation)
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator for test inputs, kept here
/// so these tests do not depend on the library's own generator.
struct GEMMTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), on a grid of 2⁻²³.
    mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-23 - 1 }
}
