// The two other transformer shapes beside `CausalLanguageModel`: an encoder-only model that sees
// the whole sequence at once (BERT's masked language model) and an encoder-decoder that reads one
// sequence and writes another (the original transformer, T5, BART).
// B = batch, N = positions, M = source positions, d = width, V = vocabulary, L = layers.

import TensorCore

/// An encoder-only ("BERT-style") transformer with a token head: every position sees every other
/// (non-padding) position, so its logits use the words on both sides.
///
///     x = embed(tokens) + PE                              [B, N, d]
///     x = layer_ℓ(x, key padding)   for ℓ = 1 … L         pre-norm encoder layers, no causal mask
///     logits = head(norm(x))                              [B, N, V]
///
/// Trained as a masked language model it predicts hidden words; `encode` gives the contextual
/// vectors themselves (for retrieval or classification).
///
///     let model = try TransformerEncoderModel(.init(vocabulary: 120), generator: &rng)
///     let logits = try model(ids, shape: [8, 20], lengths: lengths)   // [8, 20, 120]
///
/// Parameters: `embed.weight`, `layers.ℓ.*`, `norm.*`, `head.*` — the same names and shapes as a
/// `CausalLanguageModel` of the same configuration; only the mask differs.
public final class TransformerEncoderModel: Module {
    public typealias Configuration = CausalLanguageModel.Configuration

    public let configuration: Configuration
    public let embed: Embedding
    public let positions: SinusoidalPositionalEncoding
    public let layers: [TransformerEncoderLayer]
    public let norm: LayerNorm
    public let head: Linear

    /// - Throws: `TensorError.invalidArgument` for an odd width (the positional encoding needs pairs).
    public init(_ configuration: Configuration, generator: inout SeededGenerator) throws {
        self.configuration = configuration
        let c = configuration
        embed = Embedding(count: c.vocabulary, width: c.width, generator: &generator)
        positions = try SinusoidalPositionalEncoding(maxPositions: c.context, width: c.width)
        layers = c.encoderLayers(generator: &generator)
        norm = LayerNorm(width: c.width)
        head = Linear(inputs: c.width, outputs: c.vocabulary, generator: &generator)
    }

    /// The contextual vectors of every position.
    /// - Parameters:
    ///   - ids: token ids in 0..<V, row-major over `shape` [B, N].
    ///   - lengths: the real length of each sequence (positions past it are padding and hidden
    ///     from every query); `nil` when no sequence is padded.
    ///   - allowed: [N, N] or [B, N, N], nonzero where query i may attend to key j, in every
    ///     layer: to keep a word from seeing some others (a baseline that must do without
    ///     them); `nil` lets every query see every real key.
    /// - Returns: [B, N, d], after the final layer norm.
    public func encode(_ ids: [Int], shape: [Int], lengths: [Int]? = nil, allowed: Tensor? = nil) throws -> Variable {
        var x = try positions(embed(ids, shape: shape))      // [B, N, d]
        let mask = AttentionMask(keyLengths: lengths, allowed: allowed)
        for layer in layers { x = try layer(x, mask: mask) }
        return try norm(x)
    }

    /// - Returns: logits [B, N, V]; those at position i are the model's guess of token i itself.
    public func callAsFunction(_ ids: [Int], shape: [Int], lengths: [Int]? = nil, allowed: Tensor? = nil) throws -> Variable {
        try head(encode(ids, shape: shape, lengths: lengths, allowed: allowed))
    }

    public var namedParameters: [NamedParameter] {
        scoped("embed", embed) + scoped("layers", layers) + scoped("norm", norm) + scoped("head", head)
    }
}

/// An encoder-decoder transformer with one shared token embedding: the encoder reads the source
/// with full attention, the decoder writes the target left to right (causal self-attention) and
/// looks at the encoder's output through cross-attention.
///
///     memory = encoder(embed(source) + PE, key padding)           [B, M, d]
///     y = decoder(embed(target) + PE, causal; memory, padding)    [B, N, d]
///     logits = head(norm(y))                                      [B, N, V]
///
/// L encoder layers and L decoder layers, each of width d with H heads.
///
/// Parameters: `embed.weight`, `encoder.ℓ.*`, `encoderNorm.*`, `decoder.ℓ.*`, `norm.*`, `head.*`.
public final class TransformerEncoderDecoder: Module {
    public typealias Configuration = CausalLanguageModel.Configuration

    public let configuration: Configuration
    public let embed: Embedding
    public let positions: SinusoidalPositionalEncoding
    public let encoder: [TransformerEncoderLayer]
    public let encoderNorm: LayerNorm
    public let decoder: [TransformerDecoderLayer]
    public let norm: LayerNorm
    public let head: Linear

    /// - Throws: `TensorError.invalidArgument` for an odd width.
    public init(_ configuration: Configuration, generator: inout SeededGenerator) throws {
        self.configuration = configuration
        let c = configuration
        embed = Embedding(count: c.vocabulary, width: c.width, generator: &generator)
        positions = try SinusoidalPositionalEncoding(maxPositions: c.context, width: c.width)
        encoder = c.encoderLayers(generator: &generator)
        encoderNorm = LayerNorm(width: c.width)
        decoder = (0..<c.layers).map { _ in
            let layer = TransformerDecoderLayer(width: c.width, heads: c.heads, hidden: c.hidden, generator: &generator)
            layer.selfAttention.kernel = c.kernel
            layer.crossAttention.kernel = c.kernel
            return layer
        }
        norm = LayerNorm(width: c.width)
        head = Linear(inputs: c.width, outputs: c.vocabulary, generator: &generator)
    }

    /// - Parameters:
    ///   - source: ids, row-major over `shape` [B, M].
    ///   - lengths: real source lengths (padding after them is hidden); `nil` for none.
    /// - Returns: the memory, [B, M, d].
    public func encode(_ source: [Int], shape: [Int], lengths: [Int]? = nil) throws -> Variable {
        var x = try positions(embed(source, shape: shape))
        let mask = AttentionMask(keyLengths: lengths)
        for layer in encoder { x = try layer(x, mask: mask) }
        return try encoderNorm(x)
    }

    /// - Parameters:
    ///   - target: the decoder's input ids (BOS then the target so far), row-major over `shape` [B, N].
    ///   - memory: `encode`'s output, [B, M, d].
    ///   - sourceLengths: the sources' real lengths, so no query looks at source padding.
    /// - Returns: logits [B, N, V]; those at position i predict target token i + 1.
    public func decode(_ target: [Int], shape: [Int], memory: Variable, sourceLengths: [Int]? = nil) throws -> Variable {
        var y = try positions(embed(target, shape: shape))
        let memoryMask = AttentionMask(keyLengths: sourceLengths)
        for layer in decoder { y = try layer(y, memory: memory, selfMask: .causal, memoryMask: memoryMask) }
        return try head(norm(y))
    }

    public var namedParameters: [NamedParameter] {
        scoped("embed", embed) + scoped("encoder", encoder) + scoped("encoderNorm", encoderNorm)
            + scoped("decoder", decoder) + scoped("norm", norm) + scoped("head", head)
    }
}
