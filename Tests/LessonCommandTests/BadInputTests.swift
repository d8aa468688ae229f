// Bad input gets one clear line on standard error, a non-zero exit, and no files.

import Foundation
import Testing

@Suite("lesson refuses bad input")
struct BadInputTests {
    /// Runs `arguments` in `folder` (a fresh one by default) and checks the failure: exit status
    /// 64, one line on stderr naming `words`, and nothing written or created in the folder.
    func expectRefusal(_ arguments: [String], mentioning words: [String], environment: [String: String] = [:],
                       in folder: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try folder ?? LessonRunner.makeFolder()
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let run = try LessonRunner.run(arguments, in: folder, environment: environment)
        #expect(run.status == 64, "exit status \(run.status) for \(arguments)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line on stderr, got:\n\(run.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(run.stderr.contains(word), "stderr lacks '\(word)': \(run.stderr)", sourceLocation: sourceLocation)
        }
        let after = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(after == before, "created: \(Set(after).subtracting(before).sorted())", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
    }

    @Test("an unknown lesson name suggests the closest one and lists the lessons")
    func unknownLesson() throws {
        try expectRefusal(["positonal-encoding"], mentioning: ["unknown lesson 'positonal-encoding'", "Did you mean 'positional-encoding'?", "lesson list"])
        try expectRefusal(["zebra"], mentioning: ["unknown lesson 'zebra'", "positional-encoding"])
    }

    @Test("invalid sizes", arguments: [
        (["--d-model", "7"], "--d-model"), (["--d-model", "0"], "--d-model"), (["--d-model", "-4"], "--d-model"),
        (["--positions", "0"], "--positions"), (["--positions", "-3"], "--positions"),
        (["--positions", "many"], "--positions"), (["--threads", "0"], "--threads"), (["--gemm", "fast"], "--gemm"),
        (["--threads", "100000"], "--threads"), (["--output", ""], "--output"),
    ])
    func invalidValues(arguments: [String], option: String) throws {
        try expectRefusal(["positional-encoding", "--quick"] + arguments, mentioning: [option])
    }

    @Test("a negative number is read as the option's value, not as another option")
    func negativeValues() throws {
        try expectRefusal(["positional-encoding", "--quick", "--positions", "-1"], mentioning: ["--positions", "at least 1, not -1"])
        try expectRefusal(["positional-encoding", "--quick", "--threads", "-2"], mentioning: ["--threads", "at least 1, not -2"])
    }

    @Test("help for an unknown lesson says so instead of printing the general help")
    func helpForAnUnknownLesson() throws {
        try expectRefusal(["help", "positonal-encoding"], mentioning: ["unknown lesson", "Did you mean 'positional-encoding'?"])
    }

    @Test("an environment variable with a value TensorCore cannot use is refused like the option", arguments: [
        ("TP_MEMORY_LIMIT", "1e9"), ("TP_MEMORY_LIMIT", "lots"), ("TP_MEMORY_LIMIT", "0"), ("TP_MEMORY_LIMIT", "-5"),
        ("TP_THREADS", "abc"), ("TP_THREADS", "0"), ("TP_THREADS", "100000"), ("TP_GEMM", "bogus"),
    ])
    func invalidEnvironment(name: String, value: String) throws {
        try expectRefusal(["positional-encoding", "--quick"], mentioning: ["\(name)=\(value)"], environment: [name: value])
    }

    #if !canImport(Darwin)
    @Test("TP_GEMM naming a backend this machine lacks is refused, as --gemm is")
    func unavailableBackendInEnvironment() throws {
        try expectRefusal(["positional-encoding", "--quick"], mentioning: ["TP_GEMM=accelerate", "not available"],
                          environment: ["TP_GEMM": "accelerate"])
        try expectRefusal(["positional-encoding", "--quick", "--gemm", "accelerate"], mentioning: ["not available"])
    }
    #endif

    @Test("a TP_FONT that is no font is refused before anything is written, saying what it is")
    func badFont() throws {
        let folder = try LessonRunner.makeFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("fonts"), withIntermediateDirectories: false)
        try Data("not a font\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Data().write(to: folder.appendingPathComponent("empty.ttf"))
        for (font, reason) in [("fonts", "is a folder"), ("notes.txt", "is not a font file"), ("empty.ttf", "is an empty file"),
                               ("missing.ttf", "No such file")] {
            try expectRefusal(["positional-encoding", "--quick"], mentioning: ["TP_FONT=\(font)", reason],
                              environment: ["TP_FONT": font], in: folder)
        }
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
            try expectRefusal(["positional-encoding", "--quick", "--output", output], mentioning: ["blocker"], in: folder)
        }
    }

    @Test("an output path too long for the files inside it is refused before any folder is made")
    func outputPathTooLong() throws {
        let part = String(repeating: "p", count: 200)
        // 4060 bytes: the folder itself is legal, its files' paths would pass PATH_MAX (4096).
        let nearLimit = Array(repeating: part, count: 20).joined(separator: "/") + "/" + String(repeating: "q", count: 40)
        try expectRefusal(["positional-encoding", "--quick", "--output", nearLimit], mentioning: ["bytes", "--output"])
        let overLimit = Array(repeating: part, count: 21).joined(separator: "/")
        try expectRefusal(["positional-encoding", "--quick", "--output", overLimit], mentioning: ["bytes", "--output"])
        let longName = "out/" + String(repeating: "n", count: 300)
        try expectRefusal(["positional-encoding", "--quick", "--output", longName], mentioning: ["300 bytes", "--output"])
    }

    @Test("lesson all checks every lesson's folder before the first lesson runs")
    func allChecksEveryFolderFirst() throws {
        let folder = try LessonRunner.makeFolder()
        let last = "hardware"
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: false)
        try Data("x".utf8).write(to: folder.appendingPathComponent("out/\(last)"))
        let run = try LessonRunner.run(["all", "--quick", "--output", "out"], in: folder)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("out/\(last)"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path) == [last])
    }

    @Test("a failed write to standard output is an error, not exit 0")
    func standardOutputWriteError() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }   // Linux's always-full device
        let process = Process()
        process.executableURL = try LessonRunner.executable
        process.arguments = ["positional-encoding", "--quick", "--output", "out"]
        process.currentDirectoryURL = try LessonRunner.makeFolder()
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "exit status \(process.terminationStatus)")
        #expect(message.split(separator: "\n").count == 1 && message.contains("standard output"), "\(message)")
    }
}
