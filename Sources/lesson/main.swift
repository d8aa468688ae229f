// The `lesson` command: `swift run lesson <name> [options]`.

import ArgumentParser
import Foundation
import Lessons

struct LessonRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Transformer Playground: executable lessons on self-attention, with figures for slides.",
        discussion: """
            Every lesson writes PNG figures, .npy data and CSV/Markdown tables to Output/<lesson>/.
            Exit status: 0 done; 64 input refused before anything is written (options, TP_* environment \
            variables, output folder, font, sizes too large for memory); 1 a failure while running; \
            130 interrupted (Ctrl-C).
            """,
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

/// Writes out what is buffered for standard output; a failed write (a full disk, a closed
/// pipe) is one line on standard error and exit status 1, not text silently lost.
func flushStandardOutput() {
    // NOTE: fflush(nil) flushes every output stream; Swift 6 forbids naming C's `stdout` here.
    // After a failed write the C library keeps the text buffered, so this fails again.
    if fflush(nil) != 0 {
        fail("cannot write to standard output: \(String(cString: strerror(errno == 0 ? EIO : errno)))", code: 1)
    }
}

/// The arguments with each `--option -3` joined as `--option=-3`: swift-argument-parser reads
/// a negative number after an option as another option ("Missing value"), while joined it is
/// the option's value, which the option's own check then explains.
func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for argument in arguments {
        if let last = result.last, last.hasPrefix("--"), last.count > 2, !last.contains("="),
           argument.count > 1, argument.hasPrefix("-"), Double(argument) != nil {
            result[result.count - 1] = last + "=" + argument
        } else {
            result.append(argument)
        }
    }
    return result
}

let arguments = joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))

// An unknown lesson name gets one line that suggests the closest name and lists the lessons;
// so does `lesson help <unknown>`.
let commandNames = ["list", "info", "all", "help"] + lessons.map { $0.name }
let named = arguments.first == "help" ? arguments.dropFirst().first : arguments.first
if let first = named, !first.hasPrefix("-"), !commandNames.contains(first) {
    let runnable = lessons.map { $0.name }.joined(separator: ", ")
    let suggestion = closestLessonName(to: first).map { " Did you mean '\($0)'?" } ?? ""
    fail("unknown lesson '\(first)'.\(suggestion) Lessons: \(runnable) (see 'lesson list')", code: 64)
}

// Exit status: 0 done; 64 bad input, refused before anything is written (an option, an
// environment variable, the output folder, the font, a size too large for this machine's
// memory); 1 a failure while running (a file or standard output cannot be written);
// 128 + n killed by signal n (130 for Ctrl-C).
LessonContext.removeUnfinishedFilesOnInterrupt()
do {
    var command = try LessonRoot.parseAsRoot(arguments)
    try command.run()
    flushStandardOutput()
} catch {
    _ = fflush(nil)   // what the lesson printed comes before the message; the message matters more
    let code = LessonRoot.exitCode(for: error)
    if code == .success { LessonRoot.exit(withError: error) }   // --help, --version
    if error is CleanExit { LessonRoot.exit(withError: error) }
    let isUsage = error is ValidationError || code == .validationFailure
    fail(LessonRoot.message(for: error), code: isUsage ? 64 : 1)
}
