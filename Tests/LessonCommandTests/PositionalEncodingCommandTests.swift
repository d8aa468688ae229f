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
        "handout.md", "index.html",
        "order_matters.csv", "order_matters.md", "order_matters.png",
        "pe.npy", "pe.png",
        "rotation.csv", "rotation.png", "rotation_check.csv", "rotation_check.md",
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

    /// The rows of a CSV file whose data cells hold no commas, header first.
    static func cells(_ output: URL, _ file: String) throws -> [[String]] {
        try String(contentsOf: output.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// ωᵢ = 10000^(−2i/d), written out here rather than taken from TensorCore.
    static func omega(pair: Int, dModel: Int) -> Double {
        Foundation.pow(10_000, -2 * Double(pair) / Double(dModel))
    }

    @Test("curves, similarity by offset and the rotation check match their closed forms")
    func relativePositions() throws {
        let run = try LessonRunner.run(["positional-encoding", "--quick", "--output", "out"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let output = run.folder.appendingPathComponent("out")

        // curves.csv draws a sine and a cosine dimension, and each column is its closed form.
        let curves = try Self.cells(output, "curves.csv")
        let dimensions = curves[0].dropFirst().map { Int($0.dropFirst("dim_".count))! }
        #expect(dimensions.contains(0))
        #expect(dimensions.contains { $0 % 2 == 1 } && dimensions.contains { $0 % 2 == 0 && $0 > 0 }, "\(dimensions)")
        #expect(curves.count == 33)
        for row in curves.dropFirst() {
            let position = Double(row[0])!
            for (column, dimension) in dimensions.enumerated() {
                let angle = position * Self.omega(pair: dimension / 2, dModel: 32)
                let expected = dimension % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle)
                #expect(abs(Double(row[column + 1])! - expected) < 2e-6, "dim \(dimension) at \(position)")
            }
        }

        // PE(p)·PE(p + k) over k = −8 … 8: Σᵢ cos(k·ωᵢ), the same to the left and to the right.
        let similarity = try Self.cells(output, "similarity_by_distance.csv")
        let offsets = similarity.dropFirst().map { Int($0[0])! }
        #expect(offsets == Array(-8...8))
        let values = similarity.dropFirst().map { $0.dropFirst().map { Double($0)! } }
        for (row, k) in offsets.enumerated() {
            let closedForm = (0..<16).reduce(0.0) { $0 + Foundation.cos(Double(k) * Self.omega(pair: $1, dModel: 32)) }
            for value in values[row] { #expect(abs(value - closedForm) < 1e-4, "k \(k): \(value) vs \(closedForm)") }
            for (value, mirrored) in zip(values[row], values[offsets.count - 1 - row]) { #expect(abs(value - mirrored) < 1e-4) }
        }

        // rotation.csv: one pair on its circle, (sin(pos·ω), cos(pos·ω)).
        let rotation = try Self.cells(output, "rotation.csv")
        let pair = Int(rotation[0][2].dropFirst("pe_dim_".count))! / 2
        #expect(rotation.count > 3)
        for row in rotation.dropFirst() {
            let angle = Double(row[0])! * Self.omega(pair: pair, dModel: 32)
            #expect(abs(Double(row[2])! - Foundation.sin(angle)) < 2e-6 && abs(Double(row[3])! - Foundation.cos(angle)) < 2e-6)
        }

        // rotation_check.csv: R(k)·PE(pos) = PE(pos + k) to float32 rounding for every pos, and
        // the query R(k)·PE(p) finds the key p + k for every p.
        let check = try Self.cells(output, "rotation_check.csv").dropFirst()
        #expect(check.map { $0[0] } == ["1", "2", "5", "8"])
        for row in check {
            let cells = Array(row.suffix(2))
            #expect(Double(cells[0])! < 1e-5, "k \(row[0]): deviation \(cells[0])")
            let hits = cells[1].split(separator: " ")
            #expect(hits.count == 3 && hits[0] == hits[2] && Int(hits[2])! == 32 - Int(row[0])!, "\(cells[1])")
        }
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
