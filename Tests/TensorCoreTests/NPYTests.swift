// Tests of the .npy reader and writer (NPY.swift): our bytes are NumPy's `np.save` bytes, NumPy's
// files load, round trips are exact, and anything that is not a little-endian float32 C-order file
// is refused with a message that says what was found (References/derive_references.py, section
// ".npy bytes").

import Foundation
import Testing
import TensorCore
import TestSupport

/// A .npy file as NumPy writes it: magic, version, header length, the header dictionary, the spaces
/// that pad it, a newline, then the little-endian data.
struct NPYCase: CustomTestStringConvertible, Sendable {
    let tensor: Tensor
    let headerLength: Int
    let dictionary: String
    let padding: Int
    let data: String   // hex

    var bytes: [UInt8] {
        let header = dictionary + String(repeating: " ", count: padding) + "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
            + Array(header.utf8) + hexBytes(data)
    }
    var testDescription: String { "shape \(tensor.shape)" }
}

private func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
}

/// np.save output for each tensor (derive_references.py prints these lines).
private let numpyFiles: [NPYCase] = [
    NPYCase(tensor: exactInputs([2, 3]), headerLength: 118,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", padding: 58,
            data: "000000c0000080be0000c03f000020c0000040bf0000803f"),
    NPYCase(tensor: exactInputs([2]), headerLength: 118,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", padding: 60,
            data: "000000c0000080be"),
    NPYCase(tensor: Tensor(repeating: 1.5, shape: []), headerLength: 118,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", padding: 62,
            data: "0000c03f"),
    NPYCase(tensor: Tensor.zeros([0, 4]), headerLength: 118,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", padding: 58,
            data: ""),
    NPYCase(tensor: exactInputs([1, 1, 5]), headerLength: 118,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 5), }", padding: 55,
            data: "000000c0000080be0000c03f000020c0000040bf"),
    NPYCase(tensor: Tensor.zeros([123_456_789_012, 0]), headerLength: 118,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (123456789012, 0), }", padding: 47,
            data: ""),
    NPYCase(tensor: Tensor(repeating: -0.5, shape: [Int](repeating: 1, count: 20)), headerLength: 182,
            dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }",
            padding: 68, data: "000000bf"),
]

/// A version 1.0 .npy file with `dictionary` as its header, padded so the data starts at a
/// multiple of `alignment` bytes, followed by the `data` bytes (hex).
private func handMadeNPY(_ dictionary: String, data: String, alignment: Int = 64) -> [UInt8] {
    var header = dictionary
    while (10 + header.utf8.count + 1) % alignment != 0 { header += " " }
    header += "\n"
    let length = header.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
        + Array(header.utf8) + hexBytes(data)
}

/// The message of the `TensorError.file` that `body` throws, or nil (and a recorded issue).
private func fileErrorMessage(
    _ body: () throws -> Tensor, sourceLocation: SourceLocation = #_sourceLocation
) -> String? {
    let error = #expect(throws: TensorError.self, sourceLocation: sourceLocation) { try body() }
    guard case .file(let message)? = error else {
        Issue.record("expected TensorError.file, got \(String(describing: error))", sourceLocation: sourceLocation)
        return nil
    }
    return message
}

@Suite struct NPYTests {
    // MARK: - Writing

    @Test(arguments: numpyFiles)
    func bytesAreIdenticalToNumPy(_ file: NPYCase) {
        let ours = file.tensor.npyData()
        #expect(ours.count == file.bytes.count)
        #expect(ours == file.bytes)
        #expect((10 + file.headerLength) % 64 == 0, "NumPy aligns the data to 64 bytes")
    }

    // MARK: - Reading

    @Test(arguments: numpyFiles)
    func numpyFilesLoad(_ file: NPYCase) throws {
        let loaded = try Tensor(npyData: file.bytes)
        #expect(loaded.shape == file.tensor.shape)
        #expect(loaded == file.tensor)
    }

    @Test func version2FileLoads() throws {
        // np.lib.format.write_array(f, exact_inputs([3, 2]), version=(2, 0)): a 4-byte header length.
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }" + String(repeating: " ", count: 56) + "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [2, 0, 116, 0, 0, 0] + Array(header.utf8)
            + hexBytes("000000c0000080be0000c03f000020c0000040bf0000803f")
        #expect(try Tensor(npyData: bytes) == exactInputs([3, 2]))
    }

    /// Older NumPy aligned the data to 16 bytes, and other writers order and space the keys differently.
    @Test func otherHeaderLayoutsLoad() throws {
        for dictionary in ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                           "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
                           "{'descr':'<f4','fortran_order':False,'shape':(2,3)}"] {
            let bytes = handMadeNPY(dictionary, data: "000000c0000080be0000c03f000020c0000040bf0000803f", alignment: 16)
            #expect(try Tensor(npyData: bytes) == exactInputs([2, 3]), "header \(dictionary)")
        }
    }

    @Test(arguments: [[], [0], [7], [3, 5], [2, 3, 4], [1, 70, 3]])
    func roundTripIsExact(shape: [Int]) throws {
        var rng = SeededGenerator(seed: UInt64(shape.reduce(1, *)))
        let x = Tensor.randomNormal(shape, using: &rng)
        #expect(try Tensor(npyData: x.npyData()) == x)
    }

    @Test func roundTripKeepsSpecialValuesBitForBit() throws {
        let special: [Float] = [-0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0x1p-130]
        let loaded = try Tensor(npyData: Tensor(special).npyData())
        #expect(loaded.scalars.map(\.bitPattern) == special.map(\.bitPattern))
    }

    // MARK: - Refusals

    @Test func float64IsRefused() {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + String(repeating: " ", count: 58) + "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0] + Array(header.utf8)
            + hexBytes("00000000000000c0000000000000d0bf000000000000f83f00000000000004c0000000000000e8bf000000000000f03f")
        let message = fileErrorMessage { try Tensor(npyData: bytes) }
        #expect(message?.contains("'<f8'") == true, "\(message ?? "")")
        #expect(message?.contains("astype(np.float32)") == true)
    }

    @Test(arguments: ["'>f4'", "'<i4'", "'|u1'", "'<f2'"])
    func otherDtypesAreRefused(descr: String) {
        let bytes = handMadeNPY("{'descr': \(descr), 'fortran_order': False, 'shape': (2,), }", data: "0000000000000000")
        let message = fileErrorMessage { try Tensor(npyData: bytes) }
        #expect(message?.contains(descr) == true, "\(message ?? "")")
    }

    @Test func fortranOrderIsRefused() {
        // np.save(f, np.asfortranarray(exact_inputs([2, 3])))
        let file = NPYCase(tensor: exactInputs([2, 3]), headerLength: 118,
                           dictionary: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", padding: 59,
                           data: "000000c0000020c0000080be000040bf0000c03f0000803f")
        let message = fileErrorMessage { try Tensor(npyData: file.bytes) }
        #expect(message?.contains("Fortran") == true, "\(message ?? "")")
    }

    @Test func truncatedDataIsRefused() {
        let bytes = numpyFiles[0].bytes
        let message = fileErrorMessage { try Tensor(npyData: Array(bytes.dropLast(4))) }
        #expect(message?.contains("24") == true && message?.contains("20") == true, "\(message ?? "")")
        let extra = fileErrorMessage { try Tensor(npyData: bytes + [0, 0, 0, 0]) }
        #expect(extra?.contains("28") == true, "\(extra ?? "")")
    }

    @Test func truncatedHeaderIsRefused() {
        let bytes = numpyFiles[0].bytes
        for length in [0, 5, 9, 10, 60, 127] {
            let message = fileErrorMessage { try Tensor(npyData: Array(bytes.prefix(length))) }
            #expect(message?.hasPrefix("not a float32 .npy file") == true, "\(length) bytes: \(message ?? "")")
        }
    }

    @Test func badMagicIsRefused() {
        var bytes = numpyFiles[0].bytes
        bytes[1] = UInt8(ascii: "n")
        let message = fileErrorMessage { try Tensor(npyData: bytes) }
        #expect(message?.contains("magic") == true, "\(message ?? "")")
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        #expect(fileErrorMessage { try Tensor(npyData: png) }?.contains("magic") == true)
    }

    @Test func unknownVersionAndBadShapesAreRefused() {
        var bytes = numpyFiles[0].bytes
        bytes[6] = 9
        #expect(fileErrorMessage { try Tensor(npyData: bytes) }?.contains("version 9") == true)
        for shape in ["(2, -3)", "(2, x)", "[2, 3]"] {
            let bytes = handMadeNPY("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }", data: "")
            let message = fileErrorMessage { try Tensor(npyData: bytes) }
            #expect(message?.hasPrefix("not a float32 .npy file") == true, "\(shape): \(message ?? "")")
        }
    }

    // MARK: - Files

    @Test func saveAndLoadThroughAFile() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("TensorCoreTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/weights.npy"
        var rng = SeededGenerator(seed: 8)
        let x = Tensor.randomNormal([4, 33], using: &rng)

        try x.saveNPY(to: path)
        #expect(try Tensor(npyFile: path) == x)
        #expect(FileManager.default.contents(atPath: path).map([UInt8].init) == x.npyData())
        // Overwriting replaces the file and leaves no temporary file behind.
        try exactInputs([2, 3]).saveNPY(to: path)
        #expect(try Tensor(npyFile: path) == exactInputs([2, 3]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["weights.npy"])
    }

    @Test func aPathAtTheSystemsLengthLimitCanBeWritten() throws {
        // A path of exactly PATH_MAX - 1 bytes is legal; the temporary file it is written
        // through must fit too, so its copy of the name is shortened.
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("TensorCoreTests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let longestPath = Int(PATH_MAX) - 1
        var folder = base
        while longestPath - folder.utf8.count - 1 > 200 { folder += "/" + String(repeating: "d", count: 150) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = String(repeating: "w", count: longestPath - folder.utf8.count - 1 - 4) + ".npy"
        let path = folder + "/" + name
        #expect(path.utf8.count == longestPath)

        try exactInputs([2, 3]).saveNPY(to: path)
        #expect(try Tensor(npyFile: path) == exactInputs([2, 3]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [name])
    }

    @Test func fileErrorsNameThePath() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("TensorCoreTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let missing = folder + "/missing.npy"
        #expect(fileErrorMessage { try Tensor(npyFile: missing) }?.contains(missing) == true)

        let garbage = folder + "/garbage.npy"
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data("hello".utf8)))
        let message = fileErrorMessage { try Tensor(npyFile: garbage) }
        #expect(message?.contains(garbage) == true && message?.contains("magic") == true, "\(message ?? "")")

        let noFolder = folder + "/no/such/folder/x.npy"
        let error = #expect(throws: TensorError.self) { try Tensor.ones([2]).saveNPY(to: noFolder) }
        guard case .file(let writeMessage)? = error else {
            Issue.record("expected TensorError.file, got \(String(describing: error))")
            return
        }
        #expect(writeMessage.contains(noFolder), "\(writeMessage)")
    }
}
