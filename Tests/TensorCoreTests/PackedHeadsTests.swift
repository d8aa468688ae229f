// The packed layouts the flash kernels read, element by element against their definition.

import Testing
@testable import TensorCore

@Suite("flash attention: packed layouts")
struct PackedHeadsTests {
    /// strip[pair, r / width][c][r % width] = t[pair, r, c] · scale for r < rows and c < d; zero
    /// elsewhere (rows and columns of padding). Whole 16-column groups with a positive scale take
    /// the vector transposes, the rest the element-by-element loop; both must give these bits.
    @Test(arguments: [
        (width: 8, d: 16, rows: 37, scale: Float(1)), (width: 8, d: 64, rows: 64, scale: 0.125),
        (width: 32, d: 16, rows: 64, scale: 1), (width: 32, d: 48, rows: 45, scale: 0.25),
        (width: 32, d: 20, rows: 33, scale: 1), (width: 8, d: 64, rows: 5, scale: -0.5),
    ])
    func transposedStripsMatchTheirDefinition(width: Int, d: Int, rows: Int, scale: Float) {
        // Three pairs, as three tensors [3, 1, rows, d] and as three heads side by side in rows of
        // a wider tensor [1, rows, 3·d + 5] (from column 2), as the packed projection holds them.
        let pairs = 3, dp = (d + 15) / 16 * 16, paddedRows = (rows + 63) / 64 * 64, wide = 3 * d + 5
        // Values that say where they came from, so a misplaced one cannot pass for another.
        var source = (0..<pairs * rows * wide).map { Float($0 % 9973) * 0.001 + 1 }
        let out = allocateFloats(pairs * paddedRows * dp)
        defer { out.deallocate() }
        for interleaved in [false, true] {
            // Element (pair, r, c) of the operand, wherever it is.
            func element(_ pair: Int, _ r: Int, _ c: Int) -> Float {
                interleaved ? source[r * wide + 2 + pair * d + c] : source[(pair * rows + r) * d + c]
            }
            out.update(repeating: .nan, count: pairs * paddedRows * dp)
            source.withUnsafeMutableBufferPointer {
                let heads = interleaved
                    ? HeadRows(interleaved: $0.baseAddress!, heads: 3, rows: rows, d: d, width: wide, offset: 2)
                    : HeadRows(contiguous: $0.baseAddress!, heads: 1, rows: rows, d: d)
                PackedHeads.transposedStrips(heads, pairs: pairs, rows: rows, d: d, paddedRows: paddedRows,
                                             dp: dp, width: width, into: out, scale: scale)
            }
            var wrong = 0
            for pair in 0..<pairs {
                for r in 0..<paddedRows {
                    for c in 0..<dp {
                        let got = out[(pair * paddedRows + r / width * width) * dp + c * width + r % width]
                        let want = r < rows && c < d ? element(pair, r, c) * scale : 0
                        if got.bitPattern != want.bitPattern { wrong += 1 }
                    }
                }
            }
            #expect(wrong == 0, "\(interleaved ? "interleaved" : "contiguous"): \(wrong) of \(pairs * paddedRows * dp) packed numbers differ from their definition")
        }
    }
}

/// Attention on a packed projection [B, N, 3·H·D], read in place, against splitting it into Q, K,
/// V [B, H, N, D] by hand, `attentionFlash` and merging: the same numbers, bit for bit, forward
/// and backward. Head widths 16 (in place) and 24 (padded copies), N not a multiple of 8, a causal
/// mask and key lengths (whose masked keys must still get zero gradients).
@Suite("flash attention on a packed projection")
struct PackedAttentionTests {
    @Test(arguments: [
        (heads: 4, headDim: 16, n: 64, causal: true, lengths: nil as [Int]?),
        (heads: 2, headDim: 24, n: 37, causal: false, lengths: [37, 20]),
        (heads: 3, headDim: 32, n: 150, causal: true, lengths: [150, 97]),
    ])
    func packedMatchesSplitHeads(heads: Int, headDim: Int, n: Int, causal: Bool, lengths: [Int]?) throws {
        let b = 2, d = heads * headDim
        let qkv = randomTensor([b, n, 3 * d], seed: 21), dO = randomTensor([b, n, d], seed: 22)
        let mask = AttentionMask(causal: causal, keyLengths: lengths)
        let blocks = FlashBlockSizes(queryRows: 32, keyRows: 64)
        // Column `offset + h·D + c` of row (b, t) of a [B, N, width] tensor, as [B, H, N, D].
        func split(_ t: Tensor, width: Int, offset: Int) -> Tensor {
            let x = t.scalars
            return Tensor(shape: [b, heads, n, headDim]) { index in
                let c = index % headDim, i = index / headDim % n, h = index / (headDim * n) % heads
                let batch = index / (headDim * n * heads)
                return x[(batch * n + i) * width + offset + h * headDim + c]
            }
        }
        let q = split(qkv, width: 3 * d, offset: 0), k = split(qkv, width: 3 * d, offset: d)
        let v = split(qkv, width: 3 * d, offset: 2 * d)
        let flash = try attentionFlash(q: q, k: k, v: v, mask: mask, blocks: blocks)
        let grads = try attentionFlashBackward(q: q, k: k, v: v, output: flash.output, logsumexp: flash.logsumexp,
                                               dOutput: split(dO, width: d, offset: 0), mask: mask, blocks: blocks)

        let packed = try attentionFlashPacked(qkv: qkv, heads: heads, mask: mask, blocks: blocks)
        let packedGrads = try attentionFlashPackedBackward(qkv: qkv, heads: heads, output: packed.output,
                                                           logsumexp: packed.logsumexp, dOutput: dO, mask: mask,
                                                           blocks: blocks)
        func differing(_ a: Tensor, _ b: Tensor) -> Int {
            zip(a.scalars, b.scalars).filter { $0.bitPattern != $1.bitPattern }.count
        }
        #expect(packed.output.shape == [b, n, d] && packedGrads.dQKV.shape == qkv.shape)
        #expect(differing(split(packed.output, width: d, offset: 0), flash.output) == 0, "O")
        #expect(differing(packed.logsumexp, flash.logsumexp) == 0, "L")
        #expect(differing(split(packedGrads.dQKV, width: 3 * d, offset: 0), grads.dQ) == 0, "dQ")
        #expect(differing(split(packedGrads.dQKV, width: 3 * d, offset: d), grads.dK) == 0, "dK")
        #expect(differing(split(packedGrads.dQKV, width: 3 * d, offset: 2 * d), grads.dV) == 0, "dV")
    }

    @Test func badShapesAreRefused() {
        #expect(throws: TensorError.self) { try attentionFlashPacked(qkv: Tensor.zeros([2, 5, 10]), heads: 2) }
        #expect(throws: TensorError.self) { try attentionFlashPacked(qkv: Tensor.zeros([5, 12]), heads: 2) }
        #expect(throws: TensorError.self) {
            try attentionFlashPacked(qkv: Tensor.zeros([2, 5, 12]), heads: 2, mask: AttentionMask(keyLengths: [5]))
        }
    }
}
