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
        commandName: "all", abstract: "Run every lesson with its default options, one output folder each.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.apply()
        var base = common.output ?? "Output"
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        // Every lesson's options, memory and folder are checked before the first one starts, so
        // that a problem with the last lesson does not show after the others have run.
        for lesson in lessons { try checkWithDefaults(lesson, base: base) }
        for (index, lesson) in lessons.enumerated() {
            if index > 0 { print("\n" + String(repeating: "═", count: 72) + "\n") }
            try runWithDefaults(lesson, base: base)
        }
    }

    private func checkWithDefaults<L: Lesson>(_ lesson: L.Type, base: String) throws {
        try checkBeforeWriting(L.self, options: L.Options.parse([]), common: common, output: folder(of: L.self, in: base))
    }

    private func runWithDefaults<L: Lesson>(_ lesson: L.Type, base: String) throws {
        try runLesson(L.self, options: L.Options.parse([]), common: common, output: folder(of: L.self, in: base))
    }

    private func folder<L: Lesson>(of lesson: L.Type, in base: String) -> String {
        base + "/" + L.name
    }
}
