// Bahdanau's additive attention (Bahdanau, Cho & Bengio, 2015): the decoder state asks which
// encoder outputs matter for the next word.
// B = batch, T = source steps (keys), Q = query width, K = key width, A = attention width.

import TensorCore

/// Additive (Bahdanau) attention:
///
///     score_t = vᵀ tanh(W₁ q + W₂ k_t)            for every key t
///     α = softmax(score) over unmasked keys       (a padded key gets α = 0)
///     context = Σ_t α_t k_t
///
///     let attention = AdditiveAttention(queryWidth: 64, keyWidth: 128, width: 64, generator: &rng)
///     let projected = try attention.projectKeys(encoderOutputs)      // once per sentence
///     let (context, weights) = try attention(query: state, keys: encoderOutputs,
///                                            projectedKeys: projected, keyLengths: lengths)
///
/// Parameters: `query.weight` (W₁, [A, Q]), `key.weight` and `key.bias` (W₂, [A, K], [A]),
/// `score.weight` (vᵀ, [1, A]).
public final class AdditiveAttention: Module {
    public let queryProjection: Linear   // W₁
    public let keyProjection: Linear     // W₂ (with the one bias)
    public let score: Linear             // vᵀ

    public init(queryWidth: Int, keyWidth: Int, width: Int, generator: inout SeededGenerator) {
        queryProjection = Linear(inputs: queryWidth, outputs: width, bias: false, generator: &generator)
        keyProjection = Linear(inputs: keyWidth, outputs: width, generator: &generator)
        score = Linear(inputs: width, outputs: 1, bias: false, generator: &generator)
    }

    /// W₂ k for every key, which does not depend on the query: compute it once per sequence.
    /// - Parameter keys: [B, T, K]
    /// - Returns: [B, T, A]
    public func projectKeys(_ keys: Variable) throws -> Variable { try keyProjection(keys) }

    /// - Parameters:
    ///   - query: [B, Q], e.g. the decoder state.
    ///   - keys: [B, T, K], e.g. the encoder outputs (also the values).
    ///   - projectedKeys: `projectKeys(keys)`, [B, T, A], if already computed.
    ///   - keyLengths: per batch element, keys t ≥ length are padding; `nil` means none.
    /// - Returns: the context [B, K] and the attention weights α [B, T].
    public func callAsFunction(
        query: Variable, keys: Variable, projectedKeys: Variable? = nil, keyLengths: [Int]? = nil
    ) throws -> (context: Variable, weights: Variable) {
        guard query.value.rank == 2, keys.value.rank == 3, keys.shape[0] == query.shape[0] else {
            throw TensorError.shapeMismatch("AdditiveAttention wants query [B, Q] and keys [B, T, K]; got \(query.shape), \(keys.shape)")
        }
        let (b, t) = (keys.shape[0], keys.shape[1])
        let projected = try projectedKeys ?? projectKeys(keys)                        // [B, T, A]
        let q = try queryProjection(query).reshaped([b, 1, -1])                      // [B, 1, A]
        var scores = try score((projected + q).tanh()).reshaped([b, t])              // [B, T]
        if let keyLengths {
            guard keyLengths.count == b else {
                throw TensorError.invalidArgument("AdditiveAttention: \(keyLengths.count) key lengths for a batch of \(b)")
            }
            let mask = Tensor(shape: [b, t]) { $0 % t < keyLengths[$0 / t] ? 0 : -.infinity }
            scores = try scores + Variable(mask)
        }
        let weights = scores.softmax()                                              // [B, T]
        let context = try weights.reshaped([b, 1, t]).matmul(keys).reshaped([b, -1]) // [B, K]
        return (context, weights)
    }

    public var namedParameters: [NamedParameter] {
        scoped("query", queryProjection) + scoped("key", keyProjection) + scoped("score", score)
    }
}
