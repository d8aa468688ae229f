// Saving and loading a model's parameters as a .safetensors checkpoint.

import Foundation
import TensorCore
import _Support

extension Module {
    /// Writes every parameter, under its dotted name, to a `.safetensors` file, atomically
    /// (a temporary file renamed over `path`: never half a checkpoint).
    ///
    ///     try model.saveCheckpoint(to: "Output/reverse.safetensors", metadata: ["step": "500"])
    ///
    /// - Throws: `FileError` when the file cannot be written.
    public func saveCheckpoint(to path: String, metadata: [String: String] = [:]) throws {
        let bytes = try Safetensors.encode(namedParameters.map { ($0.name, $0.variable.value) }, metadata: metadata)
        try AtomicFile.write(bytes, to: path)
    }

    /// Reads a checkpoint written by `saveCheckpoint` (or by Python's safetensors) into the
    /// parameters. Every name and shape is checked first; on any problem nothing is changed.
    ///
    /// - Returns: the file's metadata.
    /// - Throws: `CheckpointError` for a missing, unreadable, truncated or corrupted file, or one
    ///   whose names or shapes do not match this model.
    @discardableResult
    public func loadCheckpoint(from path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(path: path, reason: "the file does not exist or cannot be read")
        }
        let (tensors, metadata) = try Safetensors.decode([UInt8](data), path: path)
        let byName = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let parameters = namedParameters
        for (name, variable) in parameters {
            guard let tensor = byName[name] else {
                throw CheckpointError(path: path, reason: "parameter \(name) is missing from the file")
            }
            guard tensor.shape == variable.shape else {
                throw CheckpointError(path: path, reason: "parameter \(name) is \(tensor.shape) in the file but \(variable.shape) in the model")
            }
        }
        let expected = Set(parameters.map { $0.name })
        if let extra = tensors.first(where: { !expected.contains($0.name) }) {
            throw CheckpointError(path: path, reason: "the file has a tensor \(extra.name) that the model does not")
        }
        for (name, variable) in parameters { variable.value = byName[name]! }
        return metadata
    }
}
