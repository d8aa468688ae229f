// `lesson list`, `lesson info` and `lesson all`.

import ArgumentParser
import Lessons
import TensorCore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the lessons with a line on each.")

    func run() {
        let width = lessons.map { $0.name.count }.max() ?? 0
        print("Lessons (run one with: swift run lesson <name>):")
        printAligned(lessons.map { ($0.name, $0.summary) }, keyWidth: width)
    }
}

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the build, the GEMM backend, threads and CPU features.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.apply()
        let caches = SystemInfo.caches.filter { $0.kind != "Instruction" }
            .map { "\($0)" + ($0.sharedByCores > 1 ? " (shared by \($0.sharedByCores) cores)" : " per core") }
        let rows: [(String, String)] = [
            ("build", "\(SystemInfo.buildConfiguration); TensorCore kernels compiled with \(SystemInfo.kernelFlags)"),
            ("CPU", SystemInfo.cpuModel),
            ("SIMD features", SystemInfo.simdFeatures.joined(separator: " ")),
            ("caches", caches.joined(separator: ", ")),
            ("memory", "\(formatBytes(SystemInfo.physicalMemory)) (\(formatBytes(SystemInfo.availableMemory)) available)"),
            ("threads", "\(Parallel.threadCount) (cores: \(SystemInfo.coreCount))"),
            ("GEMM backend", GEMM.currentBackend.description),
            ("GEMM details", GEMM.backendDetails),
            ("GEMM available", GEMM.availableBackends.map(\.rawValue).joined(separator: ", ")),
        ]
        print("Transformer Playground")
        printAligned(rows, keyWidth: rows.map(\.0.count).max() ?? 0)
    }
}

/// Prints `key  value` lines with the values in one column; a multi-line value continues under
/// its first line.
func printAligned(_ rows: [(String, String)], keyWidth: Int) {
    for (key, value) in rows {
        let lines = value.split(separator: "\n")
        print("  \(key.padding(toLength: keyWidth, withPad: " ", startingAt: 0))  \(lines.first ?? "")")
        for line in lines.dropFirst() { print(String(repeating: " ", count: keyWidth + 4) + line) }
    }
}

struct AllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Run every lesson, one output folder each, and a page linking their handouts.",
        discussion: """
            Lesson options are passed to every lesson that has them: 'lesson all --quick --epochs 2' runs every \
            lesson at quick sizes and gives --epochs to the lessons that train.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Lesson options, given to each lesson that has them.", valueName: "lesson-options"))
    var lessonArguments: [String] = []

    func run() throws {
        if common.listFigures {
            for (index, lesson) in lessons.enumerated() {
                if index > 0 { print("") }
                printFigures(lesson)
            }
            return
        }
        if common.only != nil {
            throw ValidationError("--only names figures of one lesson: run that lesson (lesson <name> --only NAME)")
        }
        try common.apply()
        var base = common.output ?? "Output"
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        try checkLessonArguments()
        // Every lesson's options, memory and folder are checked before the first one starts, so
        // that a problem with the last lesson does not show after the others have run.
        for lesson in lessons { try check(lesson, base: base) }
        var written: [(name: String, summary: String, figures: Int)] = []
        for (index, lesson) in lessons.enumerated() {
            if index > 0 { print("\n" + String(repeating: "═", count: 72) + "\n") }
            print("[\(index + 1)/\(lessons.count)] \(lesson.name)")
            written.append(try run(lesson, base: base))
        }
        try LessonContext.writeCourseIndex(in: base, lessons: written)
        print("\nHandouts of all \(lessons.count) lessons: \(base)/index.html")
    }

    private func printFigures<L: Lesson>(_ lesson: L.Type) {
        printFigureList(of: L.self)
    }

    private func check<L: Lesson>(_ lesson: L.Type, base: String) throws {
        let options = try L.Options.parse(arguments(for: L.self))
        try checkBeforeWriting(L.self, options: options, common: common, output: folder(of: L.self, in: base))
    }

    private func run<L: Lesson>(_ lesson: L.Type, base: String) throws -> (name: String, summary: String, figures: Int) {
        let options = try L.Options.parse(arguments(for: L.self))
        let context = try runLesson(L.self, options: options, common: common, output: folder(of: L.self, in: base))
        return (L.name, L.summary, context.savedFigures.count)
    }

    private func folder<L: Lesson>(of lesson: L.Type, in base: String) -> String {
        base + "/" + L.name
    }

    /// The lesson options `lesson` has, out of those given (with their values).
    private func arguments<L: Lesson>(for lesson: L.Type) -> [String] {
        let help = L.Options.helpMessage(columns: 1000)
        var result: [String] = []
        var i = 0
        while i < lessonArguments.count {
            let token = lessonArguments[i]
            let name = String(token.split(separator: "=", maxSplits: 1)[0])
            let takesValue = help.contains("\(name) <")
            let count = takesValue && !token.contains("=") && i + 1 < lessonArguments.count ? 2 : 1
            if takesValue || Self.mentions(help, name) { result += lessonArguments[i..<(i + count)] }
            i += count
        }
        return result
    }

    /// Refuses an option that no lesson has, in one line.
    private func checkLessonArguments() throws {
        let helps = lessons.map { helpMessage(of: $0) }
        for token in lessonArguments where token.hasPrefix("-") {
            let name = String(token.split(separator: "=", maxSplits: 1)[0])
            guard helps.contains(where: { $0.contains("\(name) <") || Self.mentions($0, name) }) else {
                throw ValidationError("no lesson has the option '\(name)' (see 'lesson <name> --help')")
            }
        }
        if let stray = lessonArguments.first, !stray.hasPrefix("-") {
            throw ValidationError("unexpected argument '\(stray)' for 'lesson all'")
        }
    }

    private func helpMessage<L: Lesson>(of lesson: L.Type) -> String {
        L.Options.helpMessage(columns: 1000)
    }

    /// Whether a help text lists the flag `name` (followed by a space, comma or line end).
    private static func mentions(_ help: String, _ name: String) -> Bool {
        for end in [" ", ",", "\n", ")"] where help.contains(name + end) { return true }
        return false
    }
}
