// Matrix products, on top of GEMM (OpenBLAS, Accelerate or the portable tiled kernel).

extension Tensor {
    /// The matrix product, batched over leading axes.
    ///
    /// - [m, k] · [k, n] → [m, n]
    /// - [..., m, k] · [k, n] → [..., m, n]   (one weight matrix for every batch: folded into one GEMM)
    /// - [..., m, k] · [..., k, n] → [..., m, n]   (equal batch axes: one GEMM per batch element)
    /// - a vector on either side is treated as a row [1, k] or a column [k, 1] and the axis dropped.
    ///
    /// - Throws: `TensorError.shapeMismatch` when the inner extents or the batch axes disagree.
    public func matmul(_ other: Tensor) throws -> Tensor {
        if rank == 1 {
            let result = try Tensor(shape: [1, count], storage: storage).matmul(other)
            // Drop the row axis: [1, n] → [n]; for vector · vector, [1] → [] (a scalar, as NumPy).
            var outShape = result.shape
            outShape.remove(at: other.rank == 1 ? outShape.count - 1 : outShape.count - 2)
            return Tensor(shape: outShape, storage: result.storage)
        }
        if other.rank == 1 {
            let result = try matmul(Tensor(shape: [other.count, 1], storage: other.storage))
            return Tensor(shape: Array(result.shape.dropLast()), storage: result.storage)
        }
        guard rank >= 2, other.rank >= 2 else {
            throw TensorError.shapeMismatch("matmul needs matrices, got \(shape) and \(other.shape)")
        }
        let m = shape[rank - 2], k = shape[rank - 1]
        let k2 = other.shape[other.rank - 2], n = other.shape[other.rank - 1]
        guard k == k2 else {
            throw TensorError.shapeMismatch("matmul \(shape) · \(other.shape): inner extents \(k) and \(k2) differ")
        }
        let batchShape = Array(shape.dropLast(2))
        let result = Tensor.zeros(batchShape + [m, n])
        if other.rank == 2 {
            // Every batch element uses the same right-hand matrix: one tall GEMM.
            // NOTE: k = 0 is an empty sum (zeros); an empty result must not reach GEMM, whose
            // leading dimensions (here n) must be at least 1.
            if k == 0 || result.count == 0 { return result }
            GEMM.sgemm(m: batchShape.reduce(1, *) * m, n: n, k: k,
                       a: storage.pointer, lda: k, b: other.storage.pointer, ldb: n,
                       c: result.storage.pointer, ldc: n)
            return result
        }
        guard Array(other.shape.dropLast(2)) == batchShape else {
            throw TensorError.shapeMismatch("batched matmul \(shape) · \(other.shape): batch axes differ")
        }
        let batches = batchShape.reduce(1, *)
        if k == 0 || result.count == 0 { return result }
        for batch in 0..<batches {
            GEMM.sgemm(m: m, n: n, k: k,
                       a: storage.pointer + batch * m * k, lda: k,
                       b: other.storage.pointer + batch * k * n, ldb: n,
                       c: result.storage.pointer + batch * m * n, ldc: n)
        }
        return result
    }
}
