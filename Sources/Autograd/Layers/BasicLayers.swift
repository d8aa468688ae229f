// The basic layers: an affine map, a lookup table, layer normalisation, dropout.
// d = width, V = vocabulary; [...] stands for any leading axes.

import TensorCore

// MARK: - Linear

/// y = x Wᵀ + b.
///
///     var rng = SeededGenerator(seed: 42)
///     let layer = Linear(inputs: 64, outputs: 256, generator: &rng)
///     let y = try layer(x)          // [..., 64] → [..., 256]
///
/// Initialised as PyTorch does: W and b uniform in ±1/√inputs, which keeps the variance of y
/// near that of x. Parameters: `weight` [outputs, inputs], `bias` [outputs].
public final class Linear: Module {
    /// W: [outputs, inputs]
    public let weight: Variable
    /// b: [outputs], or `nil`
    public let bias: Variable?

    public init(inputs: Int, outputs: Int, bias: Bool = true, generator: inout SeededGenerator) {
        let bound = 1 / Float(Swift.max(inputs, 1)).squareRoot()
        weight = .parameter(Tensor.randomUniform([outputs, inputs], low: -bound, high: bound, using: &generator))
        self.bias = bias
            ? .parameter(Tensor.randomUniform([outputs], low: -bound, high: bound, using: &generator)) : nil
    }

    /// - Parameter x: [..., inputs]
    /// - Returns: [..., outputs]
    public func callAsFunction(_ x: Variable) throws -> Variable {
        try linear(x, weight: weight, bias: bias)
    }

    public var namedParameters: [NamedParameter] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

// MARK: - Embedding

/// A table of learned vectors, one per token id.
///
///     let embed = Embedding(count: 100, width: 64, generator: &rng)
///     let x = try embed(ids, shape: [B, N])     // [B, N, 64]
///
/// Parameter: `weight` [count, width], initialised N(0, std²) (PyTorch: std = 1).
public final class Embedding: Module {
    /// [V, d]
    public let weight: Variable

    public init(count: Int, width: Int, std: Float = 1, generator: inout SeededGenerator) {
        weight = .parameter(Tensor.randomNormal([count, width], std: std, using: &generator))
    }

    /// - Parameters:
    ///   - ids: ids in 0..<V, row-major over `shape`.
    ///   - shape: e.g. [B, N].
    /// - Returns: `shape` + [d].
    public func callAsFunction(_ ids: [Int], shape: [Int]) throws -> Variable {
        try embedding(weight, ids: ids, shape: shape)
    }

    public var namedParameters: [NamedParameter] { [("weight", weight)] }
}

// MARK: - Layer norm

/// Layer normalisation over the last axis with a learned gain and shift:
/// y = (x − μ) / √(σ² + ε) ⊙ γ + β.
///
/// Parameters (PyTorch's names): `weight` = γ [d] (ones), `bias` = β [d] (zeros).
public final class LayerNorm: Module {
    /// γ: [d]
    public let gain: Variable
    /// β: [d]
    public let shift: Variable
    public let epsilon: Float

    public init(width: Int, epsilon: Float = 1e-5) {
        gain = .parameter(Tensor.ones([width]))
        shift = .parameter(Tensor.zeros([width]))
        self.epsilon = epsilon
    }

    /// - Parameter x: [..., d]
    /// - Returns: [..., d]
    public func callAsFunction(_ x: Variable) throws -> Variable {
        try x.layerNorm(gamma: gain, beta: shift, epsilon: epsilon)
    }

    public var namedParameters: [NamedParameter] { [("weight", gain), ("bias", shift)] }
}

// MARK: - Dropout

/// Inverted dropout with its own seeded generator (drawn from the one given at init), so a model
/// built from one seed drops the same elements run after run. The identity inside `evaluating`.
public final class Dropout: Module {
    public let probability: Float
    var generator: SeededGenerator

    public init(probability: Float, generator: inout SeededGenerator) {
        self.probability = probability
        self.generator = SeededGenerator(seed: generator.next())
    }

    /// - Parameter x: any shape; returned with the same shape.
    public func callAsFunction(_ x: Variable) -> Variable {
        dropout(x, probability: probability, generator: &generator)
    }

    public var namedParameters: [NamedParameter] { [] }
}
