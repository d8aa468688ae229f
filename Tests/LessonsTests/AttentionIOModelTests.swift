// Tests of flash-vs-standard's model of attention's memory traffic (AttentionIOModel.swift): its
// closed forms against the bytes the kernels count tile by tile, and its Θ expressions.
//
//   N = sequence length, d = head dim, M = fast-memory bytes

import Testing
import TensorCore
@testable import Lessons

@Suite struct AttentionIOModelTests {
    /// Q, K and V of [1, 1, N, d] with seeded normal entries.
    func inputs(n: Int, d: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomNormal([1, 1, n, d], using: &generator)
    }

    @Test func standardBytesMatchWhatTheKernelCounts() throws {
        let q = inputs(n: 64, d: 16, seed: 41)
        let result = try attentionStandard(q: q, k: q, v: q)
        #expect(result.stats.dramBytes == AttentionIOModel.standardBytes(n: 64, d: 16))
        #expect(AttentionIOModel.standardBytes(n: 64, d: 16) == 4 * (4 * 64 * 16 + 4 * 64 * 64))   // written out
    }

    @Test(arguments: [512, 1024])
    func flashBytesMatchWhatTheKernelCounts(n: Int) throws {
        let blocks = FlashBlockSizes(queryRows: 64, keyRows: 128)
        let q = inputs(n: n, d: 64, seed: UInt64(n))
        let result = try attentionFlash(q: q, k: q, v: q, blocks: blocks)
        #expect(result.stats.dramBytes == AttentionIOModel.flashBytes(n: n, d: 64, blocks: blocks))
        // K and V stream once per block of 64 queries: 2·N·d·(N/64) floats, plus Q, O and L.
        #expect(AttentionIOModel.flashBytes(n: n, d: 64, blocks: blocks) == 4 * (n * 64 + (n / 64) * 2 * n * 64 + n * 65))
    }

    @Test func orders() {
        // Θ(N²d²/M): halving fast memory doubles the modelled traffic; Θ(Nd + N²) is quadratic in N.
        let small = AttentionIOModel.flashOrder(n: 4096, d: 64, fastMemoryBytes: 512 * 1024)
        let large = AttentionIOModel.flashOrder(n: 4096, d: 64, fastMemoryBytes: 1024 * 1024)
        #expect(small == 2 * large)
        #expect(AttentionIOModel.standardOrder(n: 2048, d: 64) == 4 * (2048 * 64 + 2048 * 2048))
        let blocks = AttentionIOModel.blocks(fittingIn: 1024 * 1024, d: 64)
        #expect(blocks.queryRows == 1024 && blocks.keyRows == 1024)
        #expect(AttentionIOModel.blocks(fittingIn: 1000, d: 64).queryRows == 32)
    }
}
