// The options every lesson shares.

import ArgumentParser
import Figures
import Foundation
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

    @Option(name: .long, help: ArgumentHelp("Figure files, comma-separated: png, svg or png,svg.", valueName: "formats"))
    var format: String = "png"

    @Option(name: .long, help: ArgumentHelp(
        "Figures sized for a use, text at least 18 pt: slide (full width of a 16:9 slide), half (two side by side), " +
        "print (9 pt at 6.5 in, 300 dpi). Default: the standard 1000-pixel figures.", valueName: "size"))
    var size: String?

    @Option(name: .long, help: ArgumentHelp("Figure colours: light, dark or transparent.", valueName: "theme"))
    var theme: String = "light"

    @Flag(name: .customLong("no-title"), help: "Leave titles out of the figures (the handout's captions keep them).")
    var noTitle = false

    @Flag(name: .customLong("list-figures"), help: "List the figures the lesson writes, with a line on each, and stop.")
    var listFigures = false

    @Option(name: .long, help: ArgumentHelp(
        "Write only these figures (and their data), comma-separated names from --list-figures.", valueName: "names"))
    var only: String?

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
        _ = try figureOutput()
        try checkEnvironment()
    }

    /// The figure options as `LessonContext` takes them; `--only` is checked against a lesson's
    /// figures by `onlyFigures(of:)`.
    func figureOutput(only: Set<String>? = nil) throws -> FigureOutput {
        var formats: [FigureFormat] = []
        for name in format.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let chosen = FigureFormat(rawValue: trimmed) else {
                throw ValidationError("unknown --format '\(trimmed)'; use png, svg or png,svg")
            }
            if !formats.contains(chosen) { formats.append(chosen) }
        }
        var figureSize: FigureSize?
        if let size {
            guard let chosen = FigureSize(rawValue: size.lowercased()) else {
                throw ValidationError("unknown --size '\(size)'; use \(FigureSize.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            figureSize = chosen
        }
        guard let figureTheme = FigureTheme(rawValue: theme.lowercased()) else {
            throw ValidationError("unknown --theme '\(theme)'; use \(FigureTheme.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return FigureOutput(formats: formats, export: FigureExport(size: figureSize, theme: figureTheme, showsTitle: !noTitle),
                            only: only)
    }

    /// The figures `--only` names, checked against what `lesson` writes; nil without `--only`.
    func onlyFigures<L: Lesson>(of lesson: L.Type) throws -> Set<String>? {
        guard let only else { return nil }
        let known = L.figureCaptions.map(\.name)
        var names: Set<String> = []
        for part in only.split(separator: ",", omittingEmptySubsequences: false) {
            var name = part.trimmingCharacters(in: .whitespaces)
            for suffix in [".png", ".svg"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            guard known.contains(name) else {
                throw ValidationError("--only: \(L.name) has no figure '\(name)'; its figures: \(known.joined(separator: ", ")) (see --list-figures)")
            }
            names.insert(name)
        }
        return names
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
