// The lesson machinery: name suggestions, the context's files, seeds per purpose.

import Foundation
import Testing
import TensorCore
@testable import Lessons

@Suite struct LessonSupportTests {
    @Test func editDistanceCountsSingleCharacterEdits() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("abc", "") == 3)
        #expect(editDistance("same", "same") == 0)
    }

    @Test func closestNameCatchesTyposButNotNonsense() {
        #expect(closestLessonName(to: "positonal-encoding") == "positional-encoding")
        #expect(closestLessonName(to: "Positional-Encoding") == "positional-encoding")
        #expect(closestLessonName(to: "flash") == "flash-vs-standard")
        #expect(closestLessonName(to: "zebra") == nil)
    }

    @Test func everyLessonHasAUniqueNameAndASummary() {
        let names = lessons.map { $0.name }
        #expect(Set(names).count == names.count)
        #expect(lessons.allSatisfy { !$0.summary.isEmpty && $0.name == $0.name.lowercased() })
    }

    @Test func wrapKeepsWordsWhole() {
        let text = wrap("the quick brown fox jumps over the lazy dog", width: 10)
        #expect(text == "the quick\nbrown fox\njumps over\nthe lazy\ndog")
    }

    @Test func formatAvoidsNegativeZero() {
        #expect(format(-0.0001, 2) == "0.00")
        #expect(format(-1.5, 1) == "-1.5")
        #expect(scientific(0) == "0")
        #expect(scientific(3.14e-8) == "3.1e-08")
    }

    @Test func generatorsDependOnSeedAndPurposeOnly() {
        let a = LessonContext(outputDirectory: "/tmp", seed: 1, quick: true, print: { _ in })
        let b = LessonContext(outputDirectory: "/tmp", seed: 1, quick: true, print: { _ in })
        let c = LessonContext(outputDirectory: "/tmp", seed: 2, quick: true, print: { _ in })
        var x = a.generator(for: "weights"), y = b.generator(for: "weights")
        var z = c.generator(for: "weights"), w = a.generator(for: "embeddings")
        let first = x.next()
        #expect(first == y.next())
        #expect(first != z.next())
        #expect(first != w.next())
    }

    @Test func contextWritesTensorsAndListsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ctx-\(UUID().uuidString)").path
        try LessonContext.prepareOutputDirectory(folder)
        var printed: [String] = []
        let context = LessonContext(outputDirectory: folder, seed: 0, quick: true, print: { printed.append($0) })
        try context.save(Tensor([1, 2, 3]), as: "v")
        #expect(context.writtenFiles == [folder + "/v.npy"])
        #expect(try Tensor(npyFile: folder + "/v.npy") == Tensor([1, 2, 3]))
        #expect(context.summary().contains("v.npy"))
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["v.npy"])
    }

    @Test func checkingAnOutputDirectoryCreatesNothing() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)").path
        try LessonContext.checkOutputDirectory(base + "/new/deeper")
        #expect(!FileManager.default.fileExists(atPath: base))
        // A path leaving no room for the files' names is refused, and nothing is created for it.
        let tooLong = base + "/" + Array(repeating: String(repeating: "x", count: 200), count: 20).joined(separator: "/")
        #expect(throws: LessonError.self) { try LessonContext.prepareOutputDirectory(tooLong) }
        #expect(!FileManager.default.fileExists(atPath: base))
    }

    @Test func outputDirectoryThatIsAFileIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("file-\(UUID().uuidString)").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: LessonError.self) { try LessonContext.prepareOutputDirectory(file) }
        #expect(throws: LessonError.self) { try LessonContext.prepareOutputDirectory(file + "/inside") }
    }
}
