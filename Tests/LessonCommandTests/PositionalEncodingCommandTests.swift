// End to end: the `lesson` binary runs positional-encoding and writes what it promises.

import Foundation
import Testing
import TensorCore
import TestSupport

@Suite("lesson positional-encoding, end to end", .serialized)
struct PositionalEncodingCommandTests {
    static let expectedFiles = [
        "curves.csv", "curves.png",
        "example_decoder.npy", "example_decoder.png", "example_decoder_table.csv", "example_decoder_table.md",
        "example_encoder.npy", "example_encoder.png", "example_encoder_table.csv", "example_encoder_table.md",
        "order_matters.csv", "order_matters.md",
        "pe.npy", "pe.png",
        "similarity.npy", "similarity.png",
        "similarity_by_distance.csv", "similarity_by_distance.png",
        "similarity_by_distance_table.csv", "similarity_by_distance_table.md",
        "wavelengths.csv", "wavelengths.md", "wavelengths.png",
    ]

    @Test("--quick writes every figure, table and data file, and pe.npy matches the formula")
    func quickRunWritesEverything() throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick", "--output", "out"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let output = run.folder.appendingPathComponent("out")
        #expect(LessonRunner.files(in: output) == Self.expectedFiles)
        // The run ends by listing what it wrote.
        #expect(run.stdout.contains("Wrote \(Self.expectedFiles.count) files"))
        #expect(run.stdout.contains("out/pe.png"))

        // PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...), computed here in Float64.
        let pe = try Tensor(npyFile: output.appendingPathComponent("pe.npy").path)
        #expect(pe.shape == [32, 32])
        var expected: [Double] = []
        for position in 0..<32 {
            for dimension in 0..<32 {
                let angle = Double(position) / Foundation.pow(10_000, Double(2 * (dimension / 2)) / 32)
                expected.append(dimension % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
            }
        }
        expectClose(pe.scalars.map(Double.init), expected, rtol: 0, atol: 1e-6)

        // Figures are real PNGs of a slide-friendly size.
        for name in Self.expectedFiles where name.hasSuffix(".png") {
            let size = try #require(try pngSize(output.appendingPathComponent(name)), "\(name) is not a PNG")
            #expect(size.width >= 400 && size.width <= 3000 && size.height >= 300 && size.height <= 3000, "\(name): \(size)")
        }

        // The similarity matrix is PE·PEᵀ: its diagonal is d/2.
        let similarity = try Tensor(npyFile: output.appendingPathComponent("similarity.npy").path)
        #expect(similarity.shape == [32, 32])
        for p in 0..<32 { #expect(abs(similarity[p, p] - 16) < 1e-4) }
    }

    @Test("the same seed gives byte-identical files; another seed changes the random parts only")
    func deterministic() throws {
        let folder = try LessonRunner.makeFolder()
        for (seed, name) in [("7", "a"), ("7", "b"), ("8", "c")] {
            let run = try LessonRunner.run(["positional-encoding", "--quick", "--seed", seed, "--output", name], in: folder)
            #expect(run.status == 0, "stderr: \(run.stderr)")
        }
        func bytes(_ run: String, _ file: String) throws -> Data {
            try Data(contentsOf: folder.appendingPathComponent(run).appendingPathComponent(file))
        }
        for file in Self.expectedFiles {
            #expect(try bytes("a", file) == bytes("b", file), "\(file) differs between two runs with seed 7")
        }
        #expect(try bytes("a", "pe.npy") == bytes("c", "pe.npy"))
        #expect(try bytes("a", "order_matters.csv") != bytes("c", "order_matters.csv"))
    }

    @Test("options size the problem", arguments: [(["--positions", "20", "--d-model", "12"], [20, 12])])
    func options(arguments: [String], shape: [Int]) throws {
        let run = try LessonRunner.run(["positional-encoding", "--output", "o"] + arguments)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let pe = try Tensor(npyFile: run.folder.appendingPathComponent("o/pe.npy").path)
        #expect(pe.shape == shape)
    }

    @Test("without --output, files go to Output/positional-encoding/")
    func defaultOutputFolder() throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(LessonRunner.files(in: run.folder.appendingPathComponent("Output/positional-encoding")) == Self.expectedFiles)
    }
}
