// What a lesson is, and the one registry that lists them.

import ArgumentParser

/// An executable lesson: it rebuilds one idea of the lecture from first principles and hands
/// its figures and tables to a `LessonContext`.
///
/// A lesson reads top to bottom like the lecture: `run` calls one small function per idea, in
/// lecture order. See Lessons/README.md for how to add one.
public protocol Lesson {
    /// The lesson's own command-line options (`--positions`, `--d-model`, …).
    associatedtype Options: ParsableArguments

    /// The name users type: `lesson <name>`; also the name of its output folder.
    static var name: String { get }
    /// One line for `lesson list`.
    static var summary: String { get }
    /// Every figure the lesson can write, by file name without extension, with one line on what
    /// it shows: for `--list-figures`, for checking `--only`, and for the handout when the
    /// lesson's README says nothing of a figure. Known without running the lesson.
    static var figureCaptions: [(name: String, caption: String)] { get }
    /// Checks the options and the resources they need (memory) before anything is written.
    /// - Throws: `LessonError` (or a `TensorError`) with a one-line message.
    static func validate(_ options: Options, quick: Bool) throws
    /// Runs the lesson, writing through `context`.
    static func run(_ options: Options, in context: LessonContext) throws
}

extension Lesson {
    public static func validate(_ options: Options, quick: Bool) throws {}

    /// The one-line caption of figure `name`, if the lesson writes such a figure.
    public static func caption(of name: String) -> String? {
        figureCaptions.first { $0.name == name }?.caption
    }
}

/// Every lesson that can run, in course order. Adding a lesson means adding one line here.
public nonisolated(unsafe) let lessons: [any Lesson.Type] = [
    PositionalEncodingLesson.self,
    FlashVsStandardLesson.self,
    LanguageModelingLesson.self,
    MultiHeadAttentionLesson.self,
    BahdanauTranslatorLesson.self,
    HardwareLesson.self,
    PrivateDocsLesson.self,
]

/// A failure a user can fix, said in one line.
public struct LessonError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The lesson name closest to `name` by edit distance, if it is close enough to be a likely typo.
public func closestLessonName(to name: String) -> String? {
    let typed = name.lowercased()
    let candidates = lessons.map { $0.name }
    if typed.count >= 3, let started = candidates.first(where: { $0.hasPrefix(typed) }) { return started }
    let scored = candidates.map { ($0, editDistance(typed, $0)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(2, best.0.count / 3) ? best.0 : nil
}

/// Levenshtein distance: the fewest single-character insertions, deletions or substitutions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
