// Where a lesson's words, figures and tables go: the terminal and Output/<lesson>/.

import Figures
import Foundation
import TensorCore
import _Support

/// Everything a running lesson needs from the outside world: its options, its seed, and one
/// place to send prose, tables and figures.
///
/// Each artefact is written atomically (temporary file, then rename) into the output folder,
/// next to the data behind it (`.npy` for matrices, `.csv` for tables and curves), and is
/// remembered so that the run ends with the list of files it wrote.
///
///     context.section("The PE matrix")
///     try context.save(heatmap, as: "pe_heatmap", data: .tensor(pe))
public final class LessonContext {
    /// The folder every file of this run goes to (created before the lesson starts).
    public let outputDirectory: String
    /// The seed every random number of the lesson derives from.
    public let seed: UInt64
    /// Small sizes, for tests and a quick look.
    public let quick: Bool
    /// How figures are written: formats, size, theme, title, and which ones.
    public let figures: FigureOutput
    /// Files written so far, in order.
    public private(set) var writtenFiles: [String] = []
    /// Figures written so far, in order, for the handout.
    public private(set) var savedFigures: [SavedFigure] = []
    /// Tables shown so far, in order, for the handout.
    public private(set) var shownTables: [(name: String, table: Table)] = []

    private var sectionNumber = 0
    private let out: (String) -> Void

    /// A context writing into `outputDirectory`, which must already be prepared
    /// (see `prepareOutputDirectory`).
    public init(outputDirectory: String, seed: UInt64, quick: Bool, figures: FigureOutput = FigureOutput(),
                print out: @escaping (String) -> Void = { Swift.print($0) }) {
        self.outputDirectory = outputDirectory
        self.seed = seed
        self.quick = quick
        self.figures = figures
        self.out = out
    }

    /// Whether this run writes the figure `name`: always, unless `--only` names others. A lesson
    /// may skip the work behind figures nobody asked for.
    ///
    ///     if context.wants("similarity") { try similarityBetweenPositions(pe, context) }
    public func wants(_ name: String) -> Bool {
        figures.only.map { $0.contains(name) } ?? true
    }

    /// Whether this run writes files other than the figures `--only` names (tables, notes).
    public var writesEverything: Bool { figures.only == nil }

    // MARK: - Prose

    /// Starts the next numbered step of the lesson: "3. Curves of a few dimensions".
    public func section(_ title: String) {
        sectionNumber += 1
        out("\n\(sectionNumber). \(title)\n" + String(repeating: "─", count: title.count + 3))
    }

    /// A paragraph of explanation, wrapped to 96 columns.
    public func say(_ text: String) {
        out(wrap(text, width: 96))
    }

    // MARK: - Artefacts

    /// The data that stands beside a figure.
    public enum FigureData {
        /// A matrix, written as `<name>.npy`.
        case tensor(Tensor)
        /// Columns of numbers, written as `<name>.csv`.
        case table(Table)
    }

    /// Renders `figure` to `<name>.png` (and `.svg`, as `figures.formats` asks) and writes the
    /// data behind it beside it; nothing when `--only` leaves the figure out.
    public func save(_ figure: some Figure, as name: String, data: FigureData) throws {
        guard wants(name) else { return }
        let exported = try figure.export(figures.export)
        let dataFile: String
        switch data {
        case .tensor(let tensor):
            try save(tensor, as: name)
            dataFile = "\(name).npy"
        case .table(let table):
            try write(table.csv(), to: "\(name).csv")
            dataFile = "\(name).csv"
        }
        var files: [String] = []
        for format in figures.formats {
            let path = self.path(for: "\(name).\(format.rawValue)")
            switch format {
            case .png: try exported.writePNG(to: path)
            case .svg: try exported.writeSVG(to: path)
            }
            record(path)
            files.append("\(name).\(format.rawValue)")
        }
        savedFigures.append(SavedFigure(name: name, title: figure.title, files: files, dataFile: dataFile))
        out("  ↳ figure \(files.map { displayPath(self.path(for: $0)) }.joined(separator: ", ")): \(figure.title)")
        if let size = figures.export.size, let points = exported.smallestTextPoints, points < size.smallestTextPoints - 0.05 {
            out("    (its smallest text is \(String(format: "%.1f", points)) pt at \(size.rawValue) size: " +
                "too many labels to fit larger; the data beside it can be re-plotted)")
        }
    }

    /// Prints `table` and writes it as `<name>.csv` and `<name>.md`. A long table is printed
    /// as `printedRows` evenly spaced rows (first and last included); the files hold every row.
    public func show(_ table: Table, as name: String, printedRows: Int = 16) throws {
        if table.rows.count > printedRows, printedRows >= 2 {
            let picked = (0..<printedRows).map { $0 * (table.rows.count - 1) / (printedRows - 1) }
            var sample = try Table(title: table.title, columns: table.columns, alignments: table.alignments,
                                   rows: picked.map { table.rows[$0] })
            sample.title = (table.title.map { $0 + " — " } ?? "") + "\(printedRows) of \(table.rows.count) rows; all in \(name).csv"
            out(indent(sample.terminal(), by: 2))
        } else {
            out(indent(table.terminal(), by: 2))
        }
        guard writesEverything else { return }
        shownTables.append((name, table))
        try write(table.csv(), to: "\(name).csv")
        try write(table.markdown(), to: "\(name).md")
    }

    /// Writes `table` as `<name>.csv` only, without printing it: for long tables (every
    /// translation of a test set) that the lesson summarises otherwise.
    public func write(_ table: Table, as name: String) throws {
        guard writesEverything else { return }
        try write(table.csv(), to: "\(name).csv")
    }

    /// Writes `text` (Markdown) as `<name>.md`, without printing it: prose a lesson computed
    /// from its numbers, such as a conclusion, for the slides.
    public func write(markdown text: String, as name: String) throws {
        guard writesEverything else { return }
        try write(text, to: "\(name).md")
    }

    /// Lets `body` write `fileName` in the output folder itself (given the full path), then lists
    /// it among the files written: for files a library writes, such as model checkpoints.
    public func writeFile(_ fileName: String, _ body: (String) throws -> Void) throws {
        let path = self.path(for: fileName)
        try body(path)
        record(path)
    }

    /// The full path of `fileName` in the output folder (which may not exist yet).
    public func pathInOutput(_ fileName: String) -> String { path(for: fileName) }

    /// Remembers a written file once, in the order first written.
    private func record(_ path: String) {
        if !writtenFiles.contains(path) { writtenFiles.append(path) }
    }

    /// Writes `text` as `fileName` in the output folder and lists it: the handout pages.
    func writeText(_ text: String, to fileName: String) throws {
        try write(text, to: fileName)
    }

    /// Writes `tensor` as `<name>.npy`.
    public func save(_ tensor: Tensor, as name: String) throws {
        let path = self.path(for: "\(name).npy")
        try tensor.saveNPY(to: path)
        record(path)
    }

    private func write(_ text: String, to fileName: String) throws {
        let path = self.path(for: fileName)
        try AtomicFile.write(Array(text.utf8), to: path)
        record(path)
    }

    private func path(for fileName: String) -> String {
        outputDirectory.hasSuffix("/") ? outputDirectory + fileName : outputDirectory + "/" + fileName
    }

    // MARK: - Randomness

    /// A generator for one purpose of the lesson ("embeddings", "weights"), derived from the
    /// seed and the purpose's name, so that adding a step never changes another step's numbers.
    public func generator(for purpose: String) -> SeededGenerator {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325   // FNV-1a
        for byte in purpose.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return SeededGenerator(seed: seed ^ hash)
    }

    // MARK: - Finishing

    /// The closing list of the files this run wrote.
    public func summary() -> String {
        var lines = ["\nWrote \(writtenFiles.count) files to \(displayPath(outputDirectory)):"]
        for path in writtenFiles {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = attributes?[.size] as? Int ?? 0
            lines.append("  \(displayPath(path))  (\(formatBytes(size)))")
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - The output folder

    /// Makes an interrupted run (Ctrl-C) delete the file it was writing before it exits, so the
    /// output folder holds only whole files. The `lesson` command calls this once at start.
    public static func removeUnfinishedFilesOnInterrupt() {
        AtomicFile.removeUnfinishedFilesOnInterrupt()
    }

    /// The longest file name a lesson gives a file, in bytes, with room for the temporary
    /// file it is written through: an output folder must leave this much room in a path.
    public static let longestFileName = 64

    /// Makes sure `path` is a folder this process can write into, creating it (and any missing
    /// parents) if needed. Nothing is created unless `checkOutputDirectory` passes.
    ///
    /// - Throws: `LessonError` naming the path and the reason (see `checkOutputDirectory`), or
    ///   when a folder cannot be created.
    public static func prepareOutputDirectory(_ path: String) throws {
        try checkOutputDirectory(path)
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw LessonError("cannot create output folder \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Checks, without creating anything, that `path` can be the output folder: the path leaves
    /// room for the files' names within the system's limits, no part of it is a file, and the
    /// folder (or the deepest part of it that exists) is writable.
    ///
    /// - Throws: `LessonError` naming the path and the reason in one line.
    public static func checkOutputDirectory(_ path: String) throws {
        guard !path.isEmpty else { throw LessonError("the output folder is empty (''); name a folder with --output") }
        let bytes = path.utf8.count
        if bytes + 1 + longestFileName > AtomicFile.longestPath {
            throw LessonError("the output folder's path is \(bytes) bytes long; with a file name added it would pass the " +
                              "system's limit of \(AtomicFile.longestPath) bytes per path: choose a shorter --output")
        }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > AtomicFile.longestName }) {
            throw LessonError("the output folder's path has a part of \(long.utf8.count) bytes (\(long.prefix(24))…), more " +
                              "than the \(AtomicFile.longestName) the system allows in one name: choose a shorter --output")
        }
        var current = path.hasPrefix("/") ? "" : "."
        var deepest = path.hasPrefix("/") ? "/" : "."   // the deepest part of the path that exists
        for component in path.split(separator: "/") {
            current += "/" + component
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) else { break }
            guard isDirectory.boolValue else {
                let shown = current.hasPrefix("./") ? String(current.dropFirst(2)) : current
                let which = shown == path || shown + "/" == path ? "" : " (\(shown) is a file)"
                throw LessonError("output path \(path)\(which.isEmpty ? " is a file, not a folder" : which); choose another --output")
            }
            deepest = current
        }
        guard access(deepest, W_OK | X_OK) == 0 else {
            let shown = deepest.hasPrefix("./") ? String(deepest.dropFirst(2)) : deepest
            let which = deepest == current ? "" : " (in \(shown))"
            throw LessonError("cannot write into output folder \(path)\(which): \(String(cString: strerror(errno)))")
        }
    }
}

// MARK: - Text helpers

/// `path` relative to the current folder when it is inside it, for shorter messages.
func displayPath(_ path: String) -> String {
    let here = FileManager.default.currentDirectoryPath + "/"
    return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
}

/// Greedy word wrap; existing line breaks are kept.
func wrap(_ text: String, width: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
        var lines: [String] = []
        var current = ""
        for word in line.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = String(word)
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }.joined(separator: "\n")
}

func indent(_ text: String, by spaces: Int) -> String {
    let pad = String(repeating: " ", count: spaces)
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }
        .joined(separator: "\n")
}

// MARK: - Figure output

/// How a run writes its figures: `--format`, `--size`, `--theme`, `--no-title`, `--only`.
public struct FigureOutput: Sendable {
    /// The files written for each figure, in this order (PNG by default).
    public var formats: [FigureFormat]
    /// Size, theme and title of every figure.
    public var export: FigureExport
    /// The figures to write (by name, without extension); nil for all of them, with the
    /// lesson's tables and handout.
    public var only: Set<String>?

    public init(formats: [FigureFormat] = [.png], export: FigureExport = FigureExport(), only: Set<String>? = nil) {
        self.formats = formats
        self.export = export
        self.only = only
    }
}

/// A figure a run wrote: for the handout page.
public struct SavedFigure: Sendable {
    /// The name without extension (`pe`).
    public let name: String
    public let title: String
    /// The figure's files, in the order of `--format` (`pe.png`, `pe.svg`).
    public let files: [String]
    /// The data beside it (`pe.npy`).
    public let dataFile: String
}
