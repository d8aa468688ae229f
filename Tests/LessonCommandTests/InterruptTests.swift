// Ctrl-C in the middle of a run leaves only whole files behind.

import Foundation
import Testing

@Suite("an interrupted lesson")
struct InterruptTests {
    @Test("SIGINT mid-run exits 130, keeps what was printed and leaves no partial or temporary file")
    func interruptLeavesOnlyWholeFiles() async throws {
        let folder = try LessonRunner.makeFolder()
        let process = Process()
        process.executableURL = try LessonRunner.executable
        // Large enough to take a few seconds here (a 10000 × 10000 similarity matrix to write).
        process.arguments = ["positional-encoding", "--positions", "10000", "--d-model", "64", "--output", "out"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out   // a pipe, so the text is buffered as in `lesson … > log`
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(1200))
        let stillRunning = process.isRunning
        process.interrupt()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        // What was printed before the signal reaches the pipe, whole lines of it.
        #expect(printed.hasPrefix("Transformer Playground · lesson positional-encoding"), "\(printed.prefix(200))")
        #expect(printed.hasSuffix("\n"), "cut off: …\(printed.suffix(80))")

        let files = LessonRunner.files(in: folder.appendingPathComponent("out"))
        let hidden = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path)) ?? []
        #expect(!hidden.contains { $0.contains(".partial") }, "temporary files left: \(hidden)")
        if stillRunning {
            #expect(process.terminationStatus == 130, "exit status \(process.terminationStatus)")
        }
        // Every PNG that exists is whole: it ends with the IEND chunk.
        for name in files where name.hasSuffix(".png") {
            let data = try Data(contentsOf: folder.appendingPathComponent("out").appendingPathComponent(name))
            #expect(data.suffix(8).prefix(4) == Data("IEND".utf8), "\(name) is cut short")
        }
    }
}
