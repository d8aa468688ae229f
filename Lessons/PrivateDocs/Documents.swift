// Reading a folder of private documents and cutting them into overlapping chunks of lines, each
// remembered with its file and line range so that every answer can name its source.

import Foundation

/// One text file of the collection: its path relative to the folder, and its lines.
struct Document: Sendable {
    let file: String
    let lines: [String]
}

/// A run of consecutive non-empty lines of one document.
struct Chunk: Sendable {
    let document: Int
    let file: String
    /// 1-based line numbers in the file, inclusive.
    let firstLine: Int, lastLine: Int
    /// The chunk's lines (blank lines left out) joined by newlines.
    let text: String
    /// The sentences of the chunk with the line each starts on, for the extractive answer.
    let sentences: [(text: String, line: Int)]
}

enum DocumentFolder {
    /// The extensions that are read as text.
    static let extensions: Set<String> = ["txt", "md"]

    /// Every `.txt` and `.md` file under `folder` (sorted by path), and notes on what was skipped:
    /// other files (counted) and files that are not UTF-8 (named).
    /// - Throws: `LessonError` when the folder is missing, not a folder, or holds no readable text file.
    static func read(_ folder: String) throws -> (documents: [Document], notes: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw LessonError("the documents folder \(folder) does not exist")
        }
        guard isDirectory.boolValue else { throw LessonError("--docs \(folder) is a file, not a folder") }
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw LessonError("cannot list the documents folder \(folder)")
        }
        var paths: [String] = []
        var otherFiles = 0
        while let path = enumerator.nextObject() as? String {
            let full = (folder as NSString).appendingPathComponent(path)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue else { continue }
            if extensions.contains((path as NSString).pathExtension.lowercased()) { paths.append(path) } else { otherFiles += 1 }
        }
        paths.sort()
        var documents: [Document] = []
        var notes: [String] = []
        if otherFiles > 0 { notes.append("skipped \(otherFiles) file(s) that are not .txt or .md") }
        for path in paths {
            let full = (folder as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: full) else {
                notes.append("skipped \(path): it cannot be read")
                continue
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                notes.append("skipped \(path): it is not valid UTF-8 text")
                continue
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
            }
            documents.append(Document(file: path, lines: lines))
        }
        guard !documents.isEmpty else {
            throw LessonError(paths.isEmpty ? "the documents folder \(folder) holds no .txt or .md files"
                                            : "the documents folder \(folder) holds no readable UTF-8 text files")
        }
        guard documents.contains(where: { $0.lines.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }) else {
            throw LessonError("the text files in \(folder) are all empty")
        }
        return (documents, notes)
    }

    /// The documents shipped with the lesson (four short fictional texts).
    static var lessonFolder: String {
        Bundle.module.resourceURL!.appendingPathComponent("Documents").path
    }
}

// MARK: - Chunking

/// Cuts each document into chunks of `size` non-empty lines, consecutive chunks sharing
/// `overlap` lines, so that a sentence near a border is whole in at least one chunk:
///
///     lines 1 2 3 4 5 6 7 8 9,  size 4, overlap 1  →  [1–4] [4–7] [7–9]
///
/// A chunk remembers its file and line range; its sentences are split at `.`, `?`, `!`, `:`
/// followed by a space, and at line ends.
func chunk(_ documents: [Document], size: Int, overlap: Int) -> [Chunk] {
    precondition(size > overlap && overlap >= 0)
    var chunks: [Chunk] = []
    for (d, document) in documents.enumerated() {
        let numbered = document.lines.enumerated()
            .map { (line: $0.offset + 1, text: $0.element.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.text.isEmpty }
        var start = 0
        while start < numbered.count {
            let part = numbered[start..<min(start + size, numbered.count)]
            let sentences = part.flatMap { line in splitSentences(line.text).map { (text: $0, line: line.line) } }
            chunks.append(Chunk(document: d, file: document.file, firstLine: part.first!.line, lastLine: part.last!.line,
                                text: part.map(\.text).joined(separator: "\n"), sentences: sentences))
            if start + size >= numbered.count { break }
            start += size - overlap
        }
    }
    return chunks
}

/// The sentences of one line: split after `.`, `?` or `!` followed by a space (markdown `#`
/// marks dropped).
func splitSentences(_ line: String) -> [String] {
    var text = Substring(line)
    while text.hasPrefix("#") { text = text.dropFirst() }
    var sentences: [String] = []
    var current = ""
    let characters = Array(text)
    for (i, character) in characters.enumerated() {
        current.append(character)
        let atEnd = i + 1 == characters.count || characters[i + 1] == " "
        if ".?!".contains(character), atEnd, current.count > 12 {
            sentences.append(current.trimmingCharacters(in: .whitespaces))
            current = ""
        }
    }
    let rest = current.trimmingCharacters(in: .whitespaces)
    if !rest.isEmpty { sentences.append(rest) }
    return sentences
}
