// Tests of the machine probes (MachineProbes*.swift), the FLOP and byte counts of the roofline
// (OperationCost.swift) and standard attention run pass by pass (StagedAttention.swift): that
// they compute the right thing — against closed forms, hand-worked numbers, scalar loops and the
// attention kernels they take apart. Timings are never asserted.
//
//   N = query rows, M = key rows, d = head dim

import Foundation
import Testing
import TensorCore
import TestSupport
@testable import Lessons

@Suite struct PointerChaseTests {
    /// The cycle through `next` starting at 0: its length before it comes back.
    func cycleLength(_ next: (Int) -> Int, count: Int) -> Int {
        var position = next(0), steps = 1
        while position != 0 && steps <= count {
            position = next(position)
            steps += 1
        }
        return steps
    }

    @Test(arguments: [1, 2, 3, 5, 64, 1000])
    func sattoloGivesOneCycleThroughEverySlot(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let next = MachineProbes.singleCyclePermutation(count: count, using: &generator)
        #expect(next.sorted() == Array(0..<count))                         // a permutation
        #expect(cycleLength({ next[$0] }, count: count) == count)          // one cycle of length count
        if count > 1 { #expect(zip(next, 0...).allSatisfy { $0 != $1 }) }  // no slot points to itself
    }

    @Test func differentSeedsDrawDifferentCycles() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 2)
        #expect(MachineProbes.singleCyclePermutation(count: 100, using: &a)
                != MachineProbes.singleCyclePermutation(count: 100, using: &b))
    }

    @Test func ringCoversEveryLineAndChaseWalksItFromCallToCall() {
        var generator = SeededGenerator(seed: 42)
        let ring = PointerChaseRing(bytes: 64 * 1000 + 17, using: &generator)   // rounded down to 1000 lines
        #expect(ring.lines == 1000 && ring.bytes == 64_000)
        #expect(cycleLength({ ring.successor(of: $0) }, count: 1000) == 1000)
        // The walk follows the successors, and each call continues where the last one stopped.
        var expected = 0
        for _ in 0..<13 { expected = ring.successor(of: expected) }
        #expect(ring.chase(hops: 13) == expected)
        #expect(ring.chase(hops: 1000 - 13) == 0)     // once round the cycle
        #expect(ring.chase(hops: 3 * 1000) == 0)
    }
}

@Suite struct BandwidthAndComputeProbeTests {
    @Test func readSumsEveryElementOfEveryPass() {
        // 1000 floats: not a multiple of the 128-float block, so the tail loop runs too.
        let buffer = ProbeBuffer(count: 1000)
        for i in 0..<1000 { buffer.buffer[i] = Float(i % 7) }
        let once = (0..<1000).reduce(0) { $0 + $1 % 7 }                    // 2997, exact in Float
        #expect(MachineProbes.read(buffer, passes: 3) == Float(3 * once))
        #expect(MachineProbes.read(buffer, passes: 0) == 0)
        let other = ProbeBuffer(count: 4096)
        other.buffer.update(repeating: 2)
        #expect(MachineProbes.read([buffer, other], passes: 2) == Float(2 * once + 2 * 4096 * 2))
    }

    @Test func fmaLoopFollowsItsClosedForm() {
        // No iterations: the sum of the 12 chains' starts, start + c, over every lane.
        let lanes = Float(FMAPeak.lanes)
        #expect(FMAPeak.lanes == (SystemInfo.compiledForAVX512 ? 16 : 8))
        let startsOfOne: Float = lanes * 78, startsOfZero: Float = lanes * 66    // lanes · Σ_c (start + c)
        #expect(MachineProbes.fmaLoop(iterations: 0, start: 1) == startsOfOne)
        // Two threads start at 0 and 1.
        #expect(MachineProbes.fmaLoop(iterations: 0, threads: 2) == startsOfZero + startsOfOne)
        // x_k = a/(1 − m) + (x_0 − a/(1 − m)) · m^k, in Float64 with the Float constants.
        let m = Double(Float(0.999_999)), a = Double(Float(0.000_000_1)), k = 1000.0
        let limit = a / (1 - m)
        let expected = (0..<12).reduce(0.0) { $0 + Double(lanes) * (limit + (2 + Double($1) - limit) * pow(m, k)) }
        let actual = Double(MachineProbes.fmaLoop(iterations: 1000, start: 2))
        // 1000 steps, each rounded to Float (2⁻²⁴ ≈ 6e-8): 1e-4 relative is ample, and the sum
        // would be off by far more if a chain were dropped or run a different number of times.
        #expect(abs(actual - expected) / expected < 1e-4, "\(actual) vs \(expected)")
        #expect(MachineProbes.fmaFlopsPerIteration == 12 * FMAPeak.lanes * 2)
    }

    @Test func streamKernelsComputeTheirFormulas() {
        // 100 003 elements: several threads' slices of whole 16-float blocks, and a ragged tail.
        let n = 100_003
        let a = ProbeBuffer(count: n), b = ProbeBuffer(count: n), c = ProbeBuffer(count: n)
        for i in 0..<n {
            b.buffer[i] = Float(i % 1000)
            c.buffer[i] = Float(2 * (i % 1000))
        }
        let expected: [StreamKernel: (Int) -> Float] = [
            .copy: { Float($0 % 1000) }, .scale: { Float(3 * ($0 % 1000)) },
            .add: { Float(3 * ($0 % 1000)) }, .triad: { Float(7 * ($0 % 1000)) },   // b + 3·c = 7·(i mod 1000)
        ]
        for kernel in StreamKernel.allCases {
            a.buffer.update(repeating: -1)
            MachineProbes.stream(kernel, a: a, b: b, c: c, scalar: 3)
            let wrong = (0..<n).first { a.buffer[$0] != expected[kernel]!($0) }
            #expect(wrong == nil, "\(kernel) wrong at \(wrong ?? -1)")
        }
        // Random floats: triad is b + (s·c) with two roundings, exactly the scalar expression.
        var generator = SeededGenerator(seed: 5)
        for i in 0..<n {
            b.buffer[i] = generator.nextNormal()
            c.buffer[i] = generator.nextNormal()
        }
        let s: Float = 0.7
        MachineProbes.stream(.triad, a: a, b: b, c: c, scalar: s)
        #expect((0..<n).allSatisfy { a.buffer[$0] == b.buffer[$0] + s * c.buffer[$0] })
    }

    @Test func streamCountsBytesAndFlopsAsStreamDoes() {
        #expect(StreamKernel.copy.bytes(elements: 1000) == 8000)
        #expect(StreamKernel.scale.bytes(elements: 1000) == 8000)
        #expect(StreamKernel.add.bytes(elements: 1000) == 12_000)
        #expect(StreamKernel.triad.bytes(elements: 1000) == 12_000)
        #expect(StreamKernel.allCases.map(\.flopsPerElement) == [0, 1, 1, 2])
    }
}

@Suite struct OperationCostTests {
    func expectCost(_ cost: OperationCost, flops: Double, bytes: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(cost.flops == flops, "flops \(cost.flops) ≠ \(flops)", sourceLocation: sourceLocation)
        #expect(cost.bytes == bytes, "bytes \(cost.bytes) ≠ \(bytes)", sourceLocation: sourceLocation)
        #expect(cost.intensity == flops / bytes, sourceLocation: sourceLocation)
    }

    @Test func matrixProducts() {
        // [2, 4] × [4, 3]: 2·3 outputs × 4 terms × 2 = 48 FLOPs; 8 + 12 + 6 floats = 104 bytes.
        expectCost(.gemm(m: 2, n: 3, k: 4), flops: 48, bytes: 104)
        // n = 2048: 2n³ FLOPs over 3 n² floats: n/6 = 341.33 FLOPs per byte.
        expectCost(.gemm(m: 2048, n: 2048, k: 2048), flops: 17_179_869_184, bytes: 50_331_648)
        #expect(abs(OperationCost.gemm(m: 2048, n: 2048, k: 2048).intensity - 2048.0 / 6) < 1e-9)
    }

    @Test func elementwiseAndRowwise() {
        expectCost(.softmax(rows: 2, columns: 3), flops: 5 * 6 + 2, bytes: 48)      // 5 per score + 1/Σ per row
        expectCost(.softmax(rows: 1024, columns: 1024), flops: 5_243_904, bytes: 8_388_608)
        expectCost(.layerNorm(rows: 2, width: 4), flops: 7 * 8 + 4 * 2, bytes: 64 + 32)   // x and y, then γ and β
        expectCost(.gelu(count: 10), flops: 50, bytes: 80)
        expectCost(.dropout(count: 10), flops: 20, bytes: 80)
        expectCost(.scaleAndMask(rows: 2, columns: 3), flops: 6, bytes: 48)
    }

    @Test func attention() {
        // N = 4, d = 2: 4·16·2 + 6·16 = 224 FLOPs; 4·(4·16 + 4·8) = 384 bytes.
        expectCost(.attentionStandard(n: 4, d: 2), flops: 224, bytes: 384)
        // N = 1024, d = 64: 4·(4·1024² + 4·1024·64) = 4·(4 194 304 + 262 144) bytes; 4·1024²·64 + 6·1024² FLOPs.
        expectCost(.attentionStandard(n: 1024, d: 64), flops: 274_726_912, bytes: 17_825_792)
        // N = 128, d = 64, Br = 64: Q once (8192), K and V twice (2 blocks · 2 · 8192), O and L (128·65).
        let blocks = FlashBlockSizes(queryRows: 64, keyRows: 128)
        expectCost(.attentionFlash(n: 128, d: 64, blocks: blocks), flops: 4_292_608, bytes: 4 * (8192 + 32_768 + 8320))
        // The five passes of standard attention add up to its FLOPs, plus dropout's 2 per score.
        let stages = AttentionStage.allCases.map { $0.cost(queries: 4, keys: 4, headDim: 2).flops }
        #expect(stages == [64, 16, 84, 32, 64])
        #expect(stages.reduce(0, +) == OperationCost.attentionStandard(n: 4, d: 2).flops + 2 * 16 + 4)
    }
}

@Suite struct StagedAttentionTests {
    func inputs(n: Int, m: Int, d: Int, seed: UInt64) -> (Tensor, Tensor, Tensor) {
        var generator = SeededGenerator(seed: seed)
        return (Tensor.randomNormal([n, d], using: &generator), Tensor.randomNormal([m, d], using: &generator),
                Tensor.randomNormal([m, d], using: &generator))
    }

    @Test("the five passes without dropout give attentionStandard's O and attentionNaive's", arguments: [
        (50, 50, 16, true), (20, 33, 8, false), (20, 33, 8, true), (64, 64, 64, false),
    ])
    func passesComposeToStandardAttention(n: Int, m: Int, d: Int, causal: Bool) throws {
        let (q, k, v) = inputs(n: n, m: m, d: d, seed: UInt64(n * m))
        let staged = try StagedAttention(q: q, k: k, v: v, causal: causal)
        for stage in AttentionStage.allCases { staged.run(stage) }
        let mask: AttentionMask = causal ? .causal : .none
        let (q4, k4, v4) = (try q.reshaped([1, 1, n, d]), try k.reshaped([1, 1, m, d]), try v.reshaped([1, 1, m, d]))
        let standard = try attentionStandard(q: q4, k: k4, v: v4, mask: mask)
        let naive = try attentionNaive(q: q4, k: k4, v: v4, mask: mask)
        expectClose(staged.output.scalars.map(Double.init), standard.output.scalars.map(Double.init), rtol: 0, atol: 1e-5)
        expectClose(staged.output.scalars.map(Double.init), naive.output, rtol: 0, atol: 1e-5)
        expectClose(staged.buffer.scalars.map(Double.init), standard.probabilities.scalars.map(Double.init), rtol: 0, atol: 1e-6)
        // Running the passes again recomputes the same O from Q, K, V.
        let first = staged.output.scalars
        for stage in AttentionStage.allCases { staged.run(stage) }
        #expect(staged.output.scalars == first)
    }

    @Test func dropoutZeroesTheChosenScoresAndScalesTheRest() throws {
        let (n, d, p): (Int, Int, Float) = (40, 8, 0.25)
        let (q, k, v) = inputs(n: n, m: n, d: d, seed: 3)
        let staged = try StagedAttention(q: q, k: k, v: v, causal: true, dropout: p, seed: 11)
        for stage in AttentionStage.allCases { staged.run(stage) }
        let standard = try attentionStandard(q: q.reshaped([1, 1, n, d]), k: k.reshaped([1, 1, n, d]),
                                             v: v.reshaped([1, 1, n, d]), mask: .causal)
        let probabilities = standard.probabilities.scalars, dropped = staged.buffer.scalars
        for i in 0..<(n * n) {
            let expected = dropoutKeeps(index: i, probability: p, seed: 11) ? Double(probabilities[i]) / 0.75 : 0
            #expect(abs(Double(dropped[i]) - expected) <= 1e-6, "score \(i): \(dropped[i]) vs \(expected)")
        }
        // O = P_dropped V, in Float64 from the buffer.
        let values = v.scalars
        var expected = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for j in 0..<n {
                for c in 0..<d { expected[i * d + c] += Double(dropped[i * n + j]) * Double(values[j * d + c]) }
            }
        }
        expectClose(staged.output.scalars.map(Double.init), expected, rtol: 0, atol: 1e-5)
    }

    @Test func dropoutKernelMatchesTheScalarRuleAndDropsAboutP() {
        let count = 100_003, p: Float = 0.1
        var generator = SeededGenerator(seed: 9)
        let x = (0..<count).map { _ in generator.nextNormal() }
        var y = x
        y.withUnsafeMutableBufferPointer { dropoutInPlace($0.baseAddress!, count: count, probability: p, seed: 77) }
        let scale: Float = 1 / (1 - p)
        var droppedCount = 0
        for i in 0..<count {
            let keep = dropoutKeeps(index: i, probability: p, seed: 77)
            if !keep { droppedCount += 1 }
            #expect(y[i] == (keep ? x[i] * scale : 0), "element \(i)")
            if y[i] != (keep ? x[i] * scale : 0) { break }
        }
        // Binomial(100 003, 0.1): σ ≈ 95 drops; allow 5σ.
        #expect(abs(droppedCount - 10_000) < 475, "\(droppedCount) dropped")
        // Another seed drops other elements; p = 0 drops none.
        #expect((0..<1000).contains { dropoutKeeps(index: $0, probability: p, seed: 77) != dropoutKeeps(index: $0, probability: p, seed: 78) })
        var unchanged = x
        unchanged.withUnsafeMutableBufferPointer { dropoutInPlace($0.baseAddress!, count: count, probability: 0, seed: 77) }
        #expect(unchanged == x)
    }

    @Test func dropoutHashMatchesLowbias32ByHand() {
        // Values from an independent Python transcription of the doc comment's rule:
        //   M = 0xffffffff
        //   def mix(x): x ^= x >> 16; x = x * 0x7feb352d & M; x ^= x >> 15; x = x * 0x846ca68b & M; return x ^ (x >> 16)
        //   def h(i, s): key = mix((((i >> 32) ^ (s >> 32)) + 0x9E3779B9) & M) ^ (s & M); return mix((i & M) ^ key)
        #expect(dropoutHash(index: 0, seed: 0) == 2_926_543_089)
        #expect(dropoutHash(index: 5, seed: 1) == 745_070_872)
        #expect(dropoutHash(index: 5 + (1 << 32), seed: 1) == 1_431_266_743)
        #expect(dropoutHash(index: 123_456_789, seed: 42) == 3_452_039_233)
    }

    @Test func dropoutHashIsUniform() {
        // The mean of hash / 2³² over 2¹⁶ indices is ½ within a few standard errors (1/√(12·65536) ≈ 0.0011).
        let mean = (0..<65_536).reduce(0.0) { $0 + Double(dropoutHash(index: $1, seed: 1)) } / 65_536 / 4_294_967_296
        #expect(abs(mean - 0.5) < 0.006, "\(mean)")
        // Indices beyond 2³² hash differently from their low 32 bits alone.
        #expect(dropoutHash(index: 5, seed: 1) != dropoutHash(index: 5 + (1 << 32), seed: 1))
    }

    @Test func scaleAndMaskByHand() {
        var s: [Float] = [2, 4, 6, 8, 10, 12]                 // [2, 3]
        s.withUnsafeMutableBufferPointer { scaleAndMaskInPlace($0.baseAddress!, rows: 2, columns: 3, scale: 0.5, causal: true) }
        // N = 2, M = 3: query i sees keys j ≤ i + 1.
        #expect(s == [1, 2, -.infinity, 4, 5, 6])
        var t: [Float] = [2, 4, 6, 8]                         // [2, 2], causal
        t.withUnsafeMutableBufferPointer { scaleAndMaskInPlace($0.baseAddress!, rows: 2, columns: 2, scale: 0.5, causal: true) }
        #expect(t == [1, -.infinity, 3, 4])
    }

    @Test func badShapesAndProbabilitiesAreRefused() {
        let (q, k, v) = inputs(n: 4, m: 5, d: 3, seed: 1)
        #expect(throws: TensorError.self) { try StagedAttention(q: q, k: k, v: v, dropout: 1) }
        #expect(throws: TensorError.self) { try StagedAttention(q: q, k: k, v: v, dropout: -0.1) }
        #expect(throws: TensorError.self) { try StagedAttention(q: q, k: q, v: v) }
        #expect(throws: TensorError.self) { try StagedAttention(q: q.reshaped([1, 4, 3]), k: k, v: v) }
    }
}
