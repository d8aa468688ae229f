// The Accelerate backend: Apple's `cblas_sgemm`, macOS only. On Linux this file only says
// that the backend is absent, and `GEMM.sgemm` never routes a product here.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N], C is [M, N], row-major.

#if canImport(Accelerate)
import Accelerate

extension GEMM {
    /// Whether Apple's Accelerate framework is present (always, on macOS).
    static var accelerateIsAvailable: Bool { true }

    /// C = alpha · op(A) · op(B) + beta · C with Accelerate's `cblas_sgemm`.
    ///
    /// - Parameters: as `GEMM.sgemm`.
    static func accelerate(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // NOTE: `numericCast` fits the integer type of whichever CBLAS header is in use: Int32
        // in the classic one, `__LAPACK_int` in the one of macOS 13.3 and later.
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    numericCast(m), numericCast(n), numericCast(k), alpha, a, numericCast(lda),
                    b, numericCast(ldb), beta, c, numericCast(ldc))
    }
}

#else

extension GEMM {
    /// Whether Apple's Accelerate framework is present (never, off Apple platforms).
    static var accelerateIsAvailable: Bool { false }

    /// Not reached off Apple platforms (`GEMM.sgemm` checks `accelerateIsAvailable`); computes
    /// with the portable GEMM so the function is total.
    static func accelerate(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        portable(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

#endif
