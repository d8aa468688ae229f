// The OpenBLAS backend: `cblas_sgemm` from libopenblas, found at run time.
// M, N, K = the GEMM dimensions: op(A) is [M, K], op(B) is [K, N], C is [M, N], row-major.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// MARK: - Loading the library

/// OpenBLAS, opened with `dlopen` when the process first asks for it.
///
/// There is no link-time dependency: the package builds and runs without OpenBLAS, and
/// `OpenBLAS.shared` is `nil` where the library is not installed (`apt install libopenblas0`,
/// `brew install openblas`).
///
///     OpenBLAS.shared?.sgemm(transA: false, transB: false, m: 2, n: 3, k: 4, alpha: 1,
///                            a: a, lda: 4, b: b, ldb: 3, beta: 0, c: c, ldc: 3)
final class OpenBLAS: Sendable {
    // NOTE: Debian's and Homebrew's OpenBLAS use 32-bit integers (LP64); the 64-bit-integer
    // build is a different file (libopenblas64_.so.0) with suffixed names, not loaded here.
    typealias SGEMM = @convention(c) (
        Int32, Int32, Int32,                        // order, transA, transB
        Int32, Int32, Int32,                        // M, N, K
        Float, UnsafePointer<Float>?, Int32,        // alpha, A, lda
        UnsafePointer<Float>?, Int32,               // B, ldb
        Float, UnsafeMutablePointer<Float>?, Int32  // beta, C, ldc
    ) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias GetText = @convention(c) () -> UnsafePointer<CChar>?

    // CBLAS enum values (cblas.h).
    static let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112

    /// The process's OpenBLAS, or `nil` when no candidate library opens or has `cblas_sgemm`.
    static let shared: OpenBLAS? = OpenBLAS(candidates: candidatePaths)

    /// Where to look: the soname first (the system's search path), then Homebrew's folders.
    static var candidatePaths: [String] {
        #if canImport(Darwin)
        ["libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
         "/usr/local/opt/openblas/lib/libopenblas.dylib"]
        #else
        ["libopenblas.so.0", "libopenblas.so"]
        #endif
    }

    /// The file that was opened, as asked for (`libopenblas.so.0`).
    let path: String
    private let sgemmFunction: SGEMM
    private let setThreads: SetThreads?
    private let getConfig: GetText?
    private let getCoreName: GetText?
    /// The thread count last given to OpenBLAS, so that it is set only when it changes.
    private let threadsSet = Mutex<Int>(0)

    private init?(candidates: [String]) {
        guard let (path, handle) = candidates.lazy
            .compactMap({ path in dlopen(path, RTLD_NOW | RTLD_LOCAL).map { (path, $0) } }).first,
            let sgemm = dlsym(handle, "cblas_sgemm")
        else { return nil }
        // NOTE: the handle is never closed: OpenBLAS owns threads that live as long as the process.
        func symbol<F>(_ name: String, as type: F.Type) -> F? {
            dlsym(handle, name).map { unsafeBitCast($0, to: type) }
        }
        self.path = path
        sgemmFunction = unsafeBitCast(sgemm, to: SGEMM.self)
        setThreads = symbol("openblas_set_num_threads", as: SetThreads.self)
        getConfig = symbol("openblas_get_config", as: GetText.self)
        getCoreName = symbol("openblas_get_corename", as: GetText.self)
    }

    // MARK: - Calling it

    /// C = alpha · op(A) · op(B) + beta · C with OpenBLAS, on `Parallel.threadCount` threads
    /// (one thread when called from inside a parallel region).
    ///
    /// - Parameters: as `GEMM.sgemm`; every size and leading dimension must fit in 32 bits.
    func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let limit = Int(Int32.max)
        guard max(m, n, k, lda, ldb, ldc) <= limit else {
            fatalError("OpenBLAS: m=\(m) n=\(n) k=\(k) exceed its 32-bit sizes; use the portable backend")
        }
        // NOTE: inside a parallel region (a training replica per core, say) every core is busy
        // already; OpenBLAS's own threads would compete with them for the same cores.
        useThreads(WorkerPool.isInside ? 1 : Parallel.threadCount)
        sgemmFunction(Self.rowMajor, transA ? Self.trans : Self.noTrans, transB ? Self.trans : Self.noTrans,
                      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                      beta, c, Int32(ldc))
    }

    /// Tells OpenBLAS how many threads to use, only when the count differs from the last one.
    func useThreads(_ count: Int) {
        guard let setThreads else { return }
        threadsSet.withLock { current in
            if current != count {
                setThreads(Int32(clamping: count))
                current = count
            }
        }
    }

    // MARK: - Describing it

    /// The build configuration string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    var config: String? { getConfig.flatMap { $0() }.map { String(cString: $0) } }

    /// The kernel family OpenBLAS picked for this processor, e.g. "Haswell" or "SkylakeX".
    var coreName: String? { getCoreName.flatMap { $0() }.map { String(cString: $0) } }

    /// One line for `lesson info` and `bench`: file, configuration, core, threads.
    ///
    /// The thread count is `Parallel.threadCount`, which `sgemm` hands to OpenBLAS before each call;
    /// describing the library does not change it.
    var summary: String {
        var parts = [path]
        if let config { parts.append(config.split(separator: " ").joined(separator: " ")) }
        if let coreName { parts.append("core \(coreName)") }
        parts.append("\(Parallel.threadCount) threads")
        return parts.joined(separator: ", ")
    }
}

extension GEMM {
    /// The kernel family OpenBLAS picked for this processor ("Haswell", "SkylakeX", "Cooperlake"),
    /// or `nil` without OpenBLAS (or when it does not say).
    public static var openBLASCoreName: String? { OpenBLAS.shared?.coreName }
}
