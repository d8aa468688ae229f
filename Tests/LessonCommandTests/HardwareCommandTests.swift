// End to end: the `lesson` binary runs hardware --quick and writes what it promises. Timings
// differ from run to run and machine to machine; only their consistency is checked.

import Foundation
import Testing
import TensorCore
import TestSupport

@Suite("lesson hardware, end to end", .serialized)
struct HardwareCommandTests {
    static let files = [
        "handout.md", "index.html",
        "attention-model.csv", "attention-model.md", "attention-shares.npy", "attention-shares.png", "attention-stages.csv", "attention-stages.md",
        "attention-time.npy", "attention-time.png", "balance.csv", "balance.md", "bandwidth.npy", "bandwidth.png",
        "caches.csv", "caches.md", "compute.csv", "compute.md", "conclusion.md", "hierarchy.csv", "hierarchy.md",
        "latency.npy", "latency.png", "roofline-detail.csv", "roofline-detail.md", "roofline.csv", "roofline.png",
        "stream.csv", "stream.md",
    ]
    static let header = "op,size,flops,bytes,intensity,seconds,gflops"

    @Test("--quick writes every file; roofline.csv has exactly its columns and consistent rows")
    func quickRunWritesEverything() throws {
        let run = try LessonRunner.run(["hardware", "--quick", "--output", "out"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == Self.files.sorted())
        #expect(run.stdout.contains("Conclusion"))
        // The conclusion is also written for the slides: the printed bullets, as a Markdown list.
        let conclusion = try String(contentsOf: output.appendingPathComponent("conclusion.md"), encoding: .utf8)
        #expect(conclusion.hasPrefix("# Conclusion of this run\n\n- Balance:"), "\(conclusion.prefix(80))")
        #expect(conclusion.contains("- The lecture's claim"), "\(conclusion)")

        let lines = try String(contentsOf: output.appendingPathComponent("roofline.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines.first == Self.header)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0.count == 7 }, "\(rows)")
        // --quick: GEMM at 128, 256, 512; everything else at N = 1024.
        let names = rows.map { "\($0[0]) \($0[1])" }
        #expect(names == ["gemm 128", "gemm 256", "gemm 512", "masking 1024", "softmax 1024", "dropout 1024",
                          "layer_norm 1024", "gelu 1024", "attention_standard 1024", "attention_flash 1024"])
        for row in rows {
            let values = row.dropFirst(2).compactMap(Double.init)
            try #require(values.count == 5, "\(row)")
            let (flops, bytes, intensity, seconds, gflops) = (values[0], values[1], values[2], values[3], values[4])
            #expect(flops > 0 && bytes > 0 && seconds > 0 && gflops > 0, "\(row)")
            #expect(abs(intensity - flops / bytes) <= 1e-5 * intensity, "\(row): intensity ≠ flops/bytes")
            #expect(abs(gflops - flops / seconds / 1e9) <= 1e-4 * gflops, "\(row): gflops ≠ flops/seconds/1e9")
        }
        // Hand-worked counts: GEMM 512 does 2·512³ FLOPs over 3·512² floats; softmax at N = 1024
        // does 5 per score plus 1 per row and reads and writes 1024² floats.
        let byName = Dictionary(uniqueKeysWithValues: zip(names, rows))
        #expect(byName["gemm 512"]?[2] == "268435456" && byName["gemm 512"]?[3] == "3145728")
        #expect(byName["softmax 1024"]?[2] == "5243904" && byName["softmax 1024"]?[3] == "8388608")
        #expect(byName["dropout 1024"]?[2] == "2097152" && byName["masking 1024"]?[2] == "1048576")

        // The chart data: the sweeps run 4 KiB … 2× the LLC, one point per octave, with --quick.
        let latency = try Tensor(npyFile: output.appendingPathComponent("latency.npy").path)
        #expect(latency.rank == 2 && latency.shape[1] == 4 && latency.shape[0] >= 8)
        #expect(latency[0, 0] == 4096 && (1..<latency.shape[0]).allSatisfy { latency[$0, 0] == 2 * latency[$0 - 1, 0] })
        let bandwidth = try Tensor(npyFile: output.appendingPathComponent("bandwidth.npy").path)
        #expect(bandwidth.shape == [latency.shape[0], 7])
        let time = try Tensor(npyFile: output.appendingPathComponent("attention-time.npy").path)
        #expect(time.shape == [2, 5] && time.scalars.allSatisfy { $0 > 0 })         // N = 512, 1024 × 5 passes
        // Shares: the time shares and the FLOP shares of each N add up to 100%, and the FLOP
        // shares are the closed forms': QKᵀ and PV 2·N²·d each, then N², 5N² + N, 2N².
        let shares = try Tensor(npyFile: output.appendingPathComponent("attention-shares.npy").path)
        #expect(shares.shape == [4, 5])
        for row in 0..<4 {
            #expect(abs((0..<5).reduce(0) { $0 + shares[row, $1] } - 100) < 1e-3)
        }
        let n = 512.0, total = 4 * n * n * 64 + 8 * n * n + n
        expectClose((0..<5).map { Double(shares[1, $0]) },
                    [2 * n * n * 64, n * n, 5 * n * n + n, 2 * n * n, 2 * n * n * 64].map { 100 * $0 / total },
                    rtol: 1e-5, atol: 0)

        for name in Self.files where name.hasSuffix(".png") {
            let size = try #require(try pngSize(output.appendingPathComponent(name)), "\(name) is not a PNG")
            #expect(size.width >= 400 && size.width <= 3000 && size.height >= 300 && size.height <= 3000, "\(name): \(size)")
        }
    }

    @Test("--gemm-sizes, --max-n and --head-dim shape the measurements")
    func options() throws {
        let run = try LessonRunner.run(["hardware", "--quick", "--gemm-sizes", "64,32", "--max-n", "512", "--head-dim", "32",
                                        "--threads", "1", "--output", "o"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = try String(contentsOf: run.folder.appendingPathComponent("o/roofline.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
        #expect(lines.map { $0.split(separator: ",").prefix(2).joined(separator: " ") }
                == ["gemm 32", "gemm 64", "masking 512", "softmax 512", "dropout 512", "layer_norm 512", "gelu 512",
                    "attention_standard 512", "attention_flash 512"])
        // Standard attention at N = 512, d = 32: 4·N²·d + 6·N² FLOPs.
        #expect(lines.first { $0.hasPrefix("attention_standard,") }?.split(separator: ",")[2] == "35127296")
        #expect(run.stdout.contains("1 thread for \"all threads\""))
        // (The shared banner's "1 threads", two lines, is the lesson command's, not this lesson's.)
        #expect(!run.stdout.split(separator: "\n").dropFirst(2).contains { $0.contains("1 threads") })
        // One thread: the FMA loop and the STREAM triad are measured, and listed, once.
        let compute = try String(contentsOf: run.folder.appendingPathComponent("o/compute.csv"), encoding: .utf8)
        #expect(compute.split(separator: "\n").filter { $0.contains("FMA loop") }.count == 1, "\(compute)")
    }

    @Test("bad options fail with one line, a non-zero exit and no files", arguments: [
        (["--threads", "0"], "--threads"), (["--threads", "-1"], "--threads"), (["--threads=-1"], "at least 1"),
        (["--bogus"], "--bogus"),
        (["--max-n", "300"], "--max-n"), (["--max-n", "256"], "--max-n"), (["--max-n", "32768"], "--max-n"),
        (["--gemm-sizes", "0"], "--gemm-sizes"), (["--gemm-sizes", "64,big"], "--gemm-sizes"),
        (["--gemm-sizes", "9000"], "--gemm-sizes"), (["--gemm-sizes", ""], "--gemm-sizes"),
        (["--head-dim", "4"], "--head-dim"),
    ])
    func badOptions(arguments: [String], mentioning word: String) throws {
        let run = try LessonRunner.run(["hardware", "--quick", "--output", "out"] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(word), "\(run.stderr)")
        #expect(LessonRunner.files(in: run.folder).isEmpty)
    }
}
