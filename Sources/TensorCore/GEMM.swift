// GEMM: C = alpha · op(A) · op(B) + beta · C, row-major, single precision.
// M, N, K = the usual GEMM dimensions: op(A) is [M, K], op(B) is [K, N], C is [M, N].

import Foundation
import Synchronization

/// Where a matrix product is computed.
public enum GEMMBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The project's own tiled, SIMD, multi-threaded GEMM (`GEMM+Portable.swift`). Always present.
    case portable
    /// OpenBLAS's `cblas_sgemm`, loaded at run time from `libopenblas.so.0` when it is installed.
    case openBLAS = "openblas"
    /// Apple's Accelerate framework (macOS only).
    case accelerate

    public var description: String {
        switch self {
        case .portable: "portable (tiled SIMD GEMM of this project)"
        case .openBLAS: "OpenBLAS cblas_sgemm"
        case .accelerate: "Accelerate cblas_sgemm"
        }
    }

    /// Whether this backend can run on this machine right now.
    public var isAvailable: Bool {
        switch self {
        case .portable: true
        case .openBLAS: OpenBLAS.shared != nil
        case .accelerate: GEMM.accelerateIsAvailable
        }
    }
}

/// Single-precision matrix multiplication with a choice of backends.
///
///     GEMM.sgemm(m: 2, n: 3, k: 4, a: a, lda: 4, b: b, ldb: 3, c: c, ldc: 3)
///
/// The default backend is the fastest available one (Accelerate on macOS, OpenBLAS when
/// `libopenblas.so.0` loads, otherwise the portable GEMM). `TP_GEMM=portable|openblas` in the
/// environment or `GEMM.defaultBackend = …` changes it for the whole process;
/// `GEMM.$override.withValue(.portable) { … }` changes it for one task (tests use this).
public enum GEMM {
    private static let chosen = Mutex<GEMMBackend?>(nil)

    /// A per-task override of the backend; `nil` means `defaultBackend`.
    @TaskLocal public static var override: GEMMBackend?

    /// Backends that can run on this machine, best first.
    ///
    /// On x86-64 our own GEMM comes before OpenBLAS: its tiles (14 × 32 for the 32 zmm registers
    /// of AVX-512, 6 × 16 for the 16 ymm ones of AVX2) keep up with OpenBLAS on large squares and
    /// beat it on the lessons' skinny products, and its numbers are the same bits on every x86-64
    /// CPU, so a lesson reproduces its notes wherever it runs (`bench gemm` compares the two on
    /// yours; Benchmarks/README.md notes what it measured where). With AVX-512 it also comes
    /// before Accelerate; elsewhere (ARM, and Accelerate on an AVX2 Mac) the vendor's library leads.
    public static var availableBackends: [GEMMBackend] {
        let order: [GEMMBackend]
        if SystemInfo.compiledForAVX512 {
            order = [.portable, .accelerate, .openBLAS]
        } else {
            #if arch(x86_64)
            order = [.accelerate, .portable, .openBLAS]
            #else
            order = [.accelerate, .openBLAS, .portable]
            #endif
        }
        return order.filter(\.isAvailable)
    }

    /// The backend `sgemm` uses when no per-task override is set.
    public static var defaultBackend: GEMMBackend {
        get {
            chosen.withLock({ $0 }) ?? environmentDefault
        }
        set { chosen.withLock { $0 = newValue } }
    }

    /// `TP_GEMM` when it names an available backend, else the best available one; worked out
    /// once, because reading the environment costs more than a small matrix product.
    private static let environmentDefault: GEMMBackend = {
        if let backend = try? environmentBackend() { return backend }
        return availableBackends[0]
    }()

    /// The backend `TP_GEMM` names, or nil when it is unset, empty or `auto`.
    ///
    /// - Throws: `TensorError.invalidArgument` with a one-line message when it names no backend
    ///   or one that cannot run on this machine (the `lesson` command refuses both, as it
    ///   refuses the same values of `--gemm`; the library then uses the best available one).
    public static func environmentBackend() throws -> GEMMBackend? {
        guard let name = ProcessInfo.processInfo.environment["TP_GEMM"], !name.isEmpty,
              name.lowercased() != "auto" else { return nil }
        guard let backend = GEMMBackend(rawValue: name.lowercased()) else {
            let names = (["auto"] + GEMMBackend.allCases.map(\.rawValue)).joined(separator: ", ")
            throw TensorError.invalidArgument("TP_GEMM=\(name) names no GEMM backend; use one of \(names), or unset it")
        }
        guard backend.isAvailable else {
            throw TensorError.invalidArgument("TP_GEMM=\(name): the \(backend.rawValue) backend is not available on this machine; use TP_GEMM=portable or unset it")
        }
        return backend
    }

    /// The backend the next `sgemm` call in this task will use.
    public static var currentBackend: GEMMBackend { override ?? defaultBackend }

    /// C = alpha · op(A) · op(B) + beta · C with row-major storage, where op(X) is X or Xᵀ.
    ///
    ///     C[i, j] = alpha · Σ_p op(A)[i, p] · op(B)[p, j] + beta · C[i, j]
    ///
    /// A backend that is not available computes with the portable GEMM instead. As in BLAS,
    /// A and B are not read when alpha is 0 or K is 0, and C is not read when beta is 0.
    ///
    /// - Parameters:
    ///   - transA: use Aᵀ; A is then stored as [K, M].
    ///   - transB: use Bᵀ; B is then stored as [N, K].
    ///   - m: rows of op(A) and of C.
    ///   - n: columns of op(B) and of C.
    ///   - k: columns of op(A) and rows of op(B): the length of each sum.
    ///   - a: A, [M, K] (or [K, M]) with leading dimension (row stride) `lda`.
    ///   - b: B, [K, N] (or [N, K]) with leading dimension `ldb`.
    ///   - c: C, [M, N] with leading dimension `ldc`.
    ///   - backend: where to compute; `nil` means `currentBackend`.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        backend: GEMMBackend? = nil
    ) {
        checkArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        // NOTE: BLAS's contract says A and B are not read when alpha = 0 or K = 0, but some
        // OpenBLAS kernels (Cooperlake, for one) still multiply them, so NaN in A or B leaks
        // into C. Keeping the contract here, before any backend, makes every backend agree.
        if k == 0 || alpha == 0 {
            PortableGEMM.scale(c, ldc: ldc, m: m, n: n, by: beta)
            return
        }
        // An unavailable backend falls back to the portable GEMM, which is always there.
        switch backend ?? currentBackend {
        case .openBLAS where OpenBLAS.shared != nil:
            OpenBLAS.shared!.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        case .accelerate where accelerateIsAvailable:
            accelerate(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        case .portable, .openBLAS, .accelerate:
            portable(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// C = alpha · op(A) · op(B) + bias in every row: a linear layer's x Wᵀ + b in one call.
    ///
    ///     GEMM.sgemm(transB: true, m: rows, n: out, k: in, a: x, lda: in, b: w, ldb: in,
    ///                bias: b, c: y, ldc: out)
    ///
    /// The same numbers as copying `bias` into every row of C and calling `sgemm` with beta = 1,
    /// which is what the library backends get. The portable GEMM adds the bias as it stores its
    /// first slice of K instead, so C is written once rather than filled and then read back.
    ///
    /// - Parameters: as the other `sgemm`; `bias` holds N numbers, and C is not read.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        backend: GEMMBackend? = nil
    ) {
        checkArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        // `sgemm` runs a library backend when it is installed and the portable GEMM otherwise.
        let backend = backend ?? currentBackend
        if (backend != .portable && backend.isAvailable) || k == 0 || alpha == 0 {
            // In chunks of at least 64 KiB: a copy this size is worth a second core.
            Parallel.forEachRange(m, minimum: max(1, 16_384 / n)) { rows in
                for i in rows { (c + i * ldc).update(from: bias, count: n) }
            }
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: 1, c: c, ldc: ldc, backend: backend)
            return
        }
        portable(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc, bias: bias)
    }

    /// Stops with a one-line message when the sizes or leading dimensions cannot describe the
    /// matrices (a row stride shorter than a row). The check costs nothing next to the product,
    /// and it stays in `-Ounchecked` builds, where `precondition` would be compiled out.
    static func checkArguments(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
    ) {
        let widthA = transA ? m : k, widthB = transB ? k : n
        if m < 0 || n < 0 || k < 0 {
            fatalError("GEMM.sgemm: negative size m=\(m) n=\(n) k=\(k)")
        }
        if lda < max(1, widthA) || ldb < max(1, widthB) || ldc < max(1, n) {
            fatalError("GEMM.sgemm: leading dimension too small: lda=\(lda) (rows of \(widthA)), "
                       + "ldb=\(ldb) (rows of \(widthB)), ldc=\(ldc) (rows of \(n))")
        }
    }

    /// The algorithmic reference: the textbook triple loop, accumulating in Float64.
    /// Slow and obviously right; every fast GEMM is tested against it.
    ///
    /// C[i, j] = alpha · Σ_p op(A)[i, p] · op(B)[p, j] + beta · C[i, j]
    public static func reference(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aip = transA ? a[p * lda + i] : a[i * lda + p]
                    let bpj = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aip) * Double(bpj)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }
}

// MARK: - Describing the backends

extension GEMM {
    /// The GEMM backends of this machine, one line each, best first, then the default, for
    /// `lesson info` and `bench`:
    ///
    ///     openblas: libopenblas.so.0, OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64, core Haswell, 2 threads
    ///     portable: tiled SIMD FMA GEMM, tile 6×16 of SIMD8 (12 ymm accumulators), KC=256 MC=144 NC=4096 (from L1d 32 KiB, L2 512 KiB, L3 16 MiB per core), 2 threads
    ///     default: openblas
    public static var backendDetails: String {
        typealias P = PortableGEMM
        var lines: [String] = []
        if accelerateIsAvailable { lines.append("accelerate: Apple Accelerate cblas_sgemm") }
        if let blas = OpenBLAS.shared {
            lines.append("openblas: " + blas.summary)
        } else {
            lines.append("openblas: not found (\(OpenBLAS.candidatePaths.joined(separator: ", ")))")
        }
        lines.append("portable: tiled SIMD FMA GEMM, tile \(P.kernelSummary), \(P.blocking) "
                     + "(from \(P.cacheSummary)), \(Parallel.threadCount) threads")
        lines.append("default: \(defaultBackend.rawValue)")
        return lines.joined(separator: "\n")
    }
}
