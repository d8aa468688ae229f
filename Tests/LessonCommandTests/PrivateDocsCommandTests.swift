// End to end: the `lesson` binary runs private-docs --quick, writes what it promises with the
// promised CSV columns and no document text outside quoted answers, reuses its cached encoder on a
// second run with byte-identical files, answers --query over a folder of one's own with the tiny
// reference BERT (--model), writes --embed's vector equal to NumPy's, and refuses bad input with
// one line, exit 64 and no files.

import Foundation
import Testing
import TensorCore

@Suite("lesson private-docs, end to end", .serialized)
struct PrivateDocsCommandTests {
    static let files = [
        "answers_sample.csv", "answers_sample.md", "answers_top3.csv", "chunks.csv", "chunks.md", "chunks.npy", "chunks.png",
        "embedding_map.csv", "embedding_map.png", "encoder.safetensors", "encoder_loss.csv", "encoder_loss.png",
        "frog_tokens.csv", "frog_tokens.md", "frog_vectors.npy", "frog_vectors.png", "id_neighbours.csv", "id_neighbours.md",
        "index.csv", "index.npy", "query_chunk_similarity.npy", "query_chunk_similarity.png", "recall.csv", "recall.png",
        "recall_table.csv", "recall_table.md", "retrieval.csv", "retrieval_by_question.csv",
        "similarity_by_embedding.npy", "similarity_by_embedding.png", "similarity_by_id.npy", "similarity_by_id.png",
        "tokenizer_merges.csv", "tokenizer_merges.md", "word_pieces.csv", "word_pieces.md",
    ]
    /// The handout quotes the run's tables (the answers among them), so it is neither free of
    /// quoted sentences nor, with the training table of a first run, the same on a cached run.
    static let handoutFiles = ["handout.md", "index.html"]
    static let references = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LessonsTests/References")
    static let tinyModel = references.appendingPathComponent("TinyBERT").path
    static let documents = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Lessons/PrivateDocs/Documents")

    static let first: Result<LessonRun, any Error> = Result { try LessonRunner.run(["private-docs", "--quick", "--output", "out"]) }

    static func firstRun() throws -> LessonRun { try LessonRunner.succeeded(first) }

    @Test("--quick writes every file, with the promised columns, and no document text beyond quoted answers")
    func quickRunWritesEverything() throws {
        let run = try Self.firstRun()
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == (Self.files + Self.handoutFiles).sorted())
        let retrieval = try csvRows(output.appendingPathComponent("retrieval.csv"))
        #expect(retrieval.first == ["model", "k", "recall"])
        #expect(retrieval.dropFirst().map { [$0[0], $0[1]] } == [["BM25", "1"], ["BM25", "3"], ["built-in", "1"], ["built-in", "3"]])
        for row in retrieval.dropFirst() { #expect((0...1).contains(Double(row[2])!)) }
        let index = try csvRows(output.appendingPathComponent("index.csv"))
        #expect(index.first == ["chunk", "file", "first_line", "last_line", "content_hash"])
        let vectors = try Tensor(npyFile: output.appendingPathComponent("index.npy").path)
        #expect(vectors.shape[0] == index.count - 1)
        for r in 0..<vectors.shape[0] {
            let norm = try vectors.row(r).scalars.reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-4, "index vectors have unit length")
        }
        // No line of the documents appears in any file but the quoted answers.
        let lines = try FileManager.default.contentsOfDirectory(atPath: Self.documents.path).flatMap { file in
            try String(contentsOf: Self.documents.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
                .map { String($0).trimmingCharacters(in: .whitespaces) }.filter { $0.count > 30 }
        }
        #expect(lines.count > 50)
        for file in Self.files where !file.hasPrefix("answers_") {
            let bytes = try Data(contentsOf: output.appendingPathComponent(file))
            let text = String(decoding: bytes, as: UTF8.self)
            for line in lines { #expect(!text.contains(line), "\(file) holds a document line: \(line)") }
        }
        #expect(!run.stdout.contains("bar") && !run.stdout.contains("goal"))
    }

    @Test("a second run reuses the encoder and writes byte-identical files")
    func cachedRerunIsIdentical() throws {
        let first = try Self.firstRun()
        let output = first.folder.appendingPathComponent("out")
        let before = try Dictionary(uniqueKeysWithValues: Self.files.map { ($0, try Data(contentsOf: output.appendingPathComponent($0))) })
        let again = try LessonRunner.run(["private-docs", "--quick", "--output", "out"], in: first.folder)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("reusing the weights in encoder.safetensors") && !again.stderr.contains("step 1/"))
        for file in Self.files { #expect(before[file] == (try Data(contentsOf: output.appendingPathComponent(file))), "\(file) changed") }
    }

    @Test("--query over a folder of one's own with --model: answers.csv with sources; odd files skipped with a note")
    func queryAsATool() throws {
        let folder = try LessonRunner.makeFolder()
        let docs = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: docs.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "The boiler is serviced every autumn.\nThe rent is due on the first day.\n".write(
            to: docs.appendingPathComponent("house.txt"), atomically: true, encoding: .utf8)
        try "# Notes\n\nThe frog sat on a log by the pond.\n".write(to: docs.appendingPathComponent("sub/pond.md"), atomically: true, encoding: .utf8)
        try Data([0x66, 0x72, 0xC3, 0x28, 0x0A]).write(to: docs.appendingPathComponent("broken.txt"))
        try Data([1, 2, 3]).write(to: docs.appendingPathComponent("picture.png"))
        let run = try LessonRunner.run(["private-docs", "--docs", "mine", "--query", "Where is the frog?", "--k", "2",
                                        "--model", Self.tinyModel, "--output", "out"], in: folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("broken.txt") && run.stdout.contains("not valid UTF-8"))
        #expect(run.stdout.contains("not .txt or .md"))
        #expect(LessonRunner.files(in: folder.appendingPathComponent("out")) == ["answers.csv", "answers.md"] + Self.handoutFiles)
        let answers = try csvRows(folder.appendingPathComponent("out/answers.csv"))
        #expect(answers.first == ["rank", "file", "first_line", "last_line", "score", "sentence"])
        #expect(answers.count == 3 && answers[1][0] == "1" && answers[2][0] == "2")
        #expect(Set(answers.dropFirst().map { $0[1] }).isSubset(of: ["house.txt", "sub/pond.md"]))
        #expect(Double(answers[1][4])! >= Double(answers[2][4])!)
    }

    @Test("--embed writes the vector that the float64 NumPy forward pass gives")
    func embedMatchesNumPy() throws {
        let run = try LessonRunner.run(["private-docs", "--embed", "Frog on a log.", "--model", Self.tinyModel, "--output", "out"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let vector = try Tensor(npyFile: run.folder.appendingPathComponent("out/embedding.npy").path)
        struct Case: Decodable { let text: String; let embedding: [Double]? }
        struct File: Decodable { let cases: [Case] }
        let reference = try JSONDecoder().decode(File.self, from: Data(contentsOf: Self.references.appendingPathComponent("tiny_bert_reference.json")))
        let want = try #require(reference.cases.first { $0.text == "Frog on a log." }?.embedding)
        #expect(vector.shape == [1, want.count])
        for (got, expected) in zip(vector.scalars, want) { #expect(abs(Double(got) - expected) < 1e-5) }
    }

    @Test("bad input fails with one line, exit 64 and no files", arguments: [
        (["--query", "  "], "query is empty"),
        (["--embed", ""], "empty"),
        (["--docs", "nowhere", "--query", "rent"], "does not exist"),
        (["--docs", "empty", "--query", "rent"], "no .txt or .md files"),
        (["--docs", "binary", "--query", "rent"], "no readable UTF-8"),
        (["--docs", "empty"], "needs a --query"),
        (["--query", "rent", "--model", "nowhere"], "does not exist"),
        (["--query", "rent", "--model", "gpt"], "only BERT"),
        (["--query", "rent", "--model", "nomodel"], "no model.safetensors"),
        (["--query", "rent", "--model", "damaged"], "model.safetensors"),
        (["--query", "rent", "--k", "0"], "--k"),
    ])
    func badInput(arguments: [String], fragment: String) throws {
        let folder = try LessonRunner.makeFolder()
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try "just a picture".write(to: folder.appendingPathComponent("empty/readme.pdf"), atomically: true, encoding: .utf8)
        try manager.createDirectory(at: folder.appendingPathComponent("binary"), withIntermediateDirectories: true)
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: folder.appendingPathComponent("binary/notes.txt"))
        for name in ["gpt", "nomodel", "damaged"] {
            try manager.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
            for file in ["config.json", "tokenizer.json", "model.safetensors"] {
                try manager.copyItem(atPath: Self.tinyModel + "/" + file, toPath: folder.appendingPathComponent("\(name)/\(file)").path)
            }
        }
        try #"{"model_type": "gpt2"}"#.write(to: folder.appendingPathComponent("gpt/config.json"), atomically: true, encoding: .utf8)
        try manager.removeItem(at: folder.appendingPathComponent("nomodel/model.safetensors"))
        let damaged = folder.appendingPathComponent("damaged/model.safetensors")
        let bytes = try Data(contentsOf: damaged)
        try bytes.prefix(bytes.count - 100).write(to: damaged)

        let run = try LessonRunner.run(["private-docs"] + arguments + ["--output", "out"], in: folder)
        #expect(run.status == 64, "\(arguments): status \(run.status), stderr \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
        #expect(!manager.fileExists(atPath: folder.appendingPathComponent("out").path), "\(arguments) wrote files")
    }
}
