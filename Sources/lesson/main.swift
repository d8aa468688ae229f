// The `lesson` command: `swift run lesson <name> [options]`.

import ArgumentParser
import Foundation
import Lessons

struct LessonRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Transformer Playground: executable lessons on self-attention, with figures for slides.",
        discussion: "Every lesson writes PNG figures, .npy data and CSV/Markdown tables to Output/<lesson>/.",
        subcommands: [ListCommand.self, InfoCommand.self, AllCommand.self] + lessons.map { $0.command })
}

extension Lesson {
    static var command: any ParsableCommand.Type { LessonCommand<Self>.self }
}

/// Prints one line to standard error and exits with `code`.
func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("lesson: \(message)\n".utf8))
    exit(code)
}

let arguments = Array(CommandLine.arguments.dropFirst())

// An unknown lesson name gets one line that suggests the closest name and lists the lessons.
if let first = arguments.first, !first.hasPrefix("-"),
   !(["list", "info", "all", "help"] + lessons.map { $0.name }).contains(first) {
    let runnable = lessons.map { $0.name }.joined(separator: ", ")
    if let planned = plannedLessons.first(where: { $0.name == first }) {
        fail("'\(planned.name)' is in the course plan but not written yet; lessons you can run: \(runnable)", code: 64)
    }
    let suggestion = closestLessonName(to: first).map { " Did you mean '\($0)'?" } ?? ""
    fail("unknown lesson '\(first)'.\(suggestion) Lessons: \(runnable) (see 'lesson list')", code: 64)
}

LessonContext.removeUnfinishedFilesOnInterrupt()
do {
    var command = try LessonRoot.parseAsRoot(arguments)
    try command.run()
} catch {
    let code = LessonRoot.exitCode(for: error)
    if code == .success { LessonRoot.exit(withError: error) }   // --help, --version
    if error is CleanExit { LessonRoot.exit(withError: error) }
    let isUsage = error is ValidationError || code == .validationFailure
    fail(LessonRoot.message(for: error), code: isUsage ? 64 : 1)
}
