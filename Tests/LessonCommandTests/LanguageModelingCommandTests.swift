// End to end: the `lesson` binary runs language-modeling --quick, writes what it promises with
// the promised CSV columns, reuses its cached weights on a second run (byte-identical files),
// retrains on one thread to the same bytes, answers --score/--fill/--generate, and refuses bad
// options with one line and no files.

import Foundation
import Testing
import TensorCore

@Suite("lesson language-modeling, end to end", .serialized)
struct LanguageModelingCommandTests {
    /// Files whose content depends only on the seed; `training.csv/.md` hold timings.
    static let deterministicFiles = [
        "attention_clm_head.npy", "attention_clm_head.png", "attention_clm_mean.npy", "attention_clm_mean.png",
        "attention_mlm_head.npy", "attention_mlm_head.png", "attention_mlm_mean.npy", "attention_mlm_mean.png",
        "attention_seq2seq_head.npy", "attention_seq2seq_head.png", "attention_seq2seq_mean.npy", "attention_seq2seq_mean.png",
        "clm.safetensors", "corpus_sample.csv", "corpus_sample.md",
        "fill_blank.csv", "fill_blank_1.csv", "fill_blank_1.png", "fill_blank_2.csv", "fill_blank_2.png",
        "fill_blank_top5.csv", "fill_blank_top5.md", "generation.csv", "generation.md",
        "long_range.csv", "long_range.png", "loss_curves.csv", "loss_curves.png", "masks.npy", "masks.png",
        "mlm.safetensors", "next_sentence.csv", "next_sentence_sample.csv", "next_sentence_sample.md",
        "objectives.csv", "objectives.md", "sentence_scores.csv", "sentence_scores.png",
        "sentence_totals.csv", "sentence_totals.md", "seq2seq.safetensors", "summary.csv", "summary.md",
    ]
    static let timingFiles = ["handout.md", "index.html", "training.csv", "training.md"]

    static let first: Result<LessonRun, any Error> = Result { try LessonRunner.run(["language-modeling", "--quick", "--output", "out"]) }

    static func firstRun() throws -> LessonRun { try LessonRunner.succeeded(first) }

    @Test("--quick writes every file with the promised CSV columns")
    func quickRunWritesEverything() throws {
        let run = try Self.firstRun()
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == (Self.deterministicFiles + Self.timingFiles).sorted())
        #expect(run.stdout.contains("Wrote \(Self.deterministicFiles.count + Self.timingFiles.count) files"))

        let scores = try csvRows(output.appendingPathComponent("sentence_scores.csv"))
        #expect(scores.first == ["model", "sentence", "position", "token", "logprob"])
        let japan = scores.dropFirst().filter { $0[1] == "Japan is the home of cherry blossoms." }
        #expect(japan.map { $0[3] } == ["japan", "is", "the", "home", "of", "cherry", "blossoms", "."])
        #expect(japan.map { $0[2] } == (1...8).map { "\($0)" })
        for row in scores.dropFirst() { #expect((Double(row[4]) ?? 1) <= 0, "a log-probability is ≤ 0: \(row)") }
        // The totals table is the sum of the per-token log-probabilities; perplexity = exp(−total / words).
        let totals = try csvRows(output.appendingPathComponent("sentence_totals.csv"))
        for row in totals.dropFirst() {
            let tokens = scores.dropFirst().filter { $0[1] == row[0] }
            let sum = tokens.reduce(0.0) { $0 + Double($1[4])! }
            #expect(tokens.count == Int(row[1]) && abs(sum - Double(row[2])!) < 0.01, "\(row)")
            #expect(abs(exp(-Double(row[2])! / Double(row[1])!) - Double(row[4])!) <= 0.05 * Double(row[4])! + 0.05)
        }

        let fill = try csvRows(output.appendingPathComponent("fill_blank.csv"))
        #expect(fill.first == ["model", "sentence", "rank", "token", "probability"])
        for model in ["mlm", "clm"] {
            for sentence in Set(fill.dropFirst().map { $0[1] }) {
                let rows = fill.dropFirst().filter { $0[0] == model && $0[1] == sentence }
                let p = rows.map { Double($0[4])! }
                #expect(rows.map { $0[2] } == ["1", "2", "3", "4", "5"])
                #expect(p == p.sorted(by: >) && p.reduce(0, +) <= 1.0001 && p.allSatisfy { $0 >= 0 })
            }
        }

        let longRange = try csvRows(output.appendingPathComponent("long_range.csv"))
        #expect(longRange.first == ["model", "fillers", "p_correct"])
        #expect(Set(longRange.dropFirst().map { $0[0] }) == ["clm", "mlm", "trigram"])
        #expect(Set(longRange.dropFirst().map { $0[1] }) == ["0", "5", "10", "15", "20"])
        for row in longRange.dropFirst() { #expect((0...1).contains(Double(row[2])!)) }
        // The trigram model sees only "amiss by", whatever the fillers: the same p at every count.
        #expect(Set(longRange.dropFirst().filter { $0[0] == "trigram" }.map { $0[2] }).count == 1)

        // masks.npy: CLM block lower-triangular, MLM block full, seq2seq encoder rows never see the target.
        let masks = try Tensor(npyFile: output.appendingPathComponent("masks.npy").path)
        let m = 7, n = 7   // "anna gave food to the cow ." and "[BOS] the cow ate the food happily"
        #expect(masks.shape == [m + n, 3 * m + 2 + n])
        for i in 0..<m {
            for j in 0..<m {
                #expect(masks[i, j] == (j <= i ? 1 : 0))
                #expect(masks[i, m + 1 + j] == 1)
                #expect(masks[i, 2 * m + 2 + j] == 1)
            }
            for j in 0..<n { #expect(masks[i, 3 * m + 2 + j] == 0) }
        }
        for i in 0..<n {
            for j in 0..<m { #expect(masks[m + i, 2 * m + 2 + j] == 1) }
            for j in 0..<n { #expect(masks[m + i, 3 * m + 2 + j] == (j <= i ? 1 : 0)) }
        }
        // The CLM's attention cannot look ahead: its heatmap's data is zero above the diagonal.
        let attention = try Tensor(npyFile: output.appendingPathComponent("attention_clm_mean.npy").path)
        for i in 0..<attention.shape[0] {
            var sum: Float = 0
            for j in 0..<attention.shape[1] {
                sum += attention[i, j]
                if j > i { #expect(attention[i, j] == 0) }
            }
            #expect(abs(sum - 1) < 1e-4)
        }
        let curves = try csvRows(output.appendingPathComponent("loss_curves.csv"))
        #expect(curves.first == ["model", "step", "tokens_seen", "train_loss", "validation_loss"])
        // The same stories in the same order: the three models have seen the same tokens at every step.
        for step in Set(curves.dropFirst().map { $0[1] }) {
            #expect(Set(curves.dropFirst().filter { $0[1] == step }.map { $0[2] }).count == 1, "step \(step)")
        }
        for name in Self.deterministicFiles where name.hasSuffix(".png") {
            let size = try #require(try pngSize(output.appendingPathComponent(name)), "\(name) is not a PNG")
            #expect(size.width >= 400 && size.width <= 3000 && size.height >= 300 && size.height <= 3000, "\(name): \(size)")
        }
        #expect(run.stderr.contains("CLM + MLM + seq2seq: step 1/"), "one progress bar for the three models trained side by side")
    }

    @Test("a second run reuses the weights with the same bytes; retraining on one thread, or in a new folder, gives the same bytes")
    func cacheAndDeterminism() throws {
        let first = try Self.firstRun()
        let output = first.folder.appendingPathComponent("out")
        func snapshot(_ folder: URL) throws -> [String: Data] {
            try Dictionary(uniqueKeysWithValues: Self.deterministicFiles.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) })
        }
        let before = try snapshot(output)

        let cached = try LessonRunner.run(["language-modeling", "--quick", "--output", "out"], in: first.folder)
        #expect(cached.status == 0, "stderr: \(cached.stderr)")
        for file in ["clm", "mlm", "seq2seq"] { #expect(cached.stdout.contains("reusing the weights in \(file).safetensors")) }
        #expect(!cached.stderr.contains("step 1/"), "nothing should train: \(cached.stderr)")
        let after = try snapshot(output)
        for name in Self.deterministicFiles { #expect(before[name] == after[name], "\(name) changed on the cached run") }

        let retrained = try LessonRunner.run(["language-modeling", "--quick", "--retrain", "--threads", "1", "--output", "fresh"],
                                             in: first.folder)
        #expect(retrained.status == 0, "stderr: \(retrained.stderr)")
        let again = try snapshot(first.folder.appendingPathComponent("fresh"))
        for name in Self.deterministicFiles { #expect(before[name] == again[name], "\(name) differs when trained again on one thread") }
    }

    @Test("another seed trains again and says why; --score, --fill and --generate answer with the cached models")
    func questionsAndStaleCache() throws {
        let first = try Self.firstRun()
        let score = try LessonRunner.run(["language-modeling", "--quick", "--output", "out", "--score", "Japan is the home of cherry blossoms."],
                                         in: first.folder)
        #expect(score.status == 0, "stderr: \(score.stderr)")
        #expect(score.stdout.contains("reusing the weights in clm.safetensors"))
        let scored = try csvRows(first.folder.appendingPathComponent("out/score.csv"))
        #expect(scored.first == ["model", "sentence", "position", "token", "logprob"])
        let lesson = try csvRows(first.folder.appendingPathComponent("out/sentence_scores.csv"))
            .filter { $0.count == 5 && $0[1] == "Japan is the home of cherry blossoms." }
        #expect(Array(scored.dropFirst()) == lesson, "--score agrees with the lesson's own scores")

        let fill = try LessonRunner.run(["language-modeling", "--quick", "--output", "out",
                                         "--fill", "The [MASK] told them something was amiss by barking urgently."], in: first.folder)
        #expect(fill.status == 0, "stderr: \(fill.stderr)")
        let filled = try csvRows(first.folder.appendingPathComponent("out/fill.csv"))
        #expect(filled.first == ["model", "sentence", "rank", "token", "probability"] && filled.count == 6)
        let lessonFill = try csvRows(first.folder.appendingPathComponent("out/fill_blank.csv"))
            .filter { $0.count == 5 && $0[0] == "mlm" && $0[1] == "The [MASK] told them something was amiss by barking urgently." }
        #expect(Array(filled.dropFirst()) == lessonFill)

        let generate = try LessonRunner.run(["language-modeling", "--quick", "--output", "out", "--generate", "the dog"], in: first.folder)
        #expect(generate.status == 0, "stderr: \(generate.stderr)")
        let generated = try csvRows(first.folder.appendingPathComponent("out/generate.csv"))
        #expect(generated.first == ["prompt", "method", "text"] && generated.dropFirst().allSatisfy { $0[2].hasPrefix("the dog") })

        let reseeded = try LessonRunner.run(["language-modeling", "--quick", "--seed", "43", "--output", "out", "--score", "the dog"],
                                            in: first.folder)
        #expect(reseeded.status == 0)
        #expect(reseeded.stdout.contains("clm.safetensors holds weights trained with other settings or another seed"))
    }

    @Test("bad options fail with one line, a non-zero exit and no files", arguments: [
        (["--score", "the dgo barked"], "\"dgo\""), (["--fill", "the dog told them"], "[MASK]"), (["--fill", "the dgo [MASK]"], "\"dgo\""),
        (["--fill", "the [MASK] told [MASK]"], "[MASK]"), (["--heads", "3"], "--heads"), (["--d-model", "7"], "--d-model"),
        (["--steps", "0"], "--steps"), (["--layers", "0"], "--layers"), (["--generate", "zebra"], "\"zebra\""),
    ])
    func badOptions(arguments: [String], fragment: String) throws {
        let run = try LessonRunner.run(["language-modeling", "--quick"] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(fragment), "\(run.stderr)")
        #expect(LessonRunner.files(in: run.folder).isEmpty)
    }
}
