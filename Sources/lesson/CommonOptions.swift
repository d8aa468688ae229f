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

    @Option(name: .long, help: ArgumentHelp(
        "Threads for the kernels (default: all cores; at most \(Parallel.maximumThreadCount), four per core).", valueName: "n"))
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Matrix-multiply backend: auto, \(GEMMBackend.allCases.map(\.rawValue).joined(separator: ", ")).",
        valueName: "backend"))
    var gemm: String = "auto"

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, not \(threads)")
        }
        if let threads, threads > Parallel.maximumThreadCount {
            throw ValidationError("--threads \(threads) is more than this machine can use: at most \(Parallel.maximumThreadCount) " +
                                  "(four per core, \(SystemInfo.coreCount) cores); more threads than cores only slow the kernels down")
        }
        if output?.isEmpty == true {
            throw ValidationError("--output is empty: name a folder, or leave --output out for Output/")
        }
        _ = try gemmBackend()
        try checkEnvironment()
    }

    /// Refuses an environment variable with a value TensorCore cannot use, as the option that
    /// does the same job refuses it (TensorCore alone would ignore it).
    func checkEnvironment() throws {
        do {
            _ = try Parallel.environmentThreadCount()
            _ = try GEMM.environmentBackend()
            _ = try SystemInfo.environmentMemoryLimit()
        } catch TensorError.invalidArgument(let message) {
            throw ValidationError(message)
        }
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
