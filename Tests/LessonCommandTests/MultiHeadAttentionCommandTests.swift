// End to end: the `lesson` binary runs multi-head-attention --quick, writes every figure it lists
// in its captions with the data beside it and the promised CSV columns, reuses its cached weights
// on a second run (byte-identical files), answers --sentence, and refuses bad options with one
// line and no files.

import Foundation
import Testing
import TensorCore

@Suite("lesson multi-head-attention, end to end", .serialized)
struct MultiHeadAttentionCommandTests {
    static let tables = ["ablation.csv", "ablation.md", "accuracy.csv", "accuracy.md", "heads.csv", "heads.md",
                         "parameters.csv", "parameters.md", "scaling_entropy.csv", "scaling_entropy.md"]
    static let weights = ["baseline.safetensors", "multi_head.safetensors", "one_head.safetensors"]
    /// Every figure the lesson lists in `figureCaptions`, each with its data: `.npy` for matrices, `.csv` for charts.
    static let figureNames = [
        "architecture", "one_head_x", "one_head_q", "one_head_k", "one_head_v", "one_head_scores", "one_head_scaled",
        "one_head_weights", "one_head_output", "scaling", "untrained_gallery", "untrained_head_view", "loss_curves",
        "it_attention", "gallery_hungry", "gallery_sweet", "head_view_hungry", "head_view_sweet", "heads", "ablation", "boy_ball",
    ]
    static let figures: [String] = figureNames.flatMap { name -> [String] in
        let csv = ["architecture", "scaling", "loss_curves", "it_attention", "heads", "ablation"].contains(name)
        return ["\(name).png", "\(name)\(csv ? ".csv" : ".npy")"]
    }
    /// Files whose content depends only on the seed; `training.csv/.md` hold timings.
    static var deterministicFiles: [String] { Array(Set(figures + tables + weights)).sorted() }
    static let timingFiles = ["handout.md", "index.html", "training.csv", "training.md"]

    static let first: Result<LessonRun, any Error> = Result { try LessonRunner.run(["multi-head-attention", "--quick", "--output", "out"]) }

    static func firstRun() throws -> LessonRun { try LessonRunner.succeeded(first) }

    @Test("--quick writes every listed figure with its data and the promised CSV columns")
    func quickRunWritesEverything() throws {
        let run = try Self.firstRun()
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == (Self.deterministicFiles + Self.timingFiles).sorted())
        #expect(run.stdout.contains("Wrote \(Self.deterministicFiles.count + Self.timingFiles.count) files"))

        let accuracy = try csvRows(output.appendingPathComponent("accuracy.csv"))
        #expect(accuracy.first == ["model", "split", "accuracy"])
        #expect(Set(accuracy.dropFirst().map { $0[0] }) == ["multi_head", "baseline", "one_head"])
        #expect(accuracy.count == 7)
        for row in accuracy.dropFirst() { #expect((0...1).contains(Double(row[2])!)) }

        // The parameter table sums to the model's own count.
        let parameters = try csvRows(output.appendingPathComponent("parameters.csv"))
        let parts = parameters.dropFirst().filter { !$0[0].hasPrefix("total") }.map { Int($0[2])! }
        let total = parameters.first { $0[0] == "total" }.map { Int($0[2])! }
        let counted = parameters.first { $0[0] == "total counted in the model" }.map { Int($0[2])! }
        #expect(total == parts.reduce(0, +) && total == counted)

        // Attention maps: every row of every head sums to 1.
        let gallery = try Tensor(npyFile: output.appendingPathComponent("gallery_hungry.npy").path)
        #expect(gallery.shape == [2, 4, 10, 10])
        let g = gallery.scalars
        for row in 0..<(2 * 4 * 10) { #expect(abs(g[(row * 10)..<(row * 10 + 10)].reduce(0, +) - 1) < 1e-4) }
        let weights = try Tensor(npyFile: output.appendingPathComponent("one_head_weights.npy").path)
        for i in 0..<10 { #expect(abs((0..<10).reduce(Float(0)) { $0 + weights[i, $1] } - 1) < 1e-5) }

        let heads = try csvRows(output.appendingPathComponent("heads.csv"))
        #expect(heads.first == ["layer", "head", "entropy", "mean_distance", "previous_share",
                                "it_to_cat_hungry", "it_to_milk_hungry", "it_to_cat_sweet", "it_to_milk_sweet"])
        #expect(heads.count == 1 + 2 * 4)
        // it_attention.csv: the several-head model's 8 heads and the one-head model's 2, in both sentences;
        // its several-head rows are the last four columns of heads.csv.
        let it = try csvRows(output.appendingPathComponent("it_attention.csv"))
        #expect(it.first == ["model", "layer", "head", "sentence", "to_cat", "to_milk"] && it.count == 1 + 2 * 10)
        for row in heads.dropFirst() {
            let hungry = it.first { $0[0] == "multi_head" && $0[1] == row[0] && $0[2] == row[1] && $0[3] == "hungry" }
            let sweet = it.first { $0[0] == "multi_head" && $0[1] == row[0] && $0[2] == row[1] && $0[3] == "sweet" }
            #expect(hungry.map { Array($0[4...5]) } == Array(row[5...6]) && sweet.map { Array($0[4...5]) } == Array(row[7...8]))
        }
        let ablation = try csvRows(output.appendingPathComponent("ablation.csv"))
        #expect(ablation.first == ["layer", "head", "heldout_accuracy"] && ablation.count == 1 + 1 + 2 * 4)
        // The scaling table: the measured variance of q·k near its closed form d_k.
        let scaling = try csvRows(output.appendingPathComponent("scaling.csv"))
        for row in scaling.dropFirst() { #expect(abs(Double(row[2])! / Double(row[1])! - 1) < 0.15, "\(row)") }

        for name in Self.deterministicFiles where name.hasSuffix(".png") {
            let size = try #require(try pngSize(output.appendingPathComponent(name)), "\(name) is not a PNG")
            #expect(size.width >= 400 && size.width <= 3000 && size.height >= 300 && size.height <= 3000, "\(name): \(size)")
        }
        #expect(run.stderr.contains("multi-head + baseline + one-head: step 1/"), "one progress bar for the three models trained side by side")
        // The lesson speaks to students: no acceptance thresholds in what it prints (the first
        // lines are the shared header, whose build flags say "-target-cpu").
        let body = run.stdout.split(separator: "\n").dropFirst(2).joined(separator: "\n").lowercased()
        let words = Set(body.split(whereSeparator: { !$0.isLetter }).map(String.init))
        #expect(words.isDisjoint(with: ["bar", "bars", "target", "goal", "threshold"]), "the lesson prints an acceptance word")
    }

    @Test("a second run reuses the weights with the same bytes; retraining on one thread gives the same bytes")
    func cacheAndDeterminism() throws {
        let first = try Self.firstRun()
        let output = first.folder.appendingPathComponent("out")
        func snapshot(_ folder: URL) throws -> [String: Data] {
            try Dictionary(uniqueKeysWithValues: Self.deterministicFiles.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) })
        }
        let before = try snapshot(output)
        let cached = try LessonRunner.run(["multi-head-attention", "--quick", "--output", "out"], in: first.folder)
        #expect(cached.status == 0, "stderr: \(cached.stderr)")
        for file in Self.weights { #expect(cached.stdout.contains("reusing the weights in \(file)")) }
        #expect(!cached.stderr.contains("step 1/"), "nothing should train: \(cached.stderr)")
        let after = try snapshot(output)
        for name in Self.deterministicFiles { #expect(before[name] == after[name], "\(name) changed on the cached run") }

        let retrained = try LessonRunner.run(["multi-head-attention", "--quick", "--retrain", "--threads", "1", "--output", "fresh"],
                                             in: first.folder)
        #expect(retrained.status == 0, "stderr: \(retrained.stderr)")
        let again = try snapshot(first.folder.appendingPathComponent("fresh"))
        for name in Self.deterministicFiles { #expect(before[name] == again[name], "\(name) differs when trained again on one thread") }
    }

    @Test("--sentence writes referent.csv over the nouns before \"it\", and its attention")
    func sentence() throws {
        let first = try Self.firstRun()
        let run = try LessonRunner.run(["multi-head-attention", "--quick", "--output", "one",
                                        "--sentence", "The dog ate the cake because it was sweet."], in: first.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let folder = first.folder.appendingPathComponent("one")
        let rows = try csvRows(folder.appendingPathComponent("referent.csv"))
        #expect(rows.first == ["sentence", "candidate", "probability"])
        #expect(rows.dropFirst().map { $0[1] } == ["dog", "cake"])
        #expect(abs(rows.dropFirst().reduce(0.0) { $0 + Double($1[2])! } - 1) < 1e-3)
        let files = Set(LessonRunner.files(in: folder))
        #expect(files.isSuperset(of: ["sentence_gallery.png", "sentence_gallery.npy", "sentence_head_view.png", "sentence_head_view.npy",
                                      "referent.csv", "multi_head.safetensors"]))
    }

    @Test("bad options fail with one line, a non-zero exit and no files", arguments: [
        (["--sentence", "the zebra ate the cake because it was sweet"], "\"zebra\""),
        (["--sentence", "the dog ate the cake"], "\"it\""), (["--sentence", "it was sweet"], "noun"),
        (["--heads", "3"], "--heads"), (["--d-model", "7"], "--d-model"), (["--steps", "0"], "--steps"), (["--layers", "0"], "--layers"),
    ])
    func badOptions(arguments: [String], fragment: String) throws {
        let run = try LessonRunner.run(["multi-head-attention", "--quick"] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(fragment), "\(run.stderr)")
        #expect(LessonRunner.files(in: run.folder).isEmpty)
    }
}
