// Bad input gets one clear line on standard error, a non-zero exit, and no files.

import Foundation
import Testing

@Suite("lesson refuses bad input")
struct BadInputTests {
    /// Runs `arguments` in a fresh folder and checks the failure: status, one line, no files.
    func expectRefusal(_ arguments: [String], mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try LessonRunner.run(arguments)
        #expect(run.status != 0, "exit status 0 for \(arguments)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line on stderr, got:\n\(run.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(run.stderr.contains(word), "stderr lacks '\(word)': \(run.stderr)", sourceLocation: sourceLocation)
        }
        let written = LessonRunner.files(in: run.folder)
        #expect(written.filter { !$0.hasPrefix("blocker") }.isEmpty, "files written: \(written)", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
    }

    @Test("an unknown lesson name suggests the closest one and lists the lessons")
    func unknownLesson() throws {
        try expectRefusal(["positonal-encoding"], mentioning: ["unknown lesson 'positonal-encoding'", "Did you mean 'positional-encoding'?", "lesson list"])
        try expectRefusal(["zebra"], mentioning: ["unknown lesson 'zebra'", "positional-encoding"])
    }

    @Test("a planned lesson that is not written yet says so")
    func plannedLesson() throws {
        try expectRefusal(["private-docs"], mentioning: ["not written yet"])
    }

    @Test("invalid sizes", arguments: [
        (["--d-model", "7"], "--d-model"), (["--d-model", "0"], "--d-model"), (["--d-model", "-4"], "--d-model"),
        (["--positions", "0"], "--positions"), (["--positions", "-3"], "--positions"),
        (["--positions", "many"], "--positions"), (["--threads", "0"], "--threads"), (["--gemm", "fast"], "--gemm"),
    ])
    func invalidValues(arguments: [String], option: String) throws {
        try expectRefusal(["positional-encoding", "--quick"] + arguments, mentioning: [option])
    }

    @Test("a problem too large for memory is refused before anything is written")
    func tooLarge() throws {
        try expectRefusal(["positional-encoding", "--positions", "2000000"], mentioning: ["needs", "available"])
        try expectRefusal(["positional-encoding", "--positions", "4000000000", "--d-model", "4000000000"], mentioning: ["too large"])
    }

    @Test("an output path that is a file, or cannot be created, is refused")
    func unwritableOutput() throws {
        let folder = try LessonRunner.makeFolder()
        try Data("x".utf8).write(to: folder.appendingPathComponent("blocker"))
        for output in ["blocker", "blocker/inside"] {
            let run = try LessonRunner.run(["positional-encoding", "--quick", "--output", output], in: folder)
            #expect(run.status != 0)
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("blocker"), "\(run.stderr)")
            #expect(LessonRunner.files(in: folder) == ["blocker"])
        }
    }
}
