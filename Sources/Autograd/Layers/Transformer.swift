// The transformer's blocks: position-wise feed-forward, encoder and decoder layers, and the
// sinusoidal positional encoding.
// B = batch, N = target positions, M = source positions, d = model width, F = feed-forward width.

import TensorCore

// MARK: - Feed-forward

/// The position-wise feed-forward network: y = W₂ dropout(act(W₁ x + b₁)) + b₂, the same MLP at
/// every position.
///
/// Parameters: `linear1` [F, d], `linear2` [d, F] (with biases).
public final class FeedForward: Module {
    public enum Activation: Sendable { case relu, gelu }
    public let linear1: Linear, linear2: Linear
    public let activation: Activation
    let dropout: Dropout

    public init(width: Int, hidden: Int, activation: Activation = .gelu, dropout: Float = 0,
                generator: inout SeededGenerator) {
        linear1 = Linear(inputs: width, outputs: hidden, generator: &generator)
        linear2 = Linear(inputs: hidden, outputs: width, generator: &generator)
        self.activation = activation
        self.dropout = Dropout(probability: dropout, generator: &generator)
    }

    /// - Parameter x: [..., d]
    /// - Returns: [..., d]
    public func callAsFunction(_ x: Variable) throws -> Variable {
        let h = activation == .gelu
            ? try linearGELU(x, weight: linear1.weight, bias: linear1.bias)   // [..., F], bias and GELU fused
            : try linear1(x).relu()
        return try linear2(dropout(h))
    }

    public var namedParameters: [NamedParameter] { scoped("linear1", linear1) + scoped("linear2", linear2) }
}

// MARK: - Encoder layer

/// One transformer encoder layer: self-attention then feed-forward, each in a residual branch.
///
/// Pre-norm by default (`normFirst: true`, as GPT-2 and most modern models; it trains stably
/// without warm-up tricks):
///
///     x = x + dropout(attention(norm1(x)))
///     x = x + dropout(feedForward(norm2(x)))
///
/// With `normFirst: false`, post-norm as in the original paper: x = norm1(x + dropout(attention(x))), ….
/// Parameters: `attention.*`, `feedForward.*`, `norm1.*`, `norm2.*`.
public final class TransformerEncoderLayer: Module {
    public let attention: MultiHeadAttention
    public let feedForward: FeedForward
    public let norm1: LayerNorm, norm2: LayerNorm
    public let normFirst: Bool
    let dropout: Dropout

    /// - Parameter layerNormEpsilon: ε of both layer norms (BERT uses 1e-12).
    public init(width: Int, heads: Int, hidden: Int, dropout: Float = 0, normFirst: Bool = true,
                layerNormEpsilon: Float = 1e-5, generator: inout SeededGenerator) {
        attention = MultiHeadAttention(width: width, heads: heads, generator: &generator)
        feedForward = FeedForward(width: width, hidden: hidden, dropout: dropout, generator: &generator)
        norm1 = LayerNorm(width: width, epsilon: layerNormEpsilon)
        norm2 = LayerNorm(width: width, epsilon: layerNormEpsilon)
        self.normFirst = normFirst
        self.dropout = Dropout(probability: dropout, generator: &generator)
    }

    /// - Parameters:
    ///   - x: [B, N, d]
    ///   - mask: for the self-attention: `.causal` for a language model, key padding, ….
    /// - Returns: [B, N, d]
    public func callAsFunction(_ x: Variable, mask: AttentionMask = .none) throws -> Variable {
        if normFirst {
            let x = try x + dropout(attention(norm1(x), mask: mask))
            return try x + dropout(feedForward(norm2(x)))
        }
        let x = try norm1(x + dropout(attention(x, mask: mask)))
        return try norm2(x + dropout(feedForward(x)))
    }

    public var namedParameters: [NamedParameter] {
        scoped("attention", attention) + scoped("feedForward", feedForward) + scoped("norm1", norm1) + scoped("norm2", norm2)
    }
}

// MARK: - Decoder layer

/// One transformer decoder layer: causal self-attention, cross-attention to the encoder's
/// output (the memory), then feed-forward, each in a residual branch; pre-norm by default
/// (`normFirst`), post-norm as in the original paper otherwise:
///
///     x = x + dropout(selfAttention(norm1(x), causal))
///     x = x + dropout(crossAttention(norm2(x), memory))
///     x = x + dropout(feedForward(norm3(x)))
///
/// Parameters: `selfAttention.*`, `crossAttention.*`, `feedForward.*`, `norm1.*` … `norm3.*`.
public final class TransformerDecoderLayer: Module {
    public let selfAttention: MultiHeadAttention, crossAttention: MultiHeadAttention
    public let feedForward: FeedForward
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    public let normFirst: Bool
    let dropout: Dropout

    public init(width: Int, heads: Int, hidden: Int, dropout: Float = 0, normFirst: Bool = true,
                generator: inout SeededGenerator) {
        selfAttention = MultiHeadAttention(width: width, heads: heads, generator: &generator)
        crossAttention = MultiHeadAttention(width: width, heads: heads, generator: &generator)
        feedForward = FeedForward(width: width, hidden: hidden, dropout: dropout, generator: &generator)
        norm1 = LayerNorm(width: width)
        norm2 = LayerNorm(width: width)
        norm3 = LayerNorm(width: width)
        self.normFirst = normFirst
        self.dropout = Dropout(probability: dropout, generator: &generator)
    }

    /// - Parameters:
    ///   - x: the target so far, [B, N, d]
    ///   - memory: the encoder's output, [B, M, d]
    ///   - selfMask: `.causal` (default) so position i sees only positions ≤ i.
    ///   - memoryMask: usually the source's key padding, `AttentionMask(keyLengths:)`.
    /// - Returns: [B, N, d]
    public func callAsFunction(
        _ x: Variable, memory: Variable, selfMask: AttentionMask = .causal, memoryMask: AttentionMask = .none
    ) throws -> Variable {
        if normFirst {
            var x = try x + dropout(selfAttention(norm1(x), mask: selfMask))
            x = try x + dropout(crossAttention(norm2(x), context: memory, mask: memoryMask))
            return try x + dropout(feedForward(norm3(x)))
        }
        var x = try norm1(x + dropout(selfAttention(x, mask: selfMask)))
        x = try norm2(x + dropout(crossAttention(x, context: memory, mask: memoryMask)))
        return try norm3(x + dropout(feedForward(x)))
    }

    public var namedParameters: [NamedParameter] {
        scoped("selfAttention", selfAttention) + scoped("crossAttention", crossAttention)
            + scoped("feedForward", feedForward) + scoped("norm1", norm1) + scoped("norm2", norm2) + scoped("norm3", norm3)
    }
}

// MARK: - Positional encoding

/// Adds the sinusoidal positional encoding of TensorCore's `PositionalEncoding` (the one the
/// positional-encoding lesson draws) to a batch of embeddings: y[b, n, :] = x[b, n, :] + PE[n, :].
/// No parameters; the table is computed once for `maxPositions`.
public final class SinusoidalPositionalEncoding: Module {
    /// PE: [maxPositions, d]
    public let table: Tensor

    /// - Throws: `TensorError.invalidArgument` for an odd or non-positive width.
    public init(maxPositions: Int, width: Int) throws {
        table = try PositionalEncoding.sinusoidal(positions: maxPositions, dModel: width)
    }

    /// - Parameter x: [B, N, d] with N ≤ maxPositions.
    /// - Returns: [B, N, d]
    public func callAsFunction(_ x: Variable) throws -> Variable {
        guard x.value.rank == 3, x.shape[1] <= table.shape[0], x.shape[2] == table.shape[1] else {
            throw TensorError.shapeMismatch("positional encoding for \(table.shape) cannot be added to \(x.shape)")
        }
        return try x + Variable(Profiler.measure(.elementwise) { try table.rows(0..<x.shape[1]) })
    }

    public var namedParameters: [NamedParameter] { [] }
}
