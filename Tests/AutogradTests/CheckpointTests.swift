// Checkpoints: .safetensors bytes, round trips, and refusals of bad files with a clear message.

import Autograd
import Foundation
import Testing
import TensorCore

@Suite struct CheckpointTests {
    /// A fresh, empty folder for one test.
    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "autograd-checkpoint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The layout of the format, byte by byte, for a known pair of tensors.
    @Test func bytesFollowTheFormat() throws {
        let a = try Tensor(shape: [2], scalars: [1, -2]), b = try Tensor(shape: [1, 1], scalars: [0.5])
        let bytes = try Safetensors.encode([("b", b), ("a", a)], metadata: ["format": "pt"])
        let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"checksum_fnv1a64":""#))
        #expect(header.contains(#""format":"pt"}"#))
        #expect(header.contains(#""a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},"b":{"data_offsets":[8,12],"dtype":"F32","shape":[1,1]}}"#))
        // 1.0 = 0x3F800000, little-endian first.
        #expect(Array(bytes[(8 + headerLength)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F])
        let decoded = try Safetensors.decode(bytes)
        #expect(decoded.tensors.map { $0.name } == ["a", "b"])
        #expect(decoded.tensors[0].tensor == a && decoded.tensors[1].tensor == b)
        #expect(decoded.metadata["format"] == "pt")
    }

    /// save → load into a fresh model → save gives the same bytes, and the same outputs.
    @Test func roundTripIsByteIdentical() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trained = ReverseModel(seed: 5)
        _ = try trained.train(steps: 3)
        try trained.saveCheckpoint(to: folder + "/a.safetensors", metadata: ["step": "3"])
        let fresh = ReverseModel(seed: 6)
        let metadata = try fresh.loadCheckpoint(from: folder + "/a.safetensors")
        #expect(metadata["step"] == "3")
        try fresh.saveCheckpoint(to: folder + "/b.safetensors", metadata: ["step": "3"])
        let first = try Data(contentsOf: URL(fileURLWithPath: folder + "/a.safetensors"))
        let second = try Data(contentsOf: URL(fileURLWithPath: folder + "/b.safetensors"))
        #expect(first == second)
        let tokens = ReverseModel.batch(2, using: &fresh.data).inputs
        #expect(try trained(tokens, batch: 2).value == fresh(tokens, batch: 2).value)
        #expect(trained.namedParameters.map { $0.name }.contains("encoder.layers.0.attention.wq.weight"))
    }

    /// Each kind of damage is refused with its own one-line reason, and the model is unchanged.
    @Test func badFilesAreRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = ReverseModel(seed: 5)
        let path = folder + "/model.safetensors"
        try model.saveCheckpoint(to: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(good[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })

        func refusal(_ bytes: [UInt8], into target: ReverseModel = ReverseModel(seed: 9)) throws -> String {
            let damaged = folder + "/damaged.safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let before = target.parameters.map { $0.value }
            let error = #expect(throws: CheckpointError.self) { try target.loadCheckpoint(from: damaged) }
            #expect(target.parameters.map { $0.value } == before, "a refused file must not change the model")
            #expect(error?.description.contains("\n") == false)
            return error?.description ?? ""
        }
        #expect(try refusal(Array(good.prefix(5))).contains("too short"))
        #expect(try refusal(Array(good.prefix(100))).contains("truncated"))
        #expect(try refusal(Array(good.dropLast(4))).contains("truncated"))
        var flippedData = good
        flippedData[good.count - 3] ^= 0x10
        #expect(try refusal(flippedData).contains("checksum"))
        var brokenHeader = good
        brokenHeader[8] = UInt8(ascii: "[")
        #expect(try refusal(brokenHeader).contains("not a JSON object"))
        var hugeLength = good
        hugeLength[6] = 1
        #expect(try refusal(hugeLength).contains("header says"))
        #expect(headerLength > 0)

        // A model of another shape: the message names the parameter and both shapes.
        let other = ReverseModel(seed: 5)
        let reshaped = Variable.parameter(Tensor.zeros([9, 16]))
        other.embed.weight.value = reshaped.value
        try other.saveCheckpoint(to: folder + "/other.safetensors")
        let otherBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/other.safetensors")))
        let message = try refusal(otherBytes)
        #expect(message.contains("embed.weight") && message.contains("[9, 16]") && message.contains("[9, 32]"), "\(message)")

        // Missing and unexpected names.
        let subset = try Safetensors.encode(model.namedParameters.dropFirst().map { ($0.name, $0.variable.value) })
        #expect(try refusal(subset).contains("embed.weight is missing"))
        let extra = try Safetensors.encode(model.namedParameters.map { ($0.name, $0.variable.value) } + [("stray", Tensor.ones([1]))])
        #expect(try refusal(extra).contains("stray"))

        let missing = #expect(throws: CheckpointError.self) { try model.loadCheckpoint(from: folder + "/nothing.safetensors") }
        #expect(missing?.description.contains("does not exist") == true)
    }
}

/// A file written by Python's own library — `safetensors.numpy.save` (safetensors 0.8.0) of
/// {"encoder.weight": (arange(6).reshape(2, 3) − 2.5) / 4, "bias": [1.5, −0.25, 3, 0.001]} with
/// metadata {"step": "7"} — read by our decoder: the format is the published one, not ours alone.
@Suite struct SafetensorsFromPythonTests {
    static let pythonBytes: [UInt8] = {
        let hex = "a0000000000000007b225f5f6d657461646174615f5f223a7b2273746570223a2237227d2c2262696173223a7b"
            + "226474797065223a22463332222c227368617065223a5b345d2c22646174615f6f666673657473223a5b302c31"
            + "365d7d2c22656e636f6465722e776569676874223a7b226474797065223a22463332222c227368617065223a5b"
            + "322c335d2c22646174615f6f666673657473223a5b31362c34305d7d7d202020200000c03f000080be00004040"
            + "6f12833a000020bf0000c0be000000be0000003e0000c03e0000203f"
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }()

    @Test func decodesAFileWrittenByPython() throws {
        #expect(Self.pythonBytes.count == 208)
        let (tensors, metadata) = try Safetensors.decode(Self.pythonBytes)
        #expect(metadata == ["step": "7"])
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
        #expect(byName.keys.sorted() == ["bias", "encoder.weight"])
        #expect(byName["encoder.weight"]?.shape == [2, 3])
        #expect(byName["encoder.weight"]?.scalars == [-0.625, -0.375, -0.125, 0.125, 0.375, 0.625])
        #expect(byName["bias"]?.scalars == [1.5, -0.25, 3, 0.001])
    }
}

@Suite struct SafetensorsOtherDTypesTests {
    /// A file as Hugging Face writes BERT's: an I64 tensor (position ids) beside an F32 one.
    static func bytes() -> [UInt8] {
        let header = #"{"ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
        for id in [Int64(0), 1] { bytes += withUnsafeBytes(of: id.littleEndian) { Array($0) } }
        for value in [Float(1.5), -2] { bytes += withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        return bytes
    }

    @Test("an I64 tensor is refused by default, and checked for size then left out when skipped")
    func skipsNamedDTypes() throws {
        #expect(throws: CheckpointError.self) { try Safetensors.decode(Self.bytes()) }
        let (tensors, _) = try Safetensors.decode(Self.bytes(), skipping: ["I64"])
        #expect(tensors.map(\.name) == ["w"] && tensors[0].tensor.scalars == [1.5, -2])
        var short = Self.bytes()
        short.removeLast(8)   // the I64 tensor now claims bytes the F32 one needs
        #expect(throws: CheckpointError.self) { try Safetensors.decode(short, skipping: ["I64"]) }
    }
}
