// BERT (Devlin et al., 2019), the encoder behind sentence-transformers models such as
// all-MiniLM-L6-v2: read from a Hugging Face folder (config.json + model.safetensors) and run
// with this library's layers. B = batch, N = positions, d = hidden width, F = intermediate width.

import Foundation
import TensorCore

/// Why a folder cannot be read as a BERT model, in one line.
public struct BERTError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A BERT encoder with Hugging Face's parameter names, so its checkpoints load as they are:
///
///     x = LayerNorm(word[ids] + position[0..<N] + tokenType[0])          [B, N, d]
///     x = layer_ℓ(x, key padding)   for ℓ = 1 … L                        post-norm encoder layers:
///         x = LayerNorm(x + attention(x));  x = LayerNorm(x + W₂ GELU(W₁ x))
///
/// `sentenceEmbeddings` adds sentence-transformers' head: the mean of the real tokens' vectors,
/// scaled to unit length.
///
///     let model = try BERTModel(folder: "Models/all-MiniLM-L6-v2")
///     let e = try model.sentenceEmbeddings(ids, shape: [2, 9], lengths: [9, 6])   // [2, 384]
///
/// Parameters: `embeddings.word_embeddings.weight` [V, d], `embeddings.position_embeddings.weight`,
/// `embeddings.token_type_embeddings.weight`, `embeddings.LayerNorm.*`, and per layer ℓ
/// `encoder.layer.ℓ.attention.self.{query,key,value}.*`, `…attention.output.dense.*`,
/// `…attention.output.LayerNorm.*`, `…intermediate.dense.*`, `…output.dense.*`, `…output.LayerNorm.*`.
public final class BERTModel: Module {
    /// The fields of a Hugging Face BERT `config.json` that shape the model.
    public struct Configuration: Sendable, Equatable {
        public var vocabulary: Int, width: Int, layers: Int, heads: Int, intermediate: Int
        public var maxPositions: Int, tokenTypes: Int
        public var layerNormEpsilon: Float

        public init(vocabulary: Int, width: Int, layers: Int, heads: Int, intermediate: Int,
                    maxPositions: Int = 512, tokenTypes: Int = 2, layerNormEpsilon: Float = 1e-12) {
            self.vocabulary = vocabulary
            self.width = width
            self.layers = layers
            self.heads = heads
            self.intermediate = intermediate
            self.maxPositions = maxPositions
            self.tokenTypes = tokenTypes
            self.layerNormEpsilon = layerNormEpsilon
        }

        /// Reads a `config.json`. Only the BERT architecture with GELU and absolute positions is supported.
        /// - Throws: `BERTError` saying what is missing or unsupported.
        public init(json data: Data, path: String = "config.json") throws {
            guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw BERTError("\(path) is not a JSON object")
            }
            let type = root["model_type"] as? String ?? "(none)"
            guard type == "bert" else { throw BERTError("\(path) describes a \(type) model; only BERT models are supported") }
            func integer(_ key: String) throws -> Int {
                guard let value = (root[key] as? NSNumber)?.intValue, value > 0 else {
                    throw BERTError("\(path) has no positive integer \(key)")
                }
                return value
            }
            let activation = root["hidden_act"] as? String ?? "gelu"
            guard activation == "gelu" else { throw BERTError("\(path) uses the \(activation) activation; only gelu is supported") }
            let positions = root["position_embedding_type"] as? String ?? "absolute"
            guard positions == "absolute" else {
                throw BERTError("\(path) uses \(positions) position embeddings; only absolute ones are supported")
            }
            self.init(vocabulary: try integer("vocab_size"), width: try integer("hidden_size"),
                      layers: try integer("num_hidden_layers"), heads: try integer("num_attention_heads"),
                      intermediate: try integer("intermediate_size"), maxPositions: try integer("max_position_embeddings"),
                      tokenTypes: (root["type_vocab_size"] as? NSNumber)?.intValue ?? 2,
                      layerNormEpsilon: (root["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12)
            guard width % heads == 0 else { throw BERTError("\(path): hidden_size \(width) is not divisible by \(heads) heads") }
            guard tokenTypes > 0 else { throw BERTError("\(path) has no token types") }
        }
    }

    public let configuration: Configuration
    public let wordEmbeddings: Embedding, positionEmbeddings: Embedding, tokenTypeEmbeddings: Embedding
    public let embeddingNorm: LayerNorm
    public let layers: [TransformerEncoderLayer]

    /// A model with random weights (for tests, or to load weights into).
    public init(_ configuration: Configuration, generator: inout SeededGenerator) {
        self.configuration = configuration
        let c = configuration
        wordEmbeddings = Embedding(count: c.vocabulary, width: c.width, std: 0.02, generator: &generator)
        positionEmbeddings = Embedding(count: c.maxPositions, width: c.width, std: 0.02, generator: &generator)
        tokenTypeEmbeddings = Embedding(count: c.tokenTypes, width: c.width, std: 0.02, generator: &generator)
        embeddingNorm = LayerNorm(width: c.width, epsilon: c.layerNormEpsilon)
        layers = (0..<c.layers).map { _ in
            TransformerEncoderLayer(width: c.width, heads: c.heads, hidden: c.intermediate, normFirst: false,
                                    layerNormEpsilon: c.layerNormEpsilon, generator: &generator)
        }
    }

    /// The model in a Hugging Face folder: `config.json` and `model.safetensors`.
    /// - Throws: `BERTError` for a missing or unsupported configuration, `CheckpointError` for a
    ///   missing, damaged or mismatched weights file.
    public convenience init(folder: String) throws {
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw BERTError("\(folder) has no config.json; it is not a Hugging Face model folder")
        }
        var generator = SeededGenerator(seed: 0)
        try self.init(Configuration(json: data, path: configPath), generator: &generator)
        try loadWeights(from: (folder as NSString).appendingPathComponent("model.safetensors"))
    }

    /// Reads Hugging Face weights into the parameters: every name and shape is checked before
    /// anything changes. A `bert.` prefix is dropped; the pooler and the integer position ids
    /// are not used.
    public func loadWeights(from path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(path: path, reason: "the file does not exist or cannot be read")
        }
        let (tensors, _) = try Safetensors.decode([UInt8](data), path: path, skipping: ["I64", "I32"])
        var byName: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            let name = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            if name.hasPrefix("pooler.") || name.hasPrefix("cls.") { continue }
            byName[name] = tensor
        }
        let parameters = namedParameters
        for (name, variable) in parameters {
            guard let tensor = byName[name] else { throw CheckpointError(path: path, reason: "BERT weight \(name) is missing") }
            guard tensor.shape == variable.shape else {
                throw CheckpointError(path: path, reason: "BERT weight \(name) is \(tensor.shape) in the file but \(variable.shape) in config.json")
            }
        }
        for (name, variable) in parameters { variable.value = byName[name]! }
    }

    /// The contextual vector of every token.
    /// - Parameters:
    ///   - ids: token ids, row-major [B, N] (padding after each row's length).
    ///   - lengths: each row's real length; padding keys are hidden from every query.
    /// - Returns: [B, N, d]
    public func callAsFunction(_ ids: [Int], shape: [Int], lengths: [Int]? = nil) throws -> Variable {
        guard shape.count == 2, shape[1] <= configuration.maxPositions else {
            throw BERTError("BERT reads [batch, positions] with at most \(configuration.maxPositions) positions, not \(shape)")
        }
        if let bad = ids.first(where: { !(0..<configuration.vocabulary).contains($0) }) {
            throw BERTError("token id \(bad) is outside the vocabulary of \(configuration.vocabulary)")
        }
        let n = shape[1]
        let words = try wordEmbeddings(ids, shape: shape)                                   // [B, N, d]
        let positions = try positionEmbeddings(Array(0..<n), shape: [1, n])                // [1, N, d]
        let types = try tokenTypeEmbeddings([0], shape: [1, 1])                             // [1, 1, d]
        var x = try embeddingNorm(words + positions + types)
        let mask = AttentionMask(keyLengths: lengths)
        for layer in layers { x = try layer(x, mask: mask) }
        return x
    }

    /// sentence-transformers' sentence vectors: the mean of each row's real tokens, scaled to length 1.
    ///
    ///     e_b = m_b / ‖m_b‖,   m_b = (1 / n_b) Σ_{i < n_b} x[b, i, :]
    ///
    /// - Returns: [B, d] (computed without a graph).
    public func sentenceEmbeddings(_ ids: [Int], shape: [Int], lengths: [Int]) throws -> Tensor {
        let x = try evaluating { try self(ids, shape: shape, lengths: lengths).value }      // [B, N, d]
        let (b, n, d) = (shape[0], shape[1], configuration.width)
        var out = [Float](repeating: 0, count: b * d)
        x.withUnsafeBufferPointer { x in
            for row in 0..<b {
                var sum = [Double](repeating: 0, count: d)
                for i in 0..<lengths[row] { for j in 0..<d { sum[j] += Double(x[(row * n + i) * d + j]) } }
                let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for j in 0..<d { out[row * d + j] = norm > 0 ? Float(sum[j] / norm) : 0 }
            }
        }
        return try Tensor(shape: [b, d], scalars: out)
    }

    public var namedParameters: [NamedParameter] {
        var result: [NamedParameter] = [
            ("embeddings.word_embeddings.weight", wordEmbeddings.weight),
            ("embeddings.position_embeddings.weight", positionEmbeddings.weight),
            ("embeddings.token_type_embeddings.weight", tokenTypeEmbeddings.weight),
        ]
        result += scoped("embeddings.LayerNorm", embeddingNorm)
        for (index, layer) in layers.enumerated() {
            let prefix = "encoder.layer.\(index)."
            let pieces: [(String, any Module)] = [
                ("attention.self.query", layer.attention.wq), ("attention.self.key", layer.attention.wk),
                ("attention.self.value", layer.attention.wv), ("attention.output.dense", layer.attention.wo),
                ("attention.output.LayerNorm", layer.norm1), ("intermediate.dense", layer.feedForward.linear1),
                ("output.dense", layer.feedForward.linear2), ("output.LayerNorm", layer.norm2),
            ]
            for (name, module) in pieces {
                result += module.namedParameters.map { (prefix + name + "." + $0.name, $0.variable) }
            }
        }
        return result
    }
}
