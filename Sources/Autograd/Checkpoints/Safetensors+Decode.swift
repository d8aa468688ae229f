// Reading .safetensors bytes back, trusting nothing: every length, offset and shape is checked
// before a byte of data is read, and each problem gets its own one-line reason.

import Foundation
import TensorCore

extension Safetensors {
    /// The tensors (in file order, which is name order for our files) and metadata in `bytes`.
    ///
    /// - Parameter skipping: dtypes (such as Hugging Face's `I64` position ids) whose tensors
    ///   are checked for size and left out of the result instead of refused.
    /// - Throws: `CheckpointError` (with `path` as given) for a truncated, corrupted or
    ///   unsupported file.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>", skipping: Set<String> = []) throws
        -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
        guard bytes.count >= 8 else {
            throw fail("the file is \(bytes.count) bytes, too short for the 8-byte header length (truncated?)")
        }
        let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("the header says it is \(headerLength) bytes but only \(bytes.count - 8) follow (truncated or corrupted)")
        }
        let dataStart = 8 + Int(headerLength)
        let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        guard let header = json as? [String: Any] else {
            throw fail("the header is not a JSON object (corrupted)")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let pairs = raw as? [String: Any], pairs.values.allSatisfy({ $0 is String }) else {
                throw fail("__metadata__ is not an object of strings")
            }
            metadata = pairs.mapValues { $0 as! String }
        }
        let dataLength = bytes.count - dataStart
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        var skipped: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let entry = raw as? [String: Any] else { throw fail("the entry for \(name) is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("tensor \(name) has no dtype") }
            let skip = skipping.contains(dtype)
            guard dtype == "F32" || skip else { throw fail("tensor \(name) has dtype \(dtype); only F32 is supported") }
            let elementBytes = skip ? (Self.dtypeBytes[dtype] ?? 0) : 4
            guard elementBytes > 0 else { throw fail("tensor \(name) has dtype \(dtype) of unknown size") }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \(name) has no valid shape")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw fail("tensor \(name) has no valid data_offsets")
            }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard count < Int.max / 8, offsets[1] - offsets[0] == elementBytes * count else {
                throw fail("tensor \(name) of shape \(shape) needs \(elementBytes * count) bytes but data_offsets span \(offsets[1] - offsets[0])")
            }
            guard offsets[1] <= dataLength else {
                throw fail("tensor \(name) ends at byte \(offsets[1]) of the data but the file holds \(dataLength) (truncated)")
            }
            if skip { skipped.append((name, shape, offsets[0], offsets[1])) } else { entries.append((name, shape, offsets[0], offsets[1])) }
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position = 0
        for entry in (entries + skipped).sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard entry.begin == position else { throw fail("tensor \(entry.name) does not start where the previous one ends (overlap or gap)") }
            position = entry.end
        }
        guard position == dataLength else {
            throw fail("the data region is \(dataLength) bytes but the tensors cover \(position) (trailing bytes or truncated)")
        }
        if let expected = metadata[checksumKey] {
            let actual = String(fnv1a(bytes[dataStart...]), radix: 16)
            guard actual == expected else { throw fail("the data checksum is \(actual), not \(expected) (corrupted)") }
        }
        let tensors = try entries.map { entry in
            let scalars = (0..<((entry.end - entry.begin) / 4)).map { i -> Float in
                let at = dataStart + entry.begin + 4 * i
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                return Float(bitPattern: bits)
            }
            return (name: entry.name, tensor: try Tensor(shape: entry.shape, scalars: scalars))
        }
        return (tensors, metadata)
    }

    /// Bytes per element of the dtypes a file may hold.
    static let dtypeBytes: [String: Int] = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
                                            "I8": 1, "U8": 1, "BOOL": 1]

    /// A JSON array of integers (NSNumber or Int, never fractional), else `nil`.
    static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            guard let number = element as? NSNumber, let integer = Int(exactly: number.doubleValue) else { return nil }
            result.append(integer)
        }
        return result
    }
}
