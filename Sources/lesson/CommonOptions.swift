// The options every lesson shares.

import ArgumentParser
import Lessons
import TensorCore

/// Options shared by every lesson and by `lesson all`.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Folder for figures and tables (default: Output/<lesson>/; for 'all', Output/ with one folder per lesson).",
        valueName: "dir"))
    var output: String?

    @Option(name: .long, help: "Seed for every random number; the same seed gives byte-identical files.")
    var seed: UInt64 = 42

    @Flag(name: .long, help: "Small sizes: a quick look (and what the tests run).")
    var quick = false

    @Option(name: .long, help: ArgumentHelp("Threads for the kernels (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Matrix-multiply backend: auto, \(GEMMBackend.allCases.map(\.rawValue).joined(separator: ", ")).",
        valueName: "backend"))
    var gemm: String = "auto"

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, not \(threads)")
        }
        _ = try gemmBackend()
    }

    /// The backend `--gemm` names, or nil for automatic.
    func gemmBackend() throws -> GEMMBackend? {
        if gemm.lowercased() == "auto" { return nil }
        guard let backend = GEMMBackend(rawValue: gemm.lowercased()) else {
            throw ValidationError("unknown --gemm backend '\(gemm)'; use auto, \(GEMMBackend.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard backend.isAvailable else {
            let hint = backend == .openBLAS ? " (libopenblas.so.0 not found; install libopenblas0)" : ""
            throw ValidationError("the \(backend.rawValue) backend is not available on this machine\(hint); use --gemm portable")
        }
        return backend
    }

    /// Applies --threads and --gemm to TensorCore for the rest of the process.
    func apply() throws {
        if let threads { Parallel.threadCount = threads }
        if let backend = try gemmBackend() { GEMM.defaultBackend = backend }
    }
}
