// The NumPy .npy format (version 1.0, little-endian float32), so every figure's data opens in NumPy:
//
//     magic "\x93NUMPY", version 1 0, header length (UInt16 LE),
//     header "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded with spaces and
//     a newline to a multiple of 64 bytes, then the raw little-endian float32 data, row-major.

import Foundation
import _Support

extension Tensor {
    private static let npyMagic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The tensor as the bytes of a `.npy` file, byte-identical to NumPy's `np.save` output.
    public func npyData() -> [UInt8] {
        let shapeText: String
        switch rank {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // NOTE: NumPy leaves room for the first extent to grow to 21 digits (for appending in place).
        if rank > 0 { header += String(repeating: " ", count: Swift.max(0, 21 - String(shape[0]).count)) }
        let unpadded = Tensor.npyMagic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: 64 - unpadded % 64) + "\n"

        var bytes = Tensor.npyMagic + [1, 0]
        let headerLength = UInt16(header.utf8.count)
        bytes += [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
        bytes += Array(header.utf8)
        let headerEnd = bytes.count
        bytes += [UInt8](repeating: 0, count: count * 4)
        bytes.withUnsafeMutableBytes { raw in
            let data = raw.baseAddress! + headerEnd
            #if _endian(little)
            data.copyMemory(from: storage.pointer, byteCount: count * 4)
            #else
            for i in 0..<count {
                data.storeBytes(of: storage.pointer[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
            #endif
        }
        return bytes
    }

    /// Writes the tensor as a `.npy` file, atomically (temporary file, then rename).
    /// - Throws: `TensorError.file` naming the path and the reason.
    public func saveNPY(to path: String) throws {
        do {
            try AtomicFile.write(npyData(), to: path)
        } catch let error as FileError {
            throw TensorError.file(error.description)
        }
    }

    /// A tensor from the bytes of a `.npy` file holding little-endian float32 in C order.
    /// - Throws: `TensorError.file` when the bytes are not such a file (other dtypes, Fortran
    ///   order, a truncated file), with what was found.
    public init(npyData bytes: [UInt8]) throws {
        func fail(_ why: String) -> TensorError { .file("not a float32 .npy file: \(why)") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == Tensor.npyMagic else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let (lengthSize, headerLength): (Int, Int)
        switch major {
        case 1: (lengthSize, headerLength) = (2, Int(bytes[8]) | Int(bytes[9]) << 8)
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            (lengthSize, headerLength) = (4, (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) })
        default: throw fail("unknown format version \(major)")
        }
        let dataStart = 8 + lengthSize + headerLength
        guard bytes.count >= dataStart,
              let header = String(bytes: bytes[(8 + lengthSize)..<dataStart], encoding: .utf8) else {
            throw fail("truncated header")
        }
        guard let descr = Tensor.npyValue(of: "descr", in: header),
              descr == "'<f4'" || descr == "'=f4'" || descr == "'f4'" else {
            throw fail("dtype \(Tensor.npyValue(of: "descr", in: header) ?? "?") (only '<f4' is supported; use arr.astype(np.float32))")
        }
        guard Tensor.npyValue(of: "fortran_order", in: header) == "False" else {
            throw fail("Fortran order (save np.ascontiguousarray(arr))")
        }
        guard let shapeText = Tensor.npyValue(of: "shape", in: header),
              shapeText.hasPrefix("("), shapeText.hasSuffix(")") else { throw fail("no shape in header") }
        let extents = shapeText.dropFirst().dropLast().split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try extents.map { text -> Int in
            guard let extent = Int(text), extent >= 0 else { throw fail("bad extent '\(text)' in shape") }
            return extent
        }
        try Tensor.validate(shape)
        let count = shape.reduce(1, *)
        guard bytes.count - dataStart == count * 4 else {
            throw fail("shape \(shape) needs \(count * 4) data bytes, the file has \(bytes.count - dataStart)")
        }
        self.init(shape: shape, storage: TensorStorage(count: count))
        let target = storage.pointer
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let bits = raw.loadUnaligned(fromByteOffset: dataStart + 4 * i, as: UInt32.self)
                target[i] = Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
    }

    /// Reads a `.npy` file. - Throws: `TensorError.file` when it cannot be read or understood.
    public init(npyFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TensorError.file("cannot read \(path)")
        }
        do {
            try self.init(npyData: [UInt8](data))
        } catch TensorError.file(let message) {
            throw TensorError.file("\(path): \(message)")
        }
    }

    /// The text of `'key': value` in a .npy header dictionary, up to the next top-level comma.
    private static func npyValue(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var value = ""
        for character in header[keyRange.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            value.append(character)
        }
        return value.trimmingCharacters(in: .whitespaces)
    }
}
