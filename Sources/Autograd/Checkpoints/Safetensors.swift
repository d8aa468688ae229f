// The .safetensors file format (Hugging Face), for Float32 tensors:
//
//   [8 bytes]  N, the header length, unsigned little-endian
//   [N bytes]  a JSON object, padded with spaces to a multiple of 8 bytes:
//              {"__metadata__": {"key": "value", …},
//               "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
//   [rest]     the tensors' raw little-endian float32 bytes; offsets count from the start of
//              this region, and the tensors tile it exactly.
//
// Python's `safetensors.numpy.load_file` and `safetensors.torch.load_file` read what we write.
// We write keys in sorted order and tensors in name order, so the same tensors give the same bytes.

import Foundation
import TensorCore

/// Why a checkpoint could not be read, in one line: the path and what is wrong.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot load checkpoint \(path): \(reason)" }
}

/// Encoding and decoding `.safetensors` bytes (Float32 only).
public enum Safetensors {
    /// The metadata key under which we store a checksum of the data region (FNV-1a, 64 bits, hex),
    /// so a flipped bit in the weights is caught too, not only a broken header.
    public static let checksumKey = "checksum_fnv1a64"

    // MARK: - Encoding

    /// The file's bytes for `tensors` (in name order) and `metadata` (plus our checksum).
    /// - Throws: `TensorError.invalidArgument` for a duplicate or reserved name.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> [UInt8] {
        let sorted = tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.name == b.name {
            throw TensorError.invalidArgument("checkpoint has two tensors named \(a.name)")
        }
        if sorted.contains(where: { $0.name == "__metadata__" }) {
            throw TensorError.invalidArgument("__metadata__ is reserved and cannot name a tensor")
        }
        var data: [UInt8] = []
        data.reserveCapacity(sorted.reduce(0) { $0 + 4 * $1.tensor.count })
        var entries: [(String, String)] = []
        for (name, tensor) in sorted {
            let begin = data.count
            tensor.withUnsafeBufferPointer { values in
                for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append((name, "{\"data_offsets\":[\(begin),\(data.count)],\"dtype\":\"F32\",\"shape\":[\(shape)]}"))
        }
        var allMetadata = metadata
        allMetadata[checksumKey] = String(fnv1a(data), radix: 16)
        let metadataJSON = allMetadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { "\(quote($0.key)):\(quote($0.value))" }.joined(separator: ",")
        entries.append(("__metadata__", "{\(metadataJSON)}"))
        entries.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        var header = Array(("{" + entries.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + data.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + header + data
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// FNV-1a, 64 bits: a fast checksum, enough to notice corruption (not an adversary).
    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
