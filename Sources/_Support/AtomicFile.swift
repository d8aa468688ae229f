// Plumbing shared by TensorCore and Figures: writing a file so that a reader never sees half of it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Numbers the temporary files of this process, so that concurrent writes never share one.
private let temporaryCounter = Atomic<Int>(0)
/// Temporary files being written right now, removed if the process is interrupted.
private let unfinished = Mutex<Set<String>>([])
/// Signal sources must stay alive for their handlers to run.
nonisolated(unsafe) private var signalSources: [DispatchSourceSignal] = []

/// An error from the file system, with the path and the system's reason in one line.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes whole files atomically: the bytes go to a temporary file in the same folder, which is
/// then renamed over the destination. An interrupted run leaves either the old file or the new
/// one, never a half-written one.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    ///
    /// - Parameters:
    ///   - bytes: the whole content of the file.
    ///   - path: destination path; its folder must exist.
    /// - Throws: `FileError` naming the path and the system's reason.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let serial = temporaryCounter.add(1, ordering: .relaxed).newValue
        let temporary = temporaryPath(folder: folder, name: name, tag: "\(getpid())-\(serial)")

        unfinished.withLock { _ = $0.insert(temporary) }
        defer { unfinished.withLock { _ = $0.remove(temporary) } }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, reason: systemReason()) }
        var failure: String?
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc_write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = systemReason()
                    return
                }
                offset += written
            }
        }
        if close(fd) != 0, failure == nil { failure = systemReason() }
        if failure == nil, rename(temporary, path) != 0 { failure = systemReason() }
        if let failure {
            unlink(temporary)
            throw FileError(path: path, reason: failure)
        }
    }

    /// The bytes a path or one file name may have (`PATH_MAX` counts the closing NUL).
    public static let longestPath = Int(PATH_MAX) - 1
    public static let longestName = Int(NAME_MAX)

    /// `.<name>.partial-<tag>` in `folder`, a hidden name that says which file it will become.
    /// Where that would pass the system's limits although `name` itself fits, the copy of
    /// `name` is shortened: the temporary file never fails where the file itself would not.
    static func temporaryPath(folder: String, name: String, tag: String) -> String {
        let prefix = folder.isEmpty ? "" : folder + "/"
        let suffix = ".partial-" + tag
        let room = min(longestName, longestPath - prefix.utf8.count) - 1 - suffix.utf8.count
        var stem = Substring(name)
        while stem.utf8.count > max(0, room) { stem = stem.dropLast() }
        return prefix + "." + stem + suffix
    }

    /// Makes Ctrl-C (SIGINT), SIGTERM and SIGHUP delete any temporary file being written before
    /// the process exits (with status 128 + signal number, as a shell reports it), so an
    /// interrupted run leaves neither half a file nor a stray temporary one. Call it once, early.
    ///
    /// Text printed before the signal is written out first: standard output to a file or a
    /// pipe is buffered, and exiting without a flush would cut it off mid-word.
    public static func removeUnfinishedFilesOnInterrupt() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)   // the dispatch source below handles it instead
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                unfinished.withLock { paths in
                    for path in paths { unlink(path) }
                    paths.removeAll()
                }
                fflush(nil)   // every output stream: standard output is the one that matters
                _exit(128 + signalNumber)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// The current `errno` as text ("Permission denied").
    public static func systemReason() -> String {
        String(cString: strerror(errno))
    }
}

// NOTE: `write` is shadowed inside `AtomicFile` by its own static method; this names the system call.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
