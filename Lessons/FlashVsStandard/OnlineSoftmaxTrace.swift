// The online softmax of FlashAttention in plain loops, recording its state after every key block.
// N = query rows, M = key rows, d = head dim, Bc = key rows per block.
//
// The real kernel (Sources/TensorCore/Attention+Flash.swift) does exactly this on SIMD tiles whose
// sides are multiples of 32; this version works on any block size, one number at a time, so
// that a tiny example can be followed by hand.

import Foundation

/// FlashAttention's forward pass for one block of queries, written for reading, that keeps a
/// copy of its running state after each block of keys and values.
///
/// For every query row i, with m = −∞, l = 0, Õ = 0 at the start, each block of Bc keys does
///
///     sⱼ     = scale · qᵢ · kⱼ                      for the keys j of the block
///     m_new  = max(m, maxⱼ sⱼ)
///     α      = exp(m − m_new)                       rescales what was summed so far
///     p̃ⱼ     = exp(sⱼ − m_new)
///     l      = α · l + Σⱼ p̃ⱼ
///     Õ      = α · Õ + Σⱼ p̃ⱼ · vⱼ
///     m      = m_new
///
/// and at the end O = Õ / l: exactly softmax(q Kᵀ · scale) V, without ever holding a whole row of
/// scores. Numerical stability: every exponent is ≤ 0, so nothing overflows.
///
///     let trace = OnlineSoftmaxTrace(q: q, k: k, v: v, queries: 8, keys: 8, headDim: 4, blockSize: 4)
///     trace.blocks[0].rowMax     // m after the first 4 keys, one per query
///     trace.output               // O, [8, 4]
struct OnlineSoftmaxTrace {
    /// The running state after one block of keys.
    struct BlockState {
        /// The keys of this block.
        let keys: Range<Int>
        /// m: the largest score seen so far, per query. [N]
        let rowMax: [Float]
        /// l: Σ exp(s − m) over the keys seen so far, per query. [N]
        let rowSum: [Float]
        /// α = exp(m_old − m_new), the factor this block applied to the old l and Õ. [N]
        let rescale: [Float]
        /// p̃ = exp(s − m_new) for this block's keys. [N, Bc]
        let probabilities: [Float]
        /// Õ: Σ p̃ · v over the keys seen so far, not yet divided by l. [N, d]
        let unnormalizedOutput: [Float]

        /// Õ / l: the attention output if the sequence ended after this block. [N, d]
        var outputSoFar: [Float] {
            let d = unnormalizedOutput.count / rowSum.count
            return unnormalizedOutput.indices.map { unnormalizedOutput[$0] / rowSum[$0 / d] }
        }
    }

    let queries: Int, keys: Int, headDim: Int, blockSize: Int
    /// S = Q Kᵀ · scale, for the figures only (the algorithm never needs it whole). [N, M]
    let scores: [Float]
    /// The state after each block, in order.
    let blocks: [BlockState]
    /// O = Õ / l after the last block. [N, d]
    let output: [Float]
    /// L = m + log l, the logsumexp of each row, which the backward pass uses. [N]
    let logsumexp: [Float]

    /// Runs the online softmax over key blocks of `blockSize` rows.
    /// - Parameters:
    ///   - q: [N, d] row-major
    ///   - k: [M, d]
    ///   - v: [M, d]
    ///   - scale: multiplies every score; nil means 1/√d.
    init(q: [Float], k: [Float], v: [Float], queries n: Int, keys m: Int, headDim d: Int, blockSize: Int,
         scale: Float? = nil) {
        let scale = scale ?? 1 / Float(d).squareRoot()
        (queries, keys, headDim, self.blockSize) = (n, m, d, blockSize)

        func score(_ i: Int, _ j: Int) -> Float {
            var dot: Float = 0
            for c in 0..<d { dot += q[i * d + c] * k[j * d + c] }
            return scale * dot
        }
        scores = (0..<(n * m)).map { score($0 / m, $0 % m) }

        var rowMax = [Float](repeating: -.infinity, count: n)          // m    [N]
        var rowSum = [Float](repeating: 0, count: n)                   // l    [N]
        var accumulator = [Float](repeating: 0, count: n * d)          // Õ    [N, d]
        var states: [BlockState] = []
        for start in stride(from: 0, to: m, by: blockSize) {
            let block = start..<min(start + blockSize, m)
            var rescale = [Float](repeating: 0, count: n)
            var probabilities = [Float](repeating: 0, count: n * block.count)
            for i in 0..<n {
                // The new maximum of row i, and the factor that moves the old sums onto it.
                var newMax = rowMax[i]
                for j in block { newMax = max(newMax, score(i, j)) }
                let alpha = rowMax[i] == -.infinity ? 0 : Foundation.exp(rowMax[i] - newMax)
                rescale[i] = alpha
                rowSum[i] *= alpha
                for c in 0..<d { accumulator[i * d + c] *= alpha }
                // This block's unnormalised probabilities, added to l and, weighted, to Õ.
                for (column, j) in block.enumerated() {
                    let p = Foundation.exp(score(i, j) - newMax)
                    probabilities[i * block.count + column] = p
                    rowSum[i] += p
                    for c in 0..<d { accumulator[i * d + c] += p * v[j * d + c] }
                }
                rowMax[i] = newMax
            }
            states.append(BlockState(keys: block, rowMax: rowMax, rowSum: rowSum, rescale: rescale,
                                     probabilities: probabilities, unnormalizedOutput: accumulator))
        }
        blocks = states
        output = accumulator.indices.map { accumulator[$0] / rowSum[$0 / d] }
        logsumexp = (0..<n).map { rowMax[$0] + Foundation.log(rowSum[$0]) }
    }
}
