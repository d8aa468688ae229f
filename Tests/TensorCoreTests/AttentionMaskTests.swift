// Tests of attention's masks and extremes (fully masked rows, huge logits), its gradients by
// finite differences, and the memory and traffic the kernels report.
//
//   B = batch, H = heads, N = query rows, M = key rows, d = head dim

import Foundation
import Testing
import TensorCore
import TestSupport

/// Runs standard and flash attention forward and backward with `mask` and compares both with
/// the float64 reference, within `tolerance` × max(1, largest reference value); returns the flash
/// results for further checks.
@discardableResult
private func checkBothKernels(
    q: Tensor, k: Tensor, v: Tensor, dO: Tensor, mask: AttentionMask, scale: Float? = nil,
    tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation
) throws -> (FlashAttentionResult, AttentionGradients) {
    let (n, m) = (q.shape[2], k.shape[2])
    let reference = AttentionReference64(q: q, k: k, v: v, dO: dO, scale: scale.map(Double.init)) { b, i, j in
        mask.allows(batch: b, query: i, key: j, queries: n, keys: m)
    }
    let blocks = FlashBlockSizes(queryRows: 32, keyRows: 32)
    let standard = try attentionStandard(q: q, k: k, v: v, mask: mask, scale: scale)
    let standardGrads = try attentionStandardBackward(q: q, k: k, v: v, probabilities: standard.probabilities,
                                                      dOutput: dO, scale: scale)
    let flash = try attentionFlash(q: q, k: k, v: v, mask: mask, scale: scale, blocks: blocks)
    let flashGrads = try attentionFlashBackward(q: q, k: k, v: v, output: flash.output, logsumexp: flash.logsumexp,
                                                dOutput: dO, mask: mask, scale: scale, blocks: blocks)
    for (name, tensor, expected) in [
        ("standard O", standard.output, reference.output), ("flash O", flash.output, reference.output),
        ("standard dQ", standardGrads.dQ, reference.dQ), ("flash dQ", flashGrads.dQ, reference.dQ),
        ("standard dK", standardGrads.dK, reference.dK), ("flash dK", flashGrads.dK, reference.dK),
        ("standard dV", standardGrads.dV, reference.dV), ("flash dV", flashGrads.dV, reference.dV),
    ] {
        let error = maxError(tensor, expected), finite = tensor.scalars.allSatisfy { $0.isFinite }
        let close = error <= tolerance * max(1, expected.map(abs).max() ?? 0)
        #expect(close, "\(name): max error \(error)", sourceLocation: sourceLocation)
        #expect(finite, "\(name) is not finite", sourceLocation: sourceLocation)
    }
    return (flash, flashGrads)
}

@Suite struct AttentionMaskTests {
    @Test func paddingKeysAndAFullyPaddedSequence() throws {
        // Batch 0 has 5 real keys of 40; batch 1 has none: its output and gradients are 0, L = −∞.
        let q = randomTensor([2, 2, 40, 16], seed: 1), k = randomTensor([2, 2, 40, 16], seed: 2)
        let v = randomTensor([2, 2, 40, 16], seed: 3), dO = randomTensor([2, 2, 40, 16], seed: 4)
        let mask = AttentionMask(keyLengths: [5, 0])
        let (flash, grads) = try checkBothKernels(q: q, k: k, v: v, dO: dO, mask: mask, tolerance: 1e-5)
        let half = 2 * 40 * 16
        #expect(flash.output.scalars[half...].allSatisfy { $0 == 0 })
        #expect(flash.logsumexp.scalars[(2 * 40)...].allSatisfy { $0 == -.infinity })
        #expect(grads.dQ.scalars[half...].allSatisfy { $0 == 0 })
        // Padded keys of batch 0 get no gradient.
        #expect(grads.dK.scalars[(5 * 16)..<(40 * 16)].allSatisfy { $0 == 0 })
        #expect(grads.dV.scalars[(5 * 16)..<(40 * 16)].allSatisfy { $0 == 0 })
    }

    @Test func arbitraryBooleanMaskWithAnEmptyRow() throws {
        var generator = SeededGenerator(seed: 9)
        var allowed = Tensor(shape: [2, 45, 50]) { _ in generator.nextUniform() < 0.3 ? 0 : 1 }
        allowed.withUnsafeMutableBufferPointer { a in for j in 0..<50 { a[7 * 50 + j] = 0 } }   // row 7 of batch 0
        let q = randomTensor([2, 1, 45, 32], seed: 5), k = randomTensor([2, 1, 50, 32], seed: 6)
        let v = randomTensor([2, 1, 50, 32], seed: 7), dO = randomTensor([2, 1, 45, 32], seed: 8)
        let mask = AttentionMask(causal: true, allowed: allowed)
        let (flash, grads) = try checkBothKernels(q: q, k: k, v: v, dO: dO, mask: mask, tolerance: 1e-5)
        #expect(flash.output.scalars[(7 * 32)..<(8 * 32)].allSatisfy { $0 == 0 })
        #expect(flash.logsumexp.scalars[7] == -.infinity)
        #expect(grads.dQ.scalars[(7 * 32)..<(8 * 32)].allSatisfy { $0 == 0 })
    }

    @Test(arguments: [Float(1e4), Float(-1e4)])
    func hugeLogits(_ size: Float) throws {
        // Scores of order ±10⁴: exp would overflow without the running maximum. A Float32 score
        // that large is only known to ulp(10⁴)/2 ≈ 5·10⁻⁴, and exp turns that into a relative
        // error of 5·10⁻⁴ in P, for either kernel: the tolerance is 4·10⁻³ of the largest value.
        let q = randomTensor([1, 2, 50, 16], seed: 21, scale: 1), k = randomTensor([1, 2, 50, 16], seed: 22, scale: 1)
        let v = randomTensor([1, 2, 50, 16], seed: 23), dO = randomTensor([1, 2, 50, 16], seed: 24)
        let (flash, _) = try checkBothKernels(q: q, k: k, v: v, dO: dO, mask: .causal, scale: size / 16,
                                              tolerance: 4e-3)
        #expect(flash.logsumexp.scalars.allSatisfy { $0.isFinite })
    }

    @Test func badInputIsAnErrorNotACrash() {
        let q = Tensor.zeros([1, 1, 4, 8]), k = Tensor.zeros([1, 1, 5, 8])
        #expect(throws: TensorError.self) { try attentionFlash(q: q, k: k, v: Tensor.zeros([1, 1, 4, 8])) }
        #expect(throws: TensorError.self) { try attentionStandard(q: Tensor.zeros([4, 8]), k: k, v: k) }
        #expect(throws: TensorError.self) {
            try attentionFlash(q: q, k: k, v: k, blocks: FlashBlockSizes(queryRows: 48, keyRows: 64))
        }
        #expect(throws: TensorError.self) { try attentionFlash(q: q, k: k, v: k, mask: AttentionMask(keyLengths: [6])) }
        #expect(throws: TensorError.self) {
            try attentionStandard(q: q, k: k, v: k, mask: AttentionMask(allowed: Tensor.ones([5, 4])))
        }
    }
}

@Suite struct AttentionFiniteDifferenceTests {
    /// ∂(Σ O ∘ W)/∂X by central differences of the flash forward, h = 10⁻², loss in Float64.
    /// Its error is O(h²) ≈ 10⁻⁴ relative, plus Float32 rounding of O over h (≈ 10⁻⁵).
    @Test(arguments: [AttentionMask.causal, AttentionMask(keyLengths: [9, 4])])
    func gradientsMatchFiniteDifferences(mask: AttentionMask) throws {
        let q = randomTensor([2, 1, 6, 5], seed: 31), k = randomTensor([2, 1, 9, 5], seed: 32)
        let v = randomTensor([2, 1, 9, 5], seed: 33)
        let w = randomTensor([2, 1, 6, 5], seed: 34)
        let flash = try attentionFlash(q: q, k: k, v: v, mask: mask)
        let grads = try attentionFlashBackward(q: q, k: k, v: v, output: flash.output, logsumexp: flash.logsumexp,
                                               dOutput: w, mask: mask)
        let h: Float = 1e-2
        /// The loss with element `index` of input `which` (0 = Q, 1 = K, 2 = V) moved by `delta`.
        func loss(_ which: Int, _ index: Int, _ delta: Float) throws -> Double {
            var inputs = [q, k, v]
            inputs[which].withUnsafeMutableBufferPointer { $0[index] += delta }
            let o = try attentionFlash(q: inputs[0], k: inputs[1], v: inputs[2], mask: mask).output
            return zip(o.scalars, w.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var worst = 0.0
        for (which, analytic) in [grads.dQ, grads.dK, grads.dV].enumerated() {
            for index in 0..<analytic.count {
                let numeric = (try loss(which, index, h) - loss(which, index, -h)) / (2 * Double(h))
                worst = max(worst, abs(numeric - Double(analytic.scalars[index])) / max(1, abs(numeric)))
            }
        }
        #expect(worst < 2e-3, "worst relative difference \(worst)")
    }
}

@Suite struct AttentionStatsTests {
    @Test func standardReportsItsNSquaredMatrices() throws {
        let q = randomTensor([2, 3, 64, 16], seed: 41)
        let result = try attentionStandard(q: q, k: q, v: q)
        #expect(result.stats.extraBytes == 2 * 3 * 64 * 64 * 4)
        #expect(result.stats.dramBytes == 6 * 4 * (4 * 64 * 16 + 4 * 64 * 64))   // the count, written out
    }

    @Test func flashCountsItsTilesAndGrowsLinearly() throws {
        let blocks = FlashBlockSizes(queryRows: 64, keyRows: 128)
        var extra: [Int] = []
        for n in [512, 1024, 2048] {
            let q = randomTensor([1, 1, n, 64], seed: UInt64(n))
            let result = try attentionFlash(q: q, k: q, v: q, blocks: blocks)
            // K and V stream once per block of 64 queries: 2·N·d·(N/64) floats, plus Q, O and L.
            #expect(result.stats.dramBytes == 4 * (n * 64 + (n / 64) * 2 * n * 64 + n * 65))
            extra.append(result.stats.extraBytes)
            #expect(result.stats.extraBytes < attentionStandardBytes(batch: 1, heads: 1, queries: n, keys: n))
        }
        // O(N): doubling N at most doubles the extra memory (plus the fixed per-thread tiles).
        #expect(Double(extra[2]) / Double(extra[1]) <= 2.01)
        #expect(Double(extra[1]) / Double(extra[0]) <= 2.01)
    }

    @Test func causalFlashSkipsBlocksAboveTheDiagonal() throws {
        let q = randomTensor([1, 1, 1024, 64], seed: 51)
        let full = try attentionFlash(q: q, k: q, v: q).stats.dramBytes
        let causal = try attentionFlash(q: q, k: q, v: q, mask: .causal).stats.dramBytes
        // K/V traffic is Σ over query blocks of the visible keys: about half, never more than 0.6.
        #expect(Double(causal) / Double(full) < 0.6)
    }
}
