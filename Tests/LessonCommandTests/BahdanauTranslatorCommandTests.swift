// End to end: the `lesson` binary runs bahdanau-translator --quick, writes what it promises,
// reuses its cached weights on a second run (byte-identical files), retrains on --retrain to
// the same weights (with the portable GEMM, on one thread too), retrains when the seed, the GEMM
// backend or OpenBLAS's thread count differs or a cached file is damaged, and refuses bad
// options, and a folder where a checkpoint goes, with one line before training.

import Foundation
import Testing
import TensorCore
import TestSupport

@Suite("lesson bahdanau-translator, end to end", .serialized)
struct BahdanauTranslatorCommandTests {
    /// Files whose content depends only on the seed; `training.csv/.md` hold timings.
    static let deterministicFiles = [
        "alignment_1.npy", "alignment_1.png", "alignment_2.npy", "alignment_2.png",
        "alignment_3.npy", "alignment_3.png", "alignment_4.npy", "alignment_4.png",
        "alignment_check.csv", "alignment_check.md",
        "bahdanau.safetensors", "baseline.safetensors",
        "by_length.csv", "by_length.png",
        "corpus_sample.csv", "corpus_sample.md",
        "length_histogram.csv", "length_histogram.png",
        "loss_curves.csv", "loss_curves.png",
        "side_by_side.csv", "side_by_side.md",
        "special_tokens.csv", "special_tokens.md",
        "splits.csv", "splits.md",
        "summary.csv", "summary.md",
        "translations.csv",
    ]
    static let timingFiles = ["handout.md", "index.html", "training.csv", "training.md"]

    /// One quick run, shared by the tests that only read what it wrote.
    static let first: Result<LessonRun, any Error> = Result { try LessonRunner.run(["bahdanau-translator", "--quick", "--output", "out"]) }

    static func firstRun() throws -> LessonRun { try LessonRunner.succeeded(first) }

    /// One quick run with the portable GEMM on two threads, shared by the tests of the cache key.
    static let portable: Result<LessonRun, any Error> = Result {
        try LessonRunner.run(["bahdanau-translator", "--quick", "--gemm", "portable", "--threads", "2", "--output", "out"])
    }

    static func portableRun() throws -> LessonRun {
        let run = try portable.get()
        #expect(run.status == 0, "stderr: \(run.stderr)")
        return run
    }

    /// The deterministic files of `folder`, by name.
    static func snapshot(_ folder: URL) throws -> [String: Data] {
        try Dictionary(uniqueKeysWithValues: deterministicFiles.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) })
    }

    /// The "configuration" line in a checkpoint's metadata, read from the safetensors header
    /// directly (8 bytes of little-endian header length, then JSON).
    static func cacheKey(_ url: URL) throws -> String? {
        let bytes = [UInt8](try Data(contentsOf: url))
        guard bytes.count >= 8 else { return nil }
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length <= bytes.count - 8 else { return nil }
        let json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any]
        return (json?["__metadata__"] as? [String: String])?["configuration"]
    }

    @Test("--quick writes every file, with the promised CSV columns and every held-out translation")
    func quickRunWritesEverything() throws {
        let run = try Self.firstRun()
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == (Self.deterministicFiles + Self.timingFiles).sorted())
        #expect(run.stdout.contains("Wrote \(Self.deterministicFiles.count + Self.timingFiles.count) files"))

        let byLength = try csvRows(output.appendingPathComponent("by_length.csv"))
        #expect(byLength.first == ["length_bucket", "model", "bleu", "exact_match", "count"])
        let translations = try csvRows(output.appendingPathComponent("translations.csv"))
        #expect(translations.first == ["model", "source", "reference", "hypothesis"])
        let splits = try csvRows(output.appendingPathComponent("splits.csv"))
        let testPairs = try #require(Int(splits.first { $0.first == "test" }?[1] ?? ""))
        #expect(translations.count == 1 + 2 * testPairs)
        #expect(Set(translations.dropFirst().map { $0[0] }) == ["baseline", "bahdanau"])
        for row in translations.dropFirst() {
            #expect(row.count == 4 && !row[1].isEmpty && !row[2].isEmpty)
            #expect(!row[1].contains("  ") && row[2].hasSuffix(" ."), "tokens are separated by one space: \(row)")
        }
        // by_length counts cover the test set once per model; exact match there agrees with translations.csv.
        for model in ["baseline", "bahdanau"] {
            let rows = byLength.dropFirst().filter { $0[1] == model }
            #expect(rows.reduce(0) { $0 + (Int($1[4]) ?? 0) } == testPairs)
            let exact = translations.dropFirst().filter { $0[0] == model && $0[2] == $0[3] }.count
            let fromBuckets = rows.reduce(0.0) { $0 + (Double($1[3]) ?? 0) * (Double($1[4]) ?? 0) }
            #expect(abs(fromBuckets - Double(exact)) < 0.01 * Double(testPairs), "\(model): \(fromBuckets) vs \(exact)")
            for row in rows {
                let bleu = try #require(Double(row[2])), match = try #require(Double(row[3]))
                #expect((0...1).contains(bleu) && (0...1).contains(match))
            }
        }
        // An alignment matrix: one row per French word written (each a distribution over the English words).
        let alignment = try Tensor(npyFile: output.appendingPathComponent("alignment_1.npy").path)
        #expect(alignment.rank == 2)
        for row in 0..<alignment.shape[0] {
            let sum = (0..<alignment.shape[1]).reduce(Float(0)) { $0 + alignment[row, $1] }
            #expect(abs(sum - 1) < 1e-4)
        }
        for name in Self.deterministicFiles where name.hasSuffix(".png") {
            let size = try #require(try pngSize(output.appendingPathComponent(name)), "\(name) is not a PNG")
            #expect(size.width >= 400 && size.width <= 3000 && size.height >= 300 && size.height <= 3000, "\(name): \(size)")
        }
        #expect(run.stderr.contains("Bahdanau attention"), "the progress bar reports training")
    }

    @Test("a second run reuses the cached weights and rewrites the same bytes; --retrain trains to the same weights")
    func cacheAndRetrain() throws {
        let first = try Self.firstRun()
        let output = first.folder.appendingPathComponent("out")
        let before = try Self.snapshot(output)

        let cached = try LessonRunner.run(["bahdanau-translator", "--quick", "--output", "out"], in: first.folder)
        #expect(cached.status == 0, "stderr: \(cached.stderr)")
        #expect(cached.stdout.contains("reusing the weights in baseline.safetensors"))
        #expect(cached.stdout.contains("reusing the weights in bahdanau.safetensors"))
        #expect(!cached.stderr.contains("step 1/"), "nothing should train: \(cached.stderr)")
        let after = try Self.snapshot(output)
        for name in Self.deterministicFiles { #expect(before[name] == after[name], "\(name) changed on the cached run") }

        let retrained = try LessonRunner.run(["bahdanau-translator", "--quick", "--retrain", "--output", "out"], in: first.folder)
        #expect(retrained.status == 0, "stderr: \(retrained.stderr)")
        #expect(!retrained.stdout.contains("reusing the weights"))
        #expect(retrained.stderr.contains("Bahdanau attention: step 1/"))
        let again = try Self.snapshot(output)
        for name in Self.deterministicFiles { #expect(before[name] == again[name], "\(name) differs after retraining with the same seed") }
    }

    /// The portable GEMM adds up every product in an order that does not depend on the thread
    /// count (a BLAS library's may), so its weights are the same on one thread as on two, and its
    /// cache key leaves the thread count out.
    @Test("with the portable GEMM, one thread trains to the same bytes as two, and reuses their weights")
    func portableGEMMIsThreadIndependent() throws {
        let first = try Self.portableRun()
        let output = first.folder.appendingPathComponent("out")
        let before = try Self.snapshot(output)
        let key = try #require(try Self.cacheKey(output.appendingPathComponent("baseline.safetensors")))
        #expect(key.hasSuffix(" gemm=portable"), "\(key)")

        let cached = try LessonRunner.run(["bahdanau-translator", "--quick", "--gemm", "portable", "--threads", "1", "--output", "out"],
                                          in: first.folder)
        #expect(cached.status == 0, "stderr: \(cached.stderr)")
        #expect(cached.stdout.contains("reusing the weights in baseline.safetensors"))
        #expect(cached.stdout.contains("reusing the weights in bahdanau.safetensors"))

        // One thread: the replicas run one after the other and every GEMM on one thread; same bytes.
        let retrained = try LessonRunner.run(["bahdanau-translator", "--quick", "--gemm", "portable", "--threads", "1", "--retrain",
                                              "--output", "out"], in: first.folder)
        #expect(retrained.status == 0, "stderr: \(retrained.stderr)")
        #expect(retrained.stderr.contains("Bahdanau attention: step 1/"))
        let again = try Self.snapshot(output)
        for name in Self.deterministicFiles {
            #expect(before[name] == again[name], "\(name) differs after retraining with the portable GEMM on one thread")
        }
    }

    /// Weights trained with the portable GEMM are not OpenBLAS's weights, and OpenBLAS's on two
    /// threads are not its weights on one: each such change trains again, and says why.
    @Test("weights trained with another GEMM backend, or with OpenBLAS on another thread count, are trained again")
    func cacheKeyNamesTheGEMMBackend() throws {
        let portable = try Self.portableRun()
        guard GEMMBackend.openBLAS.isAvailable else {
            print("cacheKeyNamesTheGEMMBackend: OpenBLAS is not installed; only the portable half ran (see portableGEMMIsThreadIndependent)")
            return
        }
        let folder = portable.folder.appendingPathComponent("gemm")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["baseline.safetensors", "bahdanau.safetensors"] {
            try FileManager.default.copyItem(at: portable.folder.appendingPathComponent("out").appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        func run(threads: Int) throws -> LessonRun {
            let run = try LessonRunner.run(["bahdanau-translator", "--quick", "--gemm", "openblas", "--threads", "\(threads)",
                                            "--output", "gemm"], in: portable.folder)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            return run
        }
        /// Standard output as one line: the lesson wraps its sentences.
        func text(_ run: LessonRun) -> String { run.stdout.replacingOccurrences(of: "\n", with: " ") }

        let blas = try run(threads: 2)
        #expect(!blas.stdout.contains("reusing the weights"), "weights of the portable GEMM were reused for OpenBLAS")
        #expect(text(blas).contains("bahdanau.safetensors holds weights trained with other settings (different gemm, threads)"),
                "\(blas.stdout)")
        #expect(blas.stderr.contains("RNN encoder-decoder: step 1/") && blas.stderr.contains("Bahdanau attention: step 1/"))
        let key = try #require(try Self.cacheKey(folder.appendingPathComponent("bahdanau.safetensors")))
        #expect(key.hasSuffix(" gemm=openblas threads=2"), "\(key)")

        let oneThread = try run(threads: 1)
        #expect(!oneThread.stdout.contains("reusing the weights"))
        #expect(text(oneThread).contains("baseline.safetensors holds weights trained with other settings (different threads)"),
                "\(oneThread.stdout)")

        let again = try run(threads: 1)
        #expect(again.stdout.contains("reusing the weights in baseline.safetensors"))
        #expect(again.stdout.contains("reusing the weights in bahdanau.safetensors"))
    }

    /// A folder where a checkpoint would be saved is found before the minutes of training, not after.
    @Test("a folder in the place of a checkpoint stops the run before training, with one line")
    func checkpointPathIsAFolder() throws {
        let folder = try LessonRunner.makeFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("out/bahdanau.safetensors"),
                                                withIntermediateDirectories: true)
        let run = try LessonRunner.run(["bahdanau-translator", "--quick", "--output", "out"], in: folder)
        #expect(run.status == 64, "refused before anything is written: \(run.status)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("out/bahdanau.safetensors is a folder"), "\(run.stderr)")
        #expect(!run.stderr.contains("step 1/"), "nothing should train: \(run.stderr)")
        #expect(LessonRunner.files(in: folder).isEmpty, "\(LessonRunner.files(in: folder))")
    }

    @Test("another seed or a damaged cache file trains again, and says why")
    func staleOrDamagedCacheIsNotReused() throws {
        let first = try Self.firstRun()
        let folder = first.folder.appendingPathComponent("damaged")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["baseline.safetensors", "bahdanau.safetensors"] {
            try FileManager.default.copyItem(at: first.folder.appendingPathComponent("out").appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        let damaged = folder.appendingPathComponent("bahdanau.safetensors")
        let bytes = try Data(contentsOf: damaged)
        try bytes.prefix(bytes.count / 2).write(to: damaged)   // a copy interrupted half-way

        let run = try LessonRunner.run(["bahdanau-translator", "--quick", "--seed", "43", "--output", "damaged"], in: first.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(!run.stdout.contains("reusing the weights"))
        #expect(run.stdout.replacingOccurrences(of: "\n", with: " ")
                    .contains("baseline.safetensors holds weights trained with other settings (different seed, corpus)"), "\(run.stdout)")
        #expect(run.stdout.contains("cannot use bahdanau.safetensors"), "\(run.stdout)")
        #expect(run.stderr.contains("RNN encoder-decoder: step 1/") && run.stderr.contains("Bahdanau attention: step 1/"))
        #expect(try Data(contentsOf: damaged).count > bytes.count / 2, "the damaged file is replaced")
    }

    @Test("bad options fail with one line, a non-zero exit and no files", arguments: [
        (["--beam", "0"], "--beam"), (["--beam", "17"], "--beam"), (["--hidden=-1"], "--hidden"), (["--hidden", "4"], "--hidden"),
        (["--pairs", "5"], "--pairs"), (["--steps", "0"], "--steps"), (["--batch", "1"], "--batch"), (["--steps", "many"], "--steps"),
    ])
    func badOptions(arguments: [String], option: String) throws {
        let run = try LessonRunner.run(["bahdanau-translator", "--quick"] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(option), "\(run.stderr)")
        #expect(LessonRunner.files(in: run.folder).isEmpty)
    }
}

/// The rows of an RFC 4180 CSV file: fields in double quotes may hold commas and doubled quotes.
func csvRows(_ url: URL) throws -> [[String]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var rows: [[String]] = [], row: [String] = [], field = ""
    let characters = Array(text)
    var quoted = false, i = 0
    while i < characters.count {
        let c = characters[i]
        if quoted {
            if c == "\"" {
                if i + 1 < characters.count && characters[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\n" {
            row.append(field); rows.append(row); row = []; field = ""
        } else {
            field.append(c)
        }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
