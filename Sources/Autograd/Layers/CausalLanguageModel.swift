// A decoder-only ("GPT-style") transformer language model: each position predicts the next token
// from the tokens before it.
// B = batch, N = positions (≤ context), d = width, V = vocabulary, L = layers, F = feed-forward width.

import TensorCore
import _Support

/// A causal transformer language model:
///
///     x = embed(tokens) + PE                         [B, N, d]
///     x = layer_ℓ(x, causal mask)   for ℓ = 1 … L    pre-norm encoder layers
///     logits = head(norm(x))                         [B, N, V]
///
/// The causal mask lets position i attend to positions ≤ i only, so the logits at i are a
/// prediction of token i + 1 that never saw it: training on every position of a window at once
/// is honest.
///
///     var rng = SeededGenerator(seed: 42)
///     let model = CausalLanguageModel(.init(vocabulary: 65), generator: &rng)
///     let logits = try model(ids, shape: [32, 64])   // [32, 64, 65]
///
/// Parameters: `embed.weight`, `layers.ℓ.*` (see `TransformerEncoderLayer`), `norm.*`, `head.*`.
public final class CausalLanguageModel: Module {
    /// The sizes of the model.
    public struct Configuration: Sendable, Equatable {
        /// V: distinct tokens.
        public var vocabulary: Int
        /// d: model width.
        public var width: Int
        /// H: attention heads (d must be a multiple of H).
        public var heads: Int
        /// L: transformer layers.
        public var layers: Int
        /// F: feed-forward width.
        public var hidden: Int
        /// The longest window the model reads (the positional encoding's length).
        public var context: Int
        /// The attention kernel; `.flash` skips the key blocks a causal mask hides.
        public var kernel: AttentionKernel

        public init(vocabulary: Int, width: Int = 64, heads: Int = 4, layers: Int = 2, hidden: Int? = nil,
                    context: Int = 64, kernel: AttentionKernel = .flash) {
            self.vocabulary = vocabulary
            self.width = width
            self.heads = heads
            self.layers = layers
            self.hidden = hidden ?? 4 * width
            self.context = context
            self.kernel = kernel
        }
    }

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

    /// - Parameters:
    ///   - ids: token ids in 0..<V, row-major over `shape`.
    ///   - shape: [B, N] with N ≤ context.
    /// - Returns: logits [B, N, V]; those at position i predict token i + 1.
    public func callAsFunction(_ ids: [Int], shape: [Int]) throws -> Variable {
        var x = try positions(embed(ids, shape: shape))      // [B, N, d]
        for layer in layers { x = try layer(x, mask: .causal) }
        return try head(norm(x))                             // [B, N, V]
    }

    public var namedParameters: [NamedParameter] {
        scoped("embed", embed) + scoped("layers", layers) + scoped("norm", norm) + scoped("head", head)
    }
}

// MARK: - Training

extension CausalLanguageModel {
    /// One step of next-token training on B windows drawn at random from `tokens`:
    ///
    ///     inputs  = tokens[s ..< s + N],  targets = tokens[s + 1 ... s + N]   per window, N = context
    ///     loss    = crossEntropy(model(inputs), targets)                      mean over B·N positions
    ///
    /// then backward, the gradient norm clipped to `maxGradientNorm`, and one step of `optimizer`
    /// (with the learning rate it holds: a schedule sets it before the call). The char-transformer
    /// example, `bench training` and the example's test all train with this step.
    ///
    ///     let loss = try model.trainingStep(on: tokens, batch: 32, optimizer: adam, using: &rng)
    ///
    /// - Parameters:
    ///   - tokens: the text as ids in 0..<V, at least N + 1 of them.
    ///   - batch: B, windows per step.
    ///   - generator: draws the window starts (B draws).
    /// - Returns: the step's loss, before the update.
    public func trainingStep(
        on tokens: [Int], batch: Int, optimizer: some Optimizer, maxGradientNorm: Float = 1,
        using generator: inout SeededGenerator
    ) throws -> Float {
        let n = configuration.context
        ensure(tokens.count > n, "training needs more than \(n) tokens, got \(tokens.count)")
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(batch * n)
        targets.reserveCapacity(batch * n)
        for _ in 0..<batch {
            let start = generator.nextInt(below: tokens.count - n)
            inputs += tokens[start..<(start + n)]
            targets += tokens[(start + 1)...(start + n)]
        }
        zeroGradients()
        let loss = try crossEntropy(logits: self(inputs, shape: [batch, n]), targets: targets)   // logits [B, N, V]
        loss.backward()
        clipGradientNorm(parameters, maxNorm: maxGradientNorm)
        optimizer.step()
        return loss.value.item
    }
}

extension CausalLanguageModel.Configuration {
    /// L transformer encoder layers of this width, heads and feed-forward size, on this
    /// configuration's attention kernel: the stack every model here builds on (the mask is
    /// what makes it causal, bidirectional or an encoder-decoder's encoder).
    func encoderLayers(generator: inout SeededGenerator) -> [TransformerEncoderLayer] {
        (0..<layers).map { _ in
            let layer = TransformerEncoderLayer(width: width, heads: heads, hidden: hidden, generator: &generator)
            layer.attention.kernel = kernel
            return layer
        }
    }
}
