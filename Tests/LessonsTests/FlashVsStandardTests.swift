// The online-softmax trace of the flash-vs-standard lesson, against values derived with NumPy
// (float64: s = q·kᵀ/√2, then m, l = Σ exp(s − m), Õ = Σ exp(s − m)·v over the keys seen so far).

import Testing
import TensorCore
import TestSupport
@testable import Lessons

@Suite struct FlashVsStandardTests {
    // Q [3, 2], K and V [4, 2]; blocks of 2 keys. Block 2 raises every row's maximum.
    static let q: [Float] = [1, 0, 0.5, -1, -2, 1]
    static let k: [Float] = [0.5, 0, 0, 1, 3, 0, -1, 2]
    static let v: [Float] = [1, 2, -1, 0.5, 0.25, -3, 2, 1]

    static func trace() -> OnlineSoftmaxTrace {
        OnlineSoftmaxTrace(q: q, k: k, v: v, queries: 3, keys: 4, headDim: 2, blockSize: 2)
    }

    @Test("m, l and Õ after each block match NumPy")
    func runningStatistics() {
        let trace = Self.trace()
        #expect(trace.blocks.count == 2)
        #expect(trace.blocks.map(\.keys) == [0..<2, 2..<4])
        let first = trace.blocks[0], second = trace.blocks[1]
        expectClose(first.rowMax.map(Double.init), [0.35355339059327373, 0.17677669529663687, 0.7071067811865475], rtol: 1e-6, atol: 1e-6)
        expectClose(first.rowSum.map(Double.init), [1.7021885013265596, 1.4131752357048617, 1.2431167344342142], rtol: 1e-6, atol: 1e-6)
        expectClose(first.unnormalizedOutput.map(Double.init),
                    [0.29781149867344037, 2.3510942506632797, 0.5868247642951382, 2.206587617852431,
                     -0.7568832655657858, 0.9862334688684284], rtol: 1e-6, atol: 1e-6)
        expectClose(first.outputSoFar.map(Double.init),
                    [0.17495800167921952, 1.3812185012594145, 0.41525265194902916, 1.561439488961772,
                     -0.6088593650139138, 0.7933554762395647], rtol: 1e-6, atol: 1e-6)
        expectClose(second.rowMax.map(Double.init), [2.1213203435596424, 1.0606601717798212, 2.82842712474619], rtol: 1e-6, atol: 1e-6)
        expectClose(second.rescale.map(Double.init), [0.1707137753997681, 0.4131752357048618, 0.11987325010376206], rtol: 1e-6, atol: 1e-6)
        expectClose(second.rowSum.map(Double.init), [1.3496927720654863, 1.642994757666586, 1.1498657689197236], rtol: 1e-6, atol: 1e-6)
        expectClose(second.unnormalizedOutput.map(Double.init),
                    [0.4190520184199185, -2.5395300775866265, 0.6106729534290063, -2.029186894328436,
                     1.9094822744336601, 1.1156750341602084], rtol: 1e-6, atol: 1e-6)
        // The first block's α is 0: nothing had been summed yet.
        #expect(first.rescale == [0, 0, 0])
    }

    @Test("the final O and logsumexp match NumPy and the attention kernels")
    func finalOutput() throws {
        let trace = Self.trace()
        let expected = [0.3104795603066224, -1.881561589531436, 0.3716828374402705, -1.2350537850834824,
                        1.6606132002934406, 0.9702654556004074]
        expectClose(trace.output.map(Double.init), expected, rtol: 1e-6, atol: 1e-6)
        expectClose(trace.logsumexp.map(Double.init), [2.421197333862789, 1.5571808201217583, 2.9680723376302254],
                    rtol: 1e-6, atol: 1e-6)
        let q = try Tensor(shape: [1, 1, 3, 2], scalars: Self.q)
        let k = try Tensor(shape: [1, 1, 4, 2], scalars: Self.k), v = try Tensor(shape: [1, 1, 4, 2], scalars: Self.v)
        expectClose(try attentionStandard(q: q, k: k, v: v).output.scalars.map(Double.init), expected, rtol: 1e-5, atol: 1e-6)
        expectClose(try attentionFlash(q: q, k: k, v: v).output.scalars.map(Double.init), expected, rtol: 1e-5, atol: 1e-6)
    }

    @Test("the causal tile schedule skips the tile above the diagonal and masks inside diagonal tiles")
    func tileSchedule() {
        let schedule = FlashVsStandardLesson.tileSchedule(n: 8, br: 4, bc: 4, causal: true)
        #expect(schedule[0 * 8 + 0] == 1 && schedule[0 * 8 + 1] == 0)         // q0 sees k0, not k1
        #expect(schedule[3 * 8 + 4].isNaN && schedule[0 * 8 + 7].isNaN)      // block (q0–3, k4–7) skipped
        #expect(schedule[7 * 8 + 7] == 2 && schedule[4 * 8 + 5] == 0 && schedule[4 * 8 + 3] == 1)
    }

    @Test("without a mask every score is computed, at the step of its key block")
    func unmaskedTileSchedule() {
        // The walkthrough's tiles: one block of 8 queries, key blocks k0–k3 then k4–k7.
        let schedule = FlashVsStandardLesson.tileSchedule(n: 8, br: 8, bc: 4, causal: false)
        let expected: [Float] = (0..<64).map { $0 % 8 < 4 ? 1 : 2 }
        #expect(schedule == expected)
    }
}
