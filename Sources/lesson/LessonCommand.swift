// One subcommand per lesson: `lesson positional-encoding --positions 64`.

import ArgumentParser
import Figures
import Foundation
import Lessons
import TensorCore

/// The subcommand that runs lesson `L` with its own options and the shared ones.
struct LessonCommand<L: Lesson>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: L.name, abstract: L.summary)
    }

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: L.Options

    func run() throws {
        if common.listFigures {
            printFigureList(of: L.self)
            return
        }
        try common.apply()
        let output = common.output ?? "Output/\(L.name)"
        try checkBeforeWriting(L.self, options: options, common: common, output: output)
        try runLesson(L.self, options: options, common: common, output: output)
    }
}

/// `--list-figures`: every figure the lesson writes, one line each, without running it.
func printFigureList<L: Lesson>(of lesson: L.Type) {
    let width = L.figureCaptions.map(\.name.count).max() ?? 0
    print("Figures of \(L.name) (write some with --only NAME[,NAME]):")
    printAligned(L.figureCaptions.map { ($0.name, $0.caption) }, keyWidth: width)
}

/// Checks everything that can be checked before a lesson writes anything: its options and the
/// memory they need, the font for its figures, and its output folder (without creating it).
///
/// - Throws: `ValidationError` with one line: whatever fails here is bad input (exit 64).
func checkBeforeWriting<L: Lesson>(_ lesson: L.Type, options: L.Options, common: CommonOptions, output: String) throws {
    do {
        _ = try common.onlyFigures(of: L.self)
        try L.validate(options, quick: common.quick)
        try Canvas.loadFont()
        try LessonContext.checkOutputDirectory(output)
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ValidationError("\(error)")
    }
}

/// Prepares the output folder, runs the lesson and lists what it wrote. Call
/// `checkBeforeWriting` first: nothing should be written unless every check passes.
@discardableResult
func runLesson<L: Lesson>(_ lesson: L.Type, options: L.Options, common: CommonOptions, output: String) throws -> LessonContext {
    try LessonContext.prepareOutputDirectory(output)
    print(banner(for: L.name, seed: common.seed, output: output, quick: common.quick))
    let figures = try common.figureOutput(only: common.onlyFigures(of: L.self))
    let context = LessonContext(outputDirectory: output, seed: common.seed, quick: common.quick, figures: figures)
    let start = DispatchTime.now()
    try L.run(options, in: context)
    if context.writesEverything { try context.writeHandout(for: L.self) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    print(context.summary())
    print(String(format: "Lesson %@ finished in %.1f s.", L.name, seconds))
    return context
}

/// The first lines of every run: what ran, where it writes, and on what.
func banner(for name: String, seed: UInt64, output: String, quick: Bool) -> String {
    """
    Transformer Playground · lesson \(name)\(quick ? " (quick)" : "")
    seed \(seed) · output \(output) · \(SystemInfo.buildConfiguration) build (kernels \(SystemInfo.kernelFlags)) · \
    GEMM \(GEMM.currentBackend.rawValue) · \(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s")
    """
}
