// Runs the built `lesson` binary as a user would, in a fresh temporary folder.

import Foundation
import Testing

/// The result of one run of the `lesson` command.
struct LessonRun {
    let status: Int32
    let stdout: String
    let stderr: String
    /// The folder the command ran in (its working directory).
    let folder: URL
}

enum LessonRunner {
    /// The run a suite shares among its tests (`static let first = Result { try run(...) }`),
    /// expected to have exited 0; its error, if it could not be run at all.
    static func succeeded(_ shared: Result<LessonRun, any Error>) throws -> LessonRun {
        let run = try shared.get()
        #expect(run.status == 0, "stderr: \(run.stderr)")
        return run
    }

    /// The `lesson` executable that `swift build` put next to this test bundle.
    static var executable: URL {
        get throws {
            var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = folder.appendingPathComponent("lesson")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                folder = folder.deletingLastPathComponent()
            }
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "lesson binary near \(CommandLine.arguments[0])"])
        }
    }

    /// A new empty temporary folder.
    static func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("lesson-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs `lesson arguments…` in `folder` (a new temporary one by default) and waits for it,
    /// with `environment` added to this process's environment.
    static func run(_ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws -> LessonRun {
        let folder = try folder ?? makeFolder()
        let output = try runProcess(try executable, arguments, in: folder, environment: environment)
        return LessonRun(status: output.status, stdout: output.stdout, stderr: output.stderr, folder: folder)
    }

    /// Runs a program to its end and returns its exit status and everything it printed, with
    /// `environment` added to this process's environment.
    static func runProcess(_ executable: URL, _ arguments: [String], in folder: URL? = nil,
                           environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let folder { process.currentDirectoryURL = folder }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes are drained at once: read one after the other, a program that fills the
        // second (a browser logging to stderr) blocks before closing the first, and so do we.
        let errors = Collected()
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errors.data, as: UTF8.self))
    }

    /// Bytes read on another thread, handed back after it has finished.
    private final class Collected: @unchecked Sendable {
        var data = Data()
    }

    /// Every regular file below `folder`, as paths relative to it, sorted.
    static func files(in folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                result.append(path)
            }
        }
        return result.sorted()
    }
}

/// Width and height from a PNG file's IHDR chunk, read without libpng (an independent check).
func pngSize(_ url: URL) throws -> (width: Int, height: Int)? {
    let bytes = [UInt8](try Data(contentsOf: url))
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard bytes.count > 24, Array(bytes[0..<8]) == signature, String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR" else {
        return nil
    }
    func bigEndian(_ offset: Int) -> Int { bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (bigEndian(16), bigEndian(20))
}
