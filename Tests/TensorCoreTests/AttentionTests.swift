// Tests of the attention kernels (Attention*.swift): standard and flash, forward and backward,
// against NumPy float64 values (References/derive_references.py, section "Attention"), against
// a float64 re-implementation (AttentionReference64.swift), and against finite differences.
//
//   B = batch, H = heads, N = query rows, M = key rows, d = head dim

import Foundation
import Testing
import TensorCore
import TestSupport

/// The exact inputs of the NumPy reference: Q [1, 2, 5, 4], K and V [1, 2, 7, 4], dO [1, 2, 5, 4].
private let q0 = exactInputs([1, 2, 5, 4])
private let k0 = exactInputs([1, 2, 7, 4], multiplier: 5, offset: 1)
private let v0 = exactInputs([1, 2, 7, 4], multiplier: 3, offset: 8)
private let dO0 = exactInputs([1, 2, 5, 4], multiplier: 11, offset: 4)

// Float32 with scores up to ~15 and sums of 7 terms: 2e-6 relative, 2e-6 absolute is ample.
private let rtol = 2e-6, atol = 2e-6

@Suite struct AttentionNumPyTests {
    @Test(arguments: [false, true])
    func standardMatchesNumPy(causal: Bool) throws {
        let mask: AttentionMask = causal ? .causal : .none
        let forward = try attentionStandard(q: q0, k: k0, v: v0, mask: mask)
        expectClose(forward.output, shape: [1, 2, 5, 4], causal ? attentionCausal_output : attentionFull_output,
                    rtol: rtol, atol: atol)
        let grads = try attentionStandardBackward(q: q0, k: k0, v: v0, probabilities: forward.probabilities, dOutput: dO0)
        expectClose(grads.dQ, shape: [1, 2, 5, 4], causal ? attentionCausal_dQ : attentionFull_dQ, rtol: rtol, atol: atol)
        expectClose(grads.dK, shape: [1, 2, 7, 4], causal ? attentionCausal_dK : attentionFull_dK, rtol: rtol, atol: atol)
        expectClose(grads.dV, shape: [1, 2, 7, 4], causal ? attentionCausal_dV : attentionFull_dV, rtol: rtol, atol: atol)
    }

    @Test(arguments: [false, true])
    func flashMatchesNumPy(causal: Bool) throws {
        let mask: AttentionMask = causal ? .causal : .none
        let forward = try attentionFlash(q: q0, k: k0, v: v0, mask: mask)
        expectClose(forward.output, shape: [1, 2, 5, 4], causal ? attentionCausal_output : attentionFull_output,
                    rtol: rtol, atol: atol)
        expectClose(forward.logsumexp, shape: [1, 2, 5], causal ? attentionCausal_logsumexp : attentionFull_logsumexp,
                    rtol: rtol, atol: atol)
        let grads = try attentionFlashBackward(q: q0, k: k0, v: v0, output: forward.output,
                                               logsumexp: forward.logsumexp, dOutput: dO0, mask: mask)
        expectClose(grads.dQ, shape: [1, 2, 5, 4], causal ? attentionCausal_dQ : attentionFull_dQ, rtol: rtol, atol: atol)
        expectClose(grads.dK, shape: [1, 2, 7, 4], causal ? attentionCausal_dK : attentionFull_dK, rtol: rtol, atol: atol)
        expectClose(grads.dV, shape: [1, 2, 7, 4], causal ? attentionCausal_dV : attentionFull_dV, rtol: rtol, atol: atol)
    }

    @Test func naiveMatchesNumPy() throws {
        let (output, logsumexp) = try attentionNaive(q: q0, k: k0, v: v0, mask: .causal)
        expectClose(output, attentionCausal_output, rtol: 1e-12, atol: 1e-12)
        expectClose(logsumexp, attentionCausal_logsumexp, rtol: 1e-12, atol: 1e-12)
    }
}

/// The FlashAttention paper's test rule: the flash kernel's largest error against a float64
/// reference is at most twice the standard kernel's. The standard kernel is sometimes exact
/// (N = 1) and some gradients are exactly 0 (one key), so a floor of 8 float ulps of the
/// largest reference value (at least 1) is added.
@Suite struct FlashExactnessTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let batch: Int, heads: Int, n: Int, m: Int, d: Int, causal: Bool
        var testDescription: String { "B\(batch) H\(heads) N\(n) M\(m) d\(d)\(causal ? " causal" : "")" }
    }

    static let cases: [Case] = [
        Case(batch: 1, heads: 1, n: 1, m: 1, d: 16, causal: false),
        Case(batch: 1, heads: 1, n: 1, m: 1, d: 64, causal: true),
        Case(batch: 2, heads: 3, n: 37, m: 37, d: 16, causal: false),
        Case(batch: 2, heads: 3, n: 37, m: 37, d: 16, causal: true),
        Case(batch: 1, heads: 2, n: 100, m: 100, d: 32, causal: true),
        Case(batch: 2, heads: 2, n: 161, m: 161, d: 64, causal: false),
        Case(batch: 2, heads: 2, n: 161, m: 161, d: 64, causal: true),
        Case(batch: 1, heads: 2, n: 70, m: 150, d: 128, causal: false),
        Case(batch: 1, heads: 2, n: 70, m: 150, d: 128, causal: true),
        Case(batch: 1, heads: 1, n: 130, m: 33, d: 20, causal: true),   // N > M: early rows see nothing
    ]

    @Test(arguments: cases)
    func flashWithinTwiceStandardError(_ c: Case) throws {
        let seed = UInt64(c.n * 1000 + c.d + (c.causal ? 7 : 0))
        let q = randomTensor([c.batch, c.heads, c.n, c.d], seed: seed)
        let k = randomTensor([c.batch, c.heads, c.m, c.d], seed: seed + 1)
        let v = randomTensor([c.batch, c.heads, c.m, c.d], seed: seed + 2)
        let dO = randomTensor([c.batch, c.heads, c.n, c.d], seed: seed + 3)
        let mask: AttentionMask = c.causal ? .causal : .none
        let reference = AttentionReference64(q: q, k: k, v: v, dO: dO) { b, i, j in
            mask.allows(batch: b, query: i, key: j, queries: c.n, keys: c.m)
        }
        let standard = try attentionStandard(q: q, k: k, v: v, mask: mask)
        let standardGrads = try attentionStandardBackward(q: q, k: k, v: v, probabilities: standard.probabilities,
                                                          dOutput: dO)
        // Small blocks, so that even these sizes cross several tiles and leave partial ones.
        let blocks = FlashBlockSizes(queryRows: 32, keyRows: 32)
        let flash = try attentionFlash(q: q, k: k, v: v, mask: mask, blocks: blocks)
        let flashGrads = try attentionFlashBackward(q: q, k: k, v: v, output: flash.output,
                                                    logsumexp: flash.logsumexp, dOutput: dO, mask: mask, blocks: blocks)
        let pairs: [(String, Tensor, Tensor, [Double])] = [
            ("O", flash.output, standard.output, reference.output),
            ("dQ", flashGrads.dQ, standardGrads.dQ, reference.dQ),
            ("dK", flashGrads.dK, standardGrads.dK, reference.dK),
            ("dV", flashGrads.dV, standardGrads.dV, reference.dV),
        ]
        for (name, flashValue, standardValue, expected) in pairs {
            let floor = 8 * Double(Float.ulpOfOne) * max(1, expected.map(abs).max() ?? 0)
            let flashError = maxError(flashValue, expected), standardError = maxError(standardValue, expected)
            #expect(flashError <= 2 * standardError + floor,
                    "\(name): flash error \(flashError) > 2 × standard error \(standardError) + \(floor)")
            #expect(flashError.isFinite)
        }
        // L against the float64 logsumexp (−∞ where a row sees nothing).
        for (actual, expected) in zip(flash.logsumexp.scalars, reference.logsumexp) {
            if expected == -.infinity { #expect(actual == -.infinity) } else { #expect(abs(Double(actual) - expected) < 1e-5) }
        }
    }

    @Test func defaultBlocksOnALongerSequence() throws {
        // N = 300 crosses the default blocks (64 × 128) with partial tiles at both ends.
        let q = randomTensor([1, 2, 300, 64], seed: 11), k = randomTensor([1, 2, 300, 64], seed: 12)
        let v = randomTensor([1, 2, 300, 64], seed: 13), dO = randomTensor([1, 2, 300, 64], seed: 14)
        let reference = AttentionReference64(q: q, k: k, v: v, dO: dO) { _, i, j in j <= i }
        let flash = try attentionFlash(q: q, k: k, v: v, mask: .causal)
        let grads = try attentionFlashBackward(q: q, k: k, v: v, output: flash.output, logsumexp: flash.logsumexp,
                                               dOutput: dO, mask: .causal)
        #expect(maxError(flash.output, reference.output) < 2e-6)
        #expect(maxError(grads.dQ, reference.dQ) < 1e-5)
        #expect(maxError(grads.dK, reference.dK) < 1e-5)
        #expect(maxError(grads.dV, reference.dV) < 1e-5)
    }
}
