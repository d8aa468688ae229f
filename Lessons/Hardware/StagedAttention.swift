// Standard attention as the lecture draws it: five separate passes over memory, each one a
// kernel of its own that can be timed on its own.
//
//   N = query rows, M = key rows, d = head dim, p = dropout probability; one head
//
//   1. QKᵀ           S = Q Kᵀ                          [N, M]   GEMM, writes S
//   2. scale + mask  S ← S · scale, −∞ where masked    [N, M]   reads and writes S
//   3. softmax       P = softmax(S) row by row         [N, M]   reads S, writes P (in place)
//   4. dropout       P ← P ∘ keep / (1 − p)            [N, M]   reads and writes P
//   5. PV            O = P V                           [N, d]   GEMM, reads P
//
// `attentionStandard` fuses 1 and 2 (the scale rides on the GEMM) and has no dropout; with
// p = 0 the five passes compute the same O. PyTorch's eager attention runs exactly these passes.

import _Support
import TensorCore

/// One pass of standard attention (see `StagedAttention`).
enum AttentionStage: String, CaseIterable, Sendable {
    case scores = "QKᵀ"
    case scaleAndMask = "scale + mask"
    case softmax
    case dropout
    case output = "PV"

    /// Whether the pass is a matrix product (the rest are elementwise or row-wise).
    var isMatrixProduct: Bool { self == .scores || self == .output }

    /// FLOPs and bytes this pass must do and move for one head (see `OperationCost`).
    func cost(queries n: Int, keys m: Int, headDim d: Int) -> OperationCost {
        switch self {
        case .scores: .gemm(m: n, n: m, k: d)
        case .scaleAndMask: .scaleAndMask(rows: n, columns: m)
        case .softmax: .softmax(rows: n, columns: m)
        case .dropout: .dropout(count: n * m)
        case .output: .gemm(m: n, n: d, k: m)
        }
    }
}

/// Standard attention for one head, held in memory between its five passes so that each pass
/// can be run — and timed — on its own.
///
///     let staged = try StagedAttention(q: q, k: k, v: v, causal: true, dropout: 0.1, seed: 7)
///     for stage in AttentionStage.allCases { staged.run(stage) }   // in this order
///     staged.output                                                 // [N, d]
///
/// Each pass reads what the one before it wrote, in place in one N×M buffer, exactly as
/// Algorithm 0 does; running the five in order again recomputes everything from Q, K, V.
final class StagedAttention: @unchecked Sendable {
    let queries: Int, keys: Int, headDim: Int
    let causal: Bool
    /// Probability that dropout zeroes a score; survivors are scaled by 1 / (1 − p).
    let dropout: Float
    let seed: UInt64
    let scale: Float
    private let q: Tensor, k: Tensor, v: Tensor
    private var scores: Tensor        // S, then P: [N, M]
    private var result: Tensor        // O: [N, d]

    /// - Parameters:
    ///   - q: [N, d]
    ///   - k: [M, d]
    ///   - v: [M, d]
    ///   - causal: query i sees keys j ≤ i + (M − N), as `AttentionMask.causal`.
    ///   - dropout: p in [0, 1).
    ///   - seed: picks which scores dropout zeroes (the same seed zeroes the same ones).
    ///   - scale: multiplies every score; `nil` means 1/√d.
    /// - Throws: `TensorError` when the shapes do not fit or p is outside [0, 1).
    init(q: Tensor, k: Tensor, v: Tensor, causal: Bool = false, dropout: Float = 0, seed: UInt64 = 0,
                scale: Float? = nil) throws {
        guard q.rank == 2, k.rank == 2, v.shape == k.shape, q.shape[1] == k.shape[1] else {
            throw TensorError.shapeMismatch("staged attention wants Q [N, d], K and V [M, d]; got \(q.shape), \(k.shape), \(v.shape)")
        }
        guard dropout >= 0 && dropout < 1 else {
            throw TensorError.invalidArgument("dropout probability must be in [0, 1), not \(dropout)")
        }
        (queries, keys, headDim) = (q.shape[0], k.shape[0], q.shape[1])
        self.causal = causal
        self.dropout = dropout
        self.seed = seed
        self.scale = scale ?? attentionDefaultScale(headDim: q.shape[1])
        (self.q, self.k, self.v) = (q, k, v)
        scores = Tensor.zeros([queries, keys])
        result = Tensor.zeros([queries, headDim])
    }

    /// Runs one pass, in place on the buffers (see the file header for what each does).
    func run(_ stage: AttentionStage) {
        let (n, m, d) = (queries, keys, headDim)
        scores.withUnsafeMutableBufferPointer { s in
            let sp = s.baseAddress!
            switch stage {
            case .scores:
                q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in
                    GEMM.sgemm(transB: true, m: n, n: m, k: d, a: q.baseAddress!, lda: d, b: k.baseAddress!, ldb: d,
                               c: sp, ldc: m)
                } }
            case .scaleAndMask:
                scaleAndMaskInPlace(sp, rows: n, columns: m, scale: scale, causal: causal)
            case .softmax:
                Parallel.forEachRange(n, minimum: max(1, 16_384 / max(1, m))) { rows in
                    for i in rows { softmaxRowInPlace(sp + i * m, count: m) }
                }
            case .dropout:
                dropoutInPlace(sp, count: n * m, probability: dropout, seed: seed)
            case .output:
                v.withUnsafeBufferPointer { v in result.withUnsafeMutableBufferPointer { o in
                    GEMM.sgemm(m: n, n: d, k: m, a: sp, lda: m, b: v.baseAddress!, ldb: d, c: o.baseAddress!, ldc: d)
                } }
            }
        }
    }

    /// O after the last `.output` pass: [N, d]
    var output: Tensor { result }
    /// The N×M buffer as the last pass left it: S, or P after the softmax (and dropout). [N, M]
    var buffer: Tensor { scores }
}

// MARK: - The elementwise passes

/// S ← S · scale for the scores a query may see, −∞ for the ones above the causal diagonal
/// (key j > i + (M − N)); without `causal` only the scaling. Rows run in parallel.
/// - Parameter s: [rows, columns], row-major.
func scaleAndMaskInPlace(_ s: UnsafeMutablePointer<Float>, rows n: Int, columns m: Int, scale: Float, causal: Bool) {
    Parallel.forEachRange(n, minimum: max(1, 16_384 / max(1, m))) { range in
        for i in range {
            let row = s + i * m
            let visible = causal ? min(m, max(0, i + (m - n) + 1)) : m
            VectorMath.scale(row, count: visible, by: scale)
            (row + visible).update(repeating: -.infinity, count: m - visible)
        }
    }
}

/// Inverted dropout: each element is zeroed with probability p and kept, times 1 / (1 − p),
/// otherwise — so the expected value of every element is unchanged.
///
///     y[i] = keep(i) ? x[i] · (1 / (1 − p)) : 0,   keep(i) ⇔ hash(seed, i) ≥ p · 2³²
///
/// Which elements survive depends only on the seed and the index (a counter-based generator,
/// like the Philox generator PyTorch uses on GPUs), not on the number of threads; no mask is
/// stored. The hash is `dropoutHash`. With p = 0 every element is kept unchanged.
/// - Parameters:
///   - x: `count` floats, changed in place.
///   - probability: p in [0, 1).
func dropoutInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, probability p: Float, seed: UInt64) {
    if p <= 0 { return }
    let threshold = dropoutThreshold(p), thresholds = SIMD16<UInt32>(repeating: threshold)
    let keepScale = 1 / (1 - p)
    let blocks = count / 16
    let lanes = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    Parallel.forEachRange(blocks, minimum: 4096) { range in
        for block in range {
            let i = block * 16
            let key = dropoutBlockKey(index: i, seed: seed)
            let hash = dropoutMix((lanes &+ UInt32(truncatingIfNeeded: i)) ^ key)   // index i + lane, as `dropoutHash`
            // NOTE: the mask as bits (−1 where dropped), and an and-not: `replacing(with:where:)`
            // split the mask into four 128-bit pieces here.
            let dropped = unsafeBitCast(hash .< thresholds, to: SIMD16<Int32>.self)
            let kept = unsafeBitCast(loadSIMD16(x + i) * keepScale, to: SIMD16<Int32>.self)
            storeSIMD16(unsafeBitCast(kept & ~dropped, to: SIMD16<Float>.self), x + i)
        }
    }
    for i in (blocks * 16)..<max(blocks * 16, count) {
        if dropoutHash(index: i, seed: seed) < threshold { x[i] = 0 } else { x[i] *= keepScale }
    }
}

/// p · 2³², the hash value below which an element is dropped.
func dropoutThreshold(_ p: Float) -> UInt32 {
    UInt32(min(Double(UInt32.max), (Double(p) * 4_294_967_296).rounded()))
}

/// The 32-bit hash that decides whether element `index` survives dropout: lowbias32 (Chris
/// Wellons' integer hash, two multiply–xorshift rounds) of the low 32 bits of the index, xored
/// with a key made from the seed and the high bits of the index.
func dropoutHash(index: Int, seed: UInt64) -> UInt32 {
    let key = dropoutBlockKey(index: index, seed: seed)
    return dropoutMix(SIMD16<UInt32>(repeating: UInt32(truncatingIfNeeded: index) ^ key))[0]
}

/// Whether element `index` survives dropout with probability p.
func dropoutKeeps(index: Int, probability p: Float, seed: UInt64) -> Bool {
    p <= 0 || dropoutHash(index: index, seed: seed) >= dropoutThreshold(p)
}

/// The part of the hash input shared by 16 consecutive elements: the seed and bits 32… of the index.
@inline(__always)
func dropoutBlockKey(index: Int, seed: UInt64) -> UInt32 {
    let high = UInt32(truncatingIfNeeded: UInt64(index) >> 32) ^ UInt32(truncatingIfNeeded: seed >> 32)
    return dropoutMix(SIMD16<UInt32>(repeating: high &+ 0x9E37_79B9))[0] ^ UInt32(truncatingIfNeeded: seed)
}

/// lowbias32: x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16.
@inline(__always)
func dropoutMix(_ value: SIMD16<UInt32>) -> SIMD16<UInt32> {
    var x = value
    x ^= x &>> 16
    x &*= 0x7FEB_352D
    x ^= x &>> 15
    x &*= 0x846C_A68B
    x ^= x &>> 16
    return x
}
