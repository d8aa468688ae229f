// End to end: the `lesson` binary runs flash-vs-standard and writes what it promises.

import Foundation
import Testing
import TensorCore
import TestSupport

@Suite("lesson flash-vs-standard, end to end", .serialized)
struct FlashVsStandardCommandTests {
    /// Files whose content depends only on the seed (and the machine), not on timings.
    static let deterministicFiles = [
        "algorithm0.csv", "algorithm0.md", "causal-tiles.npy", "causal-tiles.png",
        "hierarchy.csv", "hierarchy.md", "io.csv", "io.md",
        "memory.csv", "memory.png",
        "walkthrough-K.npy", "walkthrough-O.npy", "walkthrough-P-tiles.npy", "walkthrough-P-tiles.png",
        "walkthrough-Q.npy", "walkthrough-S.npy", "walkthrough-S.png", "walkthrough-V.npy",
        "walkthrough-m-l.npy", "walkthrough-m-l.png", "walkthrough-output.npy", "walkthrough-output.png",
        "walkthrough-tiles.npy", "walkthrough-tiles.png",
    ]
    static let timingFiles = ["handout.md", "index.html",
        "block-sweep.npy", "block-sweep.png", "causal.csv", "causal.md", "conclusion.md",
        "timings-detail.csv", "timings-detail.md",
        "timings.csv", "timings.png",
    ]
    static let header = "n,d,heads,causal,standard_ms,flash_ms,speedup,standard_gflops,flash_gflops,"
        + "standard_extra_bytes,flash_extra_bytes,standard_dram_bytes,flash_dram_bytes,max_abs_error"

    /// timings.csv as rows of named cells.
    static func timings(in folder: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: folder.appendingPathComponent("timings.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines.first == header)
        let names = header.split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(names, cells))
        }
    }

    @Test("on a machine too small for standard attention's N×N matrices, only flash runs at that N")
    func standardIsRefusedWhereItsMatricesDoNotFit() throws {
        // 8 MiB "available": three quarters, 6 MiB, may be used. Standard's P and dP at N = 1024
        // take 8 MiB; flash needs about 4 MiB in all.
        let run = try LessonRunner.run(["flash-vs-standard", "--quick", "--output", "out"],
                                       environment: ["TP_MEMORY_LIMIT": "\(8 << 20)"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let text = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")   // unwrapped
        #expect(text.contains("N = 1024: standard attention not run"), "\(run.stdout)")
        #expect(text.contains("at N = 1024 needs 8 MiB"))
        let rows = try Self.timings(in: run.folder.appendingPathComponent("out"))
        #expect(rows.map { $0["n"] } == ["256", "512", "1024"])
        #expect(rows[2]["standard_ms"] == "" && rows[2]["speedup"] == "")
        #expect((Double(rows[2]["flash_ms"] ?? "") ?? 0) > 0)
        #expect((Double(rows[1]["standard_ms"] ?? "") ?? 0) > 0)
    }

    @Test("--quick writes every file; timings.csv has the promised columns; the walkthrough's O matches NumPy")
    func quickRunWritesEverything() throws {
        let run = try LessonRunner.run(["flash-vs-standard", "--quick", "--output", "out"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == (Self.deterministicFiles + Self.timingFiles).sorted())
        #expect(run.stdout.contains("Wrote \(Self.deterministicFiles.count + Self.timingFiles.count) files"))

        let rows = try Self.timings(in: output)
        #expect(rows.map { $0["n"] } == ["256", "512", "1024"])
        for row in rows {
            #expect(row["d"] == "64" && row["heads"] == "1" && row["causal"] == "false", "\(row)")
            for column in ["standard_ms", "flash_ms", "speedup", "standard_gflops", "flash_gflops"] {
                #expect((Double(row[column] ?? "") ?? 0) > 0, "\(column) = \(row[column] ?? "nil")")
            }
            for column in ["standard_extra_bytes", "flash_extra_bytes", "standard_dram_bytes", "flash_dram_bytes"] {
                #expect((Int(row[column] ?? "") ?? 0) > 0, "\(column) = \(row[column] ?? "nil")")
            }
            let error = try #require(Double(row["max_abs_error"] ?? ""))
            #expect(error >= 0 && error < 1e-5)
        }
        // Standard's P is N² floats: the N² memory law, measured.
        #expect(rows.map { $0["standard_extra_bytes"] } == ["262144", "1048576", "4194304"])

        // The walkthrough's O, from its Q, K, V in float64 NumPy (seed 42): softmax(Q Kᵀ/2) V.
        let q = try Tensor(npyFile: output.appendingPathComponent("walkthrough-Q.npy").path)
        #expect(q.shape == [8, 4])
        expectClose(Array(q.scalars.prefix(4)).map(Double.init), [-2.5, 0.5, -1.9, 0.1], rtol: 0, atol: 1e-6)
        let o = try Tensor(npyFile: output.appendingPathComponent("walkthrough-O.npy").path)
        #expect(o.shape == [8, 4])
        expectClose(o.scalars.map(Double.init), [
            -0.927477374, 1.465841119, -0.636163181, -0.122162611,
            0.019659239, -0.083044666, -0.461313831, -0.158549437,
            -1.049069929, 1.396835824, -0.787284639, -0.251990347,
            -0.402923113, 0.409750924, -0.291424137, -0.433340248,
            -0.693260311, 1.088493521, -0.562287842, -0.239100633,
            0.705701238, -0.954832887, 0.000355225, -1.333202590,
            -0.132797121, -1.028303038, 0.054640253, -1.443878206,
            0.647483686, -0.856244485, -0.453865125, -0.476438067,
        ], rtol: 0, atol: 1e-6)

        // The walkthrough's tiles are its own blocks: one block of 8 queries, keys k0–k3 then
        // k4–k7, no mask.
        let tiles = try Tensor(npyFile: output.appendingPathComponent("walkthrough-tiles.npy").path)
        #expect(tiles.shape == [8, 8])
        #expect(tiles.scalars == (0..<64).map { Float($0 % 8 < 4 ? 1 : 2) })

        // The conclusion is saved for the slides: the printed bullets, as a Markdown list.
        let conclusion = try String(contentsOf: output.appendingPathComponent("conclusion.md"), encoding: .utf8)
        #expect(conclusion.hasPrefix("# Conclusion of this run\n\n- Fast:"), "\(conclusion.prefix(80))")
        let bullets = conclusion.split(separator: "\n").filter { $0.hasPrefix("- ") }
        #expect(bullets.count >= 4)
        let printed = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")   // unwrapped
        for bullet in bullets {
            let text = "• " + bullet.dropFirst(2).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(printed.contains(text), "not printed: \(text)")
        }

        for name in Self.deterministicFiles + Self.timingFiles where name.hasSuffix(".png") {
            let size = try #require(try pngSize(output.appendingPathComponent(name)), "\(name) is not a PNG")
            #expect(size.width >= 400 && size.width <= 3000 && size.height >= 300 && size.height <= 3000, "\(name): \(size)")
        }
    }

    @Test("the same seed gives byte-identical walkthrough, memory and IO files; another seed changes the walkthrough")
    func deterministic() throws {
        let folder = try LessonRunner.makeFolder()
        for (seed, name) in [("7", "a"), ("7", "b"), ("8", "c")] {
            let run = try LessonRunner.run(["flash-vs-standard", "--quick", "--max-n", "256", "--seed", seed,
                                            "--output", name], in: folder)
            #expect(run.status == 0, "stderr: \(run.stderr)")
        }
        func bytes(_ run: String, _ file: String) throws -> Data {
            try Data(contentsOf: folder.appendingPathComponent(run).appendingPathComponent(file))
        }
        for file in Self.deterministicFiles {
            #expect(try bytes("a", file) == bytes("b", file), "\(file) differs between two runs with seed 7")
        }
        #expect(try bytes("a", "walkthrough-Q.npy") != bytes("c", "walkthrough-Q.npy"))
        #expect(try bytes("a", "hierarchy.csv") == bytes("c", "hierarchy.csv"))
    }

    @Test("--heads, --head-dim, --max-n and --causal shape the measurements")
    func options() throws {
        let run = try LessonRunner.run(["flash-vs-standard", "--quick", "--heads", "2", "--head-dim", "32",
                                        "--max-n", "512", "--causal", "--output", "o"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let rows = try Self.timings(in: run.folder.appendingPathComponent("o"))
        #expect(rows.map { $0["n"] } == ["256", "512"])
        #expect(rows.allSatisfy { $0["d"] == "32" && $0["heads"] == "2" && $0["causal"] == "true" })
        // Two heads, two P matrices.
        #expect(rows.map { $0["standard_extra_bytes"] } == ["524288", "2097152"])
    }

    @Test("bad options fail with one line, a non-zero exit and no files", arguments: [
        (["--head-dim", "0"], "--head-dim"), (["--head-dim", "257"], "--head-dim"), (["--heads", "0"], "--heads"),
        (["--max-n", "300"], "--max-n"), (["--max-n", "128"], "--max-n"), (["--max-n", "131072"], "--max-n"),
        (["--max-n", "big"], "--max-n"),
    ])
    func badOptions(arguments: [String], option: String) throws {
        let run = try LessonRunner.run(["flash-vs-standard", "--quick"] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(option), "\(run.stderr)")
        #expect(LessonRunner.files(in: run.folder).isEmpty)
    }
}
