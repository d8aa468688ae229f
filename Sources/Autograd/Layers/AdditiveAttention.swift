// Bahdanau's additive attention (Bahdanau, Cho & Bengio, 2015): the decoder state asks which
// encoder outputs matter for the next word.
// B = batch, T = source steps (keys), Q = query width, K = key width, A = attention width.

import _Support
import Foundation
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

    /// The same attention as `callAsFunction`, computed by the fused op `additiveAttention`:
    /// the weights come back as a plain tensor (for plotting), not as a variable.
    ///
    /// - Parameters: as `callAsFunction`; `projectedKeys` must be `projectKeys(keys)`.
    ///   `packedQueryWeight`: W₁ packed for this pass (`PackedWeight(queryProjection.weight)`),
    ///   for a decoder that attends at every step; the same bits as without.
    /// - Returns: the context [B, K] and the attention weights α [B, T].
    public func attend(
        query: Variable, keys: Variable, projectedKeys: Variable, keyLengths: [Int]? = nil,
        packedQueryWeight: PackedWeight? = nil
    ) throws -> (context: Variable, weights: Tensor) {
        let projectedQuery: Variable
        if let packedQueryWeight {
            guard packedQueryWeight.weight === queryProjection.weight else {
                throw TensorError.invalidArgument("AdditiveAttention: packedQueryWeight is not this layer's W₁")
            }
            projectedQuery = try linear(query, weight: packedQueryWeight, bias: queryProjection.bias)
        } else {
            projectedQuery = try queryProjection(query)
        }
        return try additiveAttention(query: projectedQuery, projectedKeys: projectedKeys, scoreWeight: score.weight,
                                     keys: keys, keyLengths: keyLengths)
    }

    public var namedParameters: [NamedParameter] {
        scoped("query", queryProjection) + scoped("key", keyProjection) + scoped("score", score)
    }
}

// MARK: - Fused op

/// Additive attention after the projections, as one op: scores, masked softmax and the
/// weighted sum in one pass per sequence, sixteen lanes at a time (`VectorMath.tanh`), where the
/// op-by-op version builds a [B, T, A] sum, its tanh, a product, a mask, a softmax and a matmul.
///
///     u_t = tanh(q + k'_t)                 [A] for every key t < length (saved for the backward)
///     s_t = vᵀ u_t,   α = softmax(s) over t < length,   α_t = 0 for padded keys
///     context = Σ_t α_t k_t
///
/// Backward, with G = ∂L/∂context:
///
///     ∂L/∂α_t = G · k_t                    ∂L/∂k_t = α_t G
///     ∂L/∂s_t = α_t (∂L/∂α_t − Σ_τ α_τ ∂L/∂α_τ)
///     ∂L/∂(q + k'_t) = ∂L/∂s_t · v ⊙ (1 − u_t²)  → summed over t for q, as is for k'_t
///     ∂L/∂v = Σ_t ∂L/∂s_t u_t
///
/// The gradients of `projectedKeys` and `keys` are added in place, so a decoder that attends at
/// every step does not allocate two [B, T, ·] tensors per step. A sequence of length 0 gets a
/// zero context.
///
/// - Parameters:
///   - query: W₁ q, already projected, [B, A].
///   - projectedKeys: W₂ k + b for every key, [B, T, A].
///   - scoreWeight: vᵀ, [1, A].
///   - keys: [B, T, K] (also the values).
///   - keyLengths: per batch element, keys t ≥ length are padding; `nil` means none.
/// - Returns: the context [B, K] and the attention weights α [B, T] (a constant).
public func additiveAttention(
    query: Variable, projectedKeys: Variable, scoreWeight: Variable, keys: Variable, keyLengths: [Int]? = nil
) throws -> (context: Variable, weights: Tensor) {
    guard query.value.rank == 2, projectedKeys.value.rank == 3, keys.value.rank == 3 else {
        throw TensorError.shapeMismatch("additiveAttention wants query [B, A], projectedKeys [B, T, A], keys [B, T, K]; "
                                        + "got \(query.shape), \(projectedKeys.shape), \(keys.shape)")
    }
    let (b, a) = (query.shape[0], query.shape[1])
    let (t, k) = (keys.shape[1], keys.shape[2])
    guard projectedKeys.shape == [b, t, a], keys.shape[0] == b, scoreWeight.shape == [1, a] else {
        throw TensorError.shapeMismatch("additiveAttention: query \(query.shape), projectedKeys \(projectedKeys.shape), "
                                        + "scoreWeight \(scoreWeight.shape), keys \(keys.shape) (want [B, A], [B, T, A], [1, A], [B, T, K])")
    }
    if let keyLengths, keyLengths.count != b || keyLengths.contains(where: { $0 < 0 || $0 > t }) {
        throw TensorError.invalidArgument("additiveAttention: key lengths \(keyLengths) must be \(b) values in 0...\(t)")
    }
    let lengths = keyLengths ?? [Int](repeating: t, count: b)
    var u = Kernels.makeOverwriting([b, t, a]) { _, _ in }                          // tanh(q + k'), rows t < length
    var weights = Kernels.make([b, t]) { _, _ in }
    let context = Kernels.make([b, k]) { out, _ in
        query.value.withUnsafeBufferPointer { q in
            projectedKeys.value.withUnsafeBufferPointer { kp in
                scoreWeight.value.withUnsafeBufferPointer { v in
                    keys.value.withUnsafeBufferPointer { keys in
                        u.withUnsafeMutableBufferPointer { u in
                            weights.withUnsafeMutableBufferPointer { alpha in
                                for row in 0..<b where lengths[row] > 0 {
                                    let n = lengths[row], scores = alpha.baseAddress! + row * t
                                    for time in 0..<n {
                                        let offset = (row * t + time) * a
                                        scores[time] = AttentionRows.score(query: q.baseAddress! + row * a, key: kp.baseAddress! + offset,
                                                                           v: v.baseAddress!, tanh: u.baseAddress! + offset, width: a)
                                    }
                                    let top = VectorMath.max(scores, count: n)
                                    let total = VectorMath.expShiftedSum(scores, scores, count: n, shift: top)
                                    VectorMath.scale(scores, count: n, by: 1 / total)
                                    for time in 0..<n {
                                        let weight = scores[time]
                                        AttentionRows.add(keys.baseAddress! + (row * t + time) * k, times: weight, into: out + row * k, count: k)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let alpha = weights
    let result = Variable.result(context, parents: [query, projectedKeys, scoreWeight, keys]) { g in
        var dQuery = Kernels.make([b, a]) { _, _ in }
        var dScore = Kernels.make([1, a]) { _, _ in }
        let dAlpha = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, t))   // ∂L/∂α of one row
        defer { dAlpha.deallocate() }
        Profiler.measure(.elementwise) {
            g.withUnsafeBufferPointer { g in
                alpha.withUnsafeBufferPointer { alpha in
                    u.withUnsafeBufferPointer { u in
                        keys.value.withUnsafeBufferPointer { keyValues in
                            scoreWeight.value.withUnsafeBufferPointer { v in
                                dQuery.withUnsafeMutableBufferPointer { dq in
                                    dScore.withUnsafeMutableBufferPointer { dv in
                                        projectedKeys.addToGradient { dkp in
                                            keys.addToGradient { dKeys in
                                                for row in 0..<b where lengths[row] > 0 {
                                                    let n = lengths[row], dc = g.baseAddress! + row * k
                                                    var weighted: Float = 0
                                                    for time in 0..<n {
                                                        let key = keyValues.baseAddress! + (row * t + time) * k
                                                        dAlpha[time] = VectorMath.dot(dc, key, count: k)
                                                        weighted += alpha[row * t + time] * dAlpha[time]
                                                    }
                                                    for time in 0..<n {
                                                        let weight = alpha[row * t + time]
                                                        let ds = weight * (dAlpha[time] - weighted)
                                                        let offset = (row * t + time) * a
                                                        if let dKeys {
                                                            AttentionRows.add(dc, times: weight, into: dKeys + (row * t + time) * k, count: k)
                                                        }
                                                        AttentionRows.scoreBackward(ds, tanh: u.baseAddress! + offset, v: v.baseAddress!,
                                                                                    dv: dv.baseAddress!, dQuery: dq.baseAddress! + row * a,
                                                                                    dKey: dkp.map { $0 + offset }, width: a)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        query.accumulate(dQuery)
        scoreWeight.accumulate(dScore)
    }
    return (result, weights)
}

/// The row loops of `additiveAttention`, sixteen lanes at a time: full vectors, then the tail.
///
/// NOTE: the main loops use the full-width `loadSIMD16(_:)`, and the tail its own loop, so the
/// hot path carries no lane-count test.
enum AttentionRows {
    /// u = tanh(q + k') into `tanh`, returns vᵀ u.
    @inline(__always)
    static func score(query: UnsafePointer<Float>, key: UnsafePointer<Float>, v: UnsafePointer<Float>,
                      tanh: UnsafeMutablePointer<Float>, width: Int) -> Float {
        var score = SIMD16<Float>()
        var j = 0
        while j + 16 <= width {
            let u = VectorMath.tanh(loadSIMD16(query + j) + loadSIMD16(key + j))
            storeSIMD16(u, tanh + j)
            score += u * loadSIMD16(v + j)
            j += 16
        }
        var total = score.sum()
        while j < width {
            let u = Foundation.tanh(query[j] + key[j])
            tanh[j] = u
            total += u * v[j]
            j += 1
        }
        return total
    }

    /// target += weight · x.
    @inline(__always)
    static func add(_ x: UnsafePointer<Float>, times weight: Float, into target: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count {
            storeSIMD16(loadSIMD16(target + j) + weight * loadSIMD16(x + j), target + j)
            j += 16
        }
        while j < count {
            target[j] += weight * x[j]
            j += 1
        }
    }

    /// From ∂L/∂s for one key: ∂L/∂v += ds · u, and ∂L/∂(q + k') = ds · v ⊙ (1 − u²) added to
    /// ∂L/∂q and (when kept) ∂L/∂k'.
    @inline(__always)
    static func scoreBackward(_ ds: Float, tanh: UnsafePointer<Float>, v: UnsafePointer<Float>, dv: UnsafeMutablePointer<Float>,
                              dQuery: UnsafeMutablePointer<Float>, dKey: UnsafeMutablePointer<Float>?, width: Int) {
        var j = 0
        while j + 16 <= width {
            let u = loadSIMD16(tanh + j)
            storeSIMD16(loadSIMD16(dv + j) + ds * u, dv + j)
            let dPre = ds * loadSIMD16(v + j) * (1 - u * u)
            storeSIMD16(loadSIMD16(dQuery + j) + dPre, dQuery + j)
            if let dKey { storeSIMD16(loadSIMD16(dKey + j) + dPre, dKey + j) }
            j += 16
        }
        while j < width {
            let u = tanh[j]
            dv[j] += ds * u
            let dPre = ds * v[j] * (1 - u * u)
            dQuery[j] += dPre
            if let dKey { dKey[j] += dPre }
            j += 1
        }
    }
}

extension Variable {
    /// Calls `body` with this variable's gradient buffer to add into, in place (zeros the first
    /// time), or with `nil` when it takes no gradient: accumulation without a temporary tensor.
    func addToGradient(_ body: (UnsafeMutablePointer<Float>?) -> Void) {
        guard requiresGrad else { return body(nil) }
        if grad == nil { grad = Profiler.measure(.allocation) { Tensor.zeros(shape) } }
        grad!.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
