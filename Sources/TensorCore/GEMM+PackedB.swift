// One operand of many products, packed once: a recurrent layer multiplies the same weight matrix
// at every time step, and with a few dozen rows per step, packing that matrix anew each time
// took as long as a third of the multiply (the translator's GRUs).

/// op(B) [K, N] packed once in the portable GEMM's layout, for many products op(A) · op(B) with
/// the same B and different A:
///
///     if let packed = GEMM.packedB(transB: true, k: h, n: 3 * h, b: w, ldb: h) {
///         for step in steps { GEMM.sgemm(m: rows, a: x[step], lda: h, packedB: packed, c: out[step], ldc: 3 * h) }
///     }
///
/// The products give the same bits as `GEMM.sgemm` with the B it was packed from: the packed
/// numbers are the ones `sgemm` would pack for itself, panel by panel. The copy is of B as it was
/// when packed; pack again after B changes.
public final class GEMMPackedB: @unchecked Sendable {
    /// K and N of op(B).
    public let k: Int, n: Int
    let kernel: PortableGEMM.Kernel
    /// N rounded up to whole slivers of NR columns: the floats of one step of K in a slice.
    let paddedN: Int
    /// [slices of KC steps][slivers of NR columns][steps][NR], zero-padded past N.
    let data: UnsafeMutablePointer<Float>

    init<K: GEMMMicroKernel>(_: K.Type, kernel: PortableGEMM.Kernel, transB: Bool, k: Int, n: Int,
                             b: UnsafePointer<Float>, ldb: Int) {
        (self.k, self.n, self.kernel) = (k, n, kernel)
        paddedN = PortableGEMM.roundUp(n, K.nr)
        data = allocateFloats(k * paddedN)
        let kc = PortableGEMM.blocking(K.self).kc
        // Only B's fields are read by packB.
        let op = PortableGEMM.Operands(transA: false, transB: transB, a: b, lda: 1, b: b, ldb: ldb,
                                       c: data, ldc: 1, m: 0, k: k, alpha: 1, beta: 0)
        for pc in stride(from: 0, to: k, by: kc) {
            K.packB(op, slice: pc..<min(pc + kc, k), columns: 0..<n, into: data + pc * paddedN)
        }
    }

    deinit { data.deallocate() }

    /// The packed panel of columns from `column` (a multiple of NR) in the slice of K starting at
    /// `sliceStart` with `sliceSteps` steps: the layout `packB` writes for that panel.
    func panel(sliceStart: Int, sliceSteps: Int, column: Int) -> UnsafePointer<Float> {
        UnsafePointer(data + sliceStart * paddedN + column * sliceSteps)
    }
}

extension GEMM {
    /// op(B) packed for the products that `sgemm` would run on the portable GEMM; nil when
    /// `backend` (or the current one) is a library's, which packs for itself.
    ///
    /// - Parameters: as `sgemm`'s: op(B) is [K, N]; B is [K, N], or [N, K] when `transB`.
    public static func packedB(
        transB: Bool = false, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, backend: GEMMBackend? = nil
    ) -> GEMMPackedB? {
        checkArguments(transA: false, transB: transB, m: 0, n: n, k: k, lda: k, ldb: ldb, ldc: n)
        // `sgemm` runs a library backend when it is installed and the portable GEMM otherwise.
        let chosen = backend ?? currentBackend
        guard k > 0, n > 0, chosen == .portable || !chosen.isAvailable else { return nil }
        switch PortableGEMM.kernel {
        case .tile14x32:
            return GEMMPackedB(Tile14x32.self, kernel: .tile14x32, transB: transB, k: k, n: n, b: b, ldb: ldb)
        case .tile6x16:
            return GEMMPackedB(Tile6x16.self, kernel: .tile6x16, transB: transB, k: k, n: n, b: b, ldb: ldb)
        }
    }

    /// C = alpha · op(A) · B̃ + beta · C with B̃ packed by `packedB`: the same numbers as `sgemm`
    /// with the B it was packed from, without packing it again.
    public static func sgemm(
        transA: Bool = false, m: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        packedB: GEMMPackedB, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let (k, n) = (packedB.k, packedB.n)
        checkArguments(transA: transA, transB: false, m: m, n: n, k: k, lda: lda, ldb: n, ldc: ldc)
        if m == 0 { return }
        if alpha == 0 {
            PortableGEMM.scale(c, ldc: ldc, m: m, n: n, by: beta)
            return
        }
        let operands = PortableGEMM.Operands(transA: transA, transB: false, a: a, lda: lda, b: packedB.data, ldb: n,
                                             c: c, ldc: ldc, m: m, k: k, alpha: alpha, beta: beta)
        switch packedB.kernel {
        case .tile14x32: PortableGEMM.run(Tile14x32.self, operands, n: n, threads: Parallel.threadCount, prepacked: packedB)
        case .tile6x16: PortableGEMM.run(Tile6x16.self, operands, n: n, threads: Parallel.threadCount, prepacked: packedB)
        }
    }
}
