// Multi-head attention (Vaswani et al., 2017), self and cross.
// B = batch, N = query positions, M = key positions, d = model width, H = heads, D = d/H.

import TensorCore
import _Support

/// Multi-head scaled dot-product attention:
///
///     Q = x W_qᵀ,  K = c W_kᵀ,  V = c W_vᵀ          (c = x for self-attention)
///     head_h = softmax(Q_h K_hᵀ / √D + mask) V_h    for each of the H heads of width D = d/H
///     y = concat(head_1 … head_H) W_oᵀ
///
///     let mha = MultiHeadAttention(width: 64, heads: 4, generator: &rng)
///     let y = try mha(x, mask: .causal)                       // self-attention, [B, N, 64]
///     let z = try mha(y, context: encoderOutput)              // cross-attention
///
/// Parameters: `wq`, `wk`, `wv`, `wo`, each a `Linear` [d, d] with bias.
public final class MultiHeadAttention: Module {
    public let heads: Int
    public let wq: Linear, wk: Linear, wv: Linear, wo: Linear
    /// The kernel that computes attention (`.standard` keeps P; `.flash` does not).
    public var kernel: AttentionKernel
    /// When true, each call keeps the attention probabilities in `lastProbabilities`
    /// (standard kernel only), for pictures of what each head looks at.
    public var recordsProbabilities = false
    /// P of the last call, [B, H, N, M], when `recordsProbabilities` is on.
    public private(set) var lastProbabilities: Tensor?
    /// One factor per head, [H], multiplying that head's output before W_o: 0 silences a head
    /// (an ablation: what does the model lose without it?), 1 keeps it. `nil` keeps every head.
    public var headMask: [Float]? {
        didSet {
            if let headMask { ensure(headMask.count == heads, "MultiHeadAttention: a head mask needs \(heads) factors, not \(headMask.count)") }
        }
    }

    public init(width: Int, heads: Int, kernel: AttentionKernel = .standard, generator: inout SeededGenerator) {
        ensure(heads > 0 && width % heads == 0, "MultiHeadAttention: width \(width) is not divisible by \(heads) heads")
        self.heads = heads
        self.kernel = kernel
        wq = Linear(inputs: width, outputs: width, generator: &generator)
        wk = Linear(inputs: width, outputs: width, generator: &generator)
        wv = Linear(inputs: width, outputs: width, generator: &generator)
        wo = Linear(inputs: width, outputs: width, generator: &generator)
    }

    /// - Parameters:
    ///   - x: the queries' inputs, [B, N, d]
    ///   - context: the keys' and values' inputs, [B, M, d]; `nil` for self-attention (M = N).
    ///   - mask: causal, key padding or boolean (see `AttentionMask`).
    /// - Returns: [B, N, d]
    public func callAsFunction(_ x: Variable, context: Variable? = nil, mask: AttentionMask = .none) throws -> Variable {
        let kernel = recordsProbabilities ? .standard : kernel
        guard let context else {
            // Self-attention: Q, K and V in one GEMM with the stacked weights [3d, d], and one
            // attention op that splits and merges the heads itself (the same maths, fewer steps).
            let packed = try linear(x, weight: Variable.concatenate([wq.weight, wk.weight, wv.weight], axis: 0),
                                    bias: stackedBias())                       // [B, N, 3d]
            let (o, p) = try packedSelfAttention(packed, heads: heads, mask: mask, scale: nil, kernel: kernel)
            lastProbabilities = recordsProbabilities ? p : nil
            return try wo(masked(o))                                           // [B, N, d]
        }
        let q = try wq(x).splitHeads(heads)                  // [B, H, N, D]
        let k = try wk(context).splitHeads(heads)            // [B, H, M, D]
        let v = try wv(context).splitHeads(heads)            // [B, H, M, D]
        let (o, p) = try attentionWithProbabilities(q, k, v, mask: mask, scale: nil, kernel: kernel)
        lastProbabilities = recordsProbabilities ? p : nil
        return try wo(masked(o.mergeHeads()))                // [B, N, d]
    }

    /// The heads [B, N, d] (head h in columns h·D ..< (h+1)·D), each scaled by its `headMask` factor.
    func masked(_ heads: Variable) throws -> Variable {
        guard let headMask else { return heads }
        let width = heads.shape[heads.shape.count - 1], headWidth = width / self.heads
        let factors = (0..<width).map { headMask[$0 / headWidth] }
        return try heads * Variable(Tensor(shape: [width], scalars: factors))   // broadcast over [B, N]
    }

    /// [b_q | b_k | b_v], [3d]; `nil` when the projections have no bias.
    func stackedBias() throws -> Variable? {
        guard let bq = wq.bias, let bk = wk.bias, let bv = wv.bias else { return nil }
        return try Variable.concatenate([bq, bk, bv], axis: 0)
    }

    public var namedParameters: [NamedParameter] {
        scoped("wq", wq) + scoped("wk", wk) + scoped("wv", wv) + scoped("wo", wo)
    }
}
