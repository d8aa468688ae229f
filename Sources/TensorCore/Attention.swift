// Scaled dot-product attention: the shared vocabulary of the three kernels.
//
//   B = batch, H = heads, N = query rows (Nq), M = key/value rows (Nk), d = head dim
//
//   O = softmax(Q Kᵀ · scale + mask) V        Q: [B, H, N, d]   K, V: [B, H, M, d]   O: [B, H, N, d]
//
// Three implementations compute it, in reading order:
//   attentionNaive     (this file)                 the triple loop in Float64: the reference
//   attentionStandard  (Attention+Standard.swift)  the lecture's Algorithm 0: S and P in memory
//   attentionFlash     (Attention+Flash.swift)     tiles, online softmax, recomputation: no N×M matrix

import Foundation
import _Support

/// Which scores attention may use. A masked score is −∞ before the softmax, so it gets
/// probability 0; a row with every score masked gives an output of zeros (and zero gradients).
///
///     let mask = AttentionMask.causal                          // query i sees keys j ≤ i
///     let padded = AttentionMask(keyLengths: [5, 3])           // batch 1 has 2 PAD keys at the end
public struct AttentionMask: Sendable, Equatable {
    /// Query i sees keys j ≤ i + (M − N): the usual lower triangle when N = M, and the last N
    /// rows of it when queries are the end of a longer sequence.
    public var causal: Bool
    /// Per batch element b: keys j ≥ keyLengths[b] are padding and masked.
    public var keyLengths: [Int]?
    /// [N, M] or [B, N, M]: a nonzero entry allows query i to attend to key j.
    public var allowed: Tensor?

    public init(causal: Bool = false, keyLengths: [Int]? = nil, allowed: Tensor? = nil) {
        self.causal = causal
        self.keyLengths = keyLengths
        self.allowed = allowed
    }

    /// Every query sees every key.
    public static let none = AttentionMask()
    /// Query i sees keys j ≤ i.
    public static let causal = AttentionMask(causal: true)

    /// True when nothing is masked.
    public var isEmpty: Bool { !causal && keyLengths == nil && allowed == nil }

    /// Whether query `i` of batch element `b` may attend to key `j`, for N queries and M keys.
    @inlinable
    public func allows(batch b: Int, query i: Int, key j: Int, queries n: Int, keys m: Int) -> Bool {
        if causal && j > i + (m - n) { return false }
        if let keyLengths, j >= keyLengths[b] { return false }
        if let allowed {
            let offset = allowed.rank == 3 ? b * n * m : 0
            return allowed.withUnsafeBufferPointer { $0[offset + i * m + j] } != 0
        }
        return true
    }
}

/// What a kernel measured about itself: the memory it needed beyond its inputs and outputs, and
/// the bytes it moved between slow memory (DRAM) and fast memory (cache) by the IO model.
public struct AttentionStats: Sendable, Equatable {
    /// Bytes the kernel allocated beyond its inputs and its returned outputs (S and P for the
    /// standard kernel; per-thread tiles and row statistics for the flash kernel).
    public var extraBytes: Int
    /// Bytes read from and written to slow memory, counted tile by tile as the kernel loads and
    /// stores them (the flash-vs-standard lesson's AttentionIOModel.swift gives the same counts in closed form).
    public var dramBytes: Int

    public init(extraBytes: Int = 0, dramBytes: Int = 0) {
        self.extraBytes = extraBytes
        self.dramBytes = dramBytes
    }
}

/// The gradients of attention with respect to its inputs, shaped like them.
public struct AttentionGradients: Sendable {
    /// ∂loss/∂Q: [B, H, N, d]
    public var dQ: Tensor
    /// ∂loss/∂K: [B, H, M, d]
    public var dK: Tensor
    /// ∂loss/∂V: [B, H, M, d]
    public var dV: Tensor
    public var stats: AttentionStats
}

/// The shapes of one attention problem, checked once.
@usableFromInline
struct AttentionShape: Sendable {
    @usableFromInline let batch: Int, heads: Int, queries: Int, keys: Int, headDim: Int
    var pairs: Int { batch * heads }

    /// Checks that Q is [B, H, N, d], K and V are [B, H, M, d], and the mask fits.
    init(q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask) throws {
        guard q.rank == 4, k.rank == 4, v.rank == 4 else {
            throw TensorError.shapeMismatch(
                "attention wants Q, K, V of rank 4 [B, H, N, d]; got \(q.shape), \(k.shape), \(v.shape)")
        }
        guard k.shape == v.shape, q.shape[0] == k.shape[0], q.shape[1] == k.shape[1], q.shape[3] == k.shape[3] else {
            throw TensorError.shapeMismatch(
                "attention wants Q [B, H, N, d] and K, V [B, H, M, d]; got \(q.shape), \(k.shape), \(v.shape)")
        }
        try self.init(batch: q.shape[0], heads: q.shape[1], queries: q.shape[2], keys: k.shape[2], headDim: q.shape[3],
                      mask: mask)
    }

    /// Checks that the mask fits B, N and M.
    init(batch: Int, heads: Int, queries: Int, keys: Int, headDim: Int, mask: AttentionMask) throws {
        (self.batch, self.heads, self.queries, self.keys, self.headDim) = (batch, heads, queries, keys, headDim)
        if let lengths = mask.keyLengths {
            guard lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= keys }) else {
                throw TensorError.invalidArgument(
                    "attention keyLengths \(lengths) must have \(batch) entries in 0...\(keys)")
            }
        }
        if let allowed = mask.allowed {
            guard allowed.shape == [queries, keys] || allowed.shape == [batch, queries, keys] else {
                throw TensorError.shapeMismatch(
                    "attention mask \(allowed.shape) must be [N, M] = [\(queries), \(keys)] or [B, N, M]")
            }
        }
    }

    func checkSameShape(_ tensor: Tensor, as expected: [Int], name: String) throws {
        guard tensor.shape == expected else {
            throw TensorError.shapeMismatch("attention \(name) must be \(expected); got \(tensor.shape)")
        }
    }
}

/// 1/√d, the scale that keeps the variance of a score near 1 when Q and K have unit variance.
@inlinable
public func attentionDefaultScale(headDim: Int) -> Float { 1 / Float(headDim).squareRoot() }

// MARK: - The reference

/// Attention by the definition, accumulating in Float64: slow, obviously right, and the reference
/// every fast kernel is tested against.
///
///     O[b,h,i,:] = Σ_j P[i,j] · V[b,h,j,:],   P[i,:] = softmax_j(scale · Q[b,h,i,:]·K[b,h,j,:])
///
/// Numerical stability: the row maximum is subtracted before exp, so exp never overflows.
/// - Parameters:
///   - q: [B, H, N, d]
///   - k: [B, H, M, d]
///   - v: [B, H, M, d]
///   - scale: multiplies every score; `nil` means 1/√d.
/// - Returns: O as Float64 values in row-major [B, H, N, d] order, and the per-row logsumexp
///   [B, H, N] of the scaled scores (−∞ for a fully masked row).
public func attentionNaive(
    q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask = .none, scale: Float? = nil
) throws -> (output: [Double], logsumexp: [Double]) {
    let shape = try AttentionShape(q: q, k: k, v: v, mask: mask)
    let (n, m, d) = (shape.queries, shape.keys, shape.headDim)
    let scale = Double(scale ?? attentionDefaultScale(headDim: d))
    let qs = q.scalars, ks = k.scalars, vs = v.scalars
    var output = [Double](repeating: 0, count: shape.pairs * n * d)
    var logsumexp = [Double](repeating: -.infinity, count: shape.pairs * n)
    var scores = [Double](repeating: 0, count: m)
    for pair in 0..<shape.pairs {
        let b = pair / shape.heads
        for i in 0..<n {
            var best = -Double.infinity
            for j in 0..<m {
                guard mask.allows(batch: b, query: i, key: j, queries: n, keys: m) else {
                    scores[j] = -.infinity
                    continue
                }
                var dot = 0.0
                for c in 0..<d { dot += Double(qs[(pair * n + i) * d + c]) * Double(ks[(pair * m + j) * d + c]) }
                scores[j] = dot * scale
                best = max(best, scores[j])
            }
            if best == -.infinity { continue }   // every key masked: output 0
            var total = 0.0
            for j in 0..<m where scores[j] > -.infinity {
                let p = Foundation.exp(scores[j] - best)
                total += p
                for c in 0..<d { output[(pair * n + i) * d + c] += p * Double(vs[(pair * m + j) * d + c]) }
            }
            for c in 0..<d { output[(pair * n + i) * d + c] /= total }
            logsumexp[pair * n + i] = best + Foundation.log(total)
        }
    }
    return (output, logsumexp)
}
