// The fused ops the transformer layers use for speed give the same values and gradients as the
// plain ops they replace, and the profiler sees the kernels when on and nothing when off.
// B = batch, N = positions, d = width, H = heads, F = feed-forward width.

@testable import Autograd
import Testing
import TensorCore
import TestSupport

@Suite struct FusedOpTests {
    /// linearGELU(x) = linear(x).gelu(), in values and in every gradient.
    @Test func linearGELUMatchesLinearThenGELU() throws {
        var rng = SeededGenerator(seed: 21)
        let layer = Linear(inputs: 5, outputs: 7, generator: &rng)
        let x = randomInputs([2, 3, 5], seed: 22)
        let fused = Variable(x, requiresGrad: true), plain = Variable(x, requiresGrad: true)
        let weights = Variable(Tensor.randomNormal([2, 3, 7], using: &rng))

        let yFused = try linearGELU(fused, weight: layer.weight, bias: layer.bias)
        try (yFused * weights).sum().backward()
        let (dWFused, dBFused) = (layer.weight.grad!, layer.bias!.grad!)
        layer.zeroGradients()
        let yPlain = try layer(plain).gelu()
        try (yPlain * weights).sum().backward()

        expectClose(yFused.value, yPlain.value, rtol: 1e-6, atol: 1e-6)
        expectClose(fused.grad!, plain.grad!, rtol: 1e-5, atol: 1e-6)
        expectClose(dWFused, layer.weight.grad!, rtol: 1e-5, atol: 1e-6)
        expectClose(dBFused, layer.bias!.grad!, rtol: 1e-5, atol: 1e-6)
        try checkGradients([x], parameters: layer.parameters) { v in
            try linearGELU(v[0], weight: layer.weight, bias: layer.bias)
        }
    }

    /// Multi-head self-attention through the packed Q|K|V projection equals the textbook path
    /// (three projections, split heads, attention, merge heads), for both kernels and each mask.
    @Test(arguments: AttentionKernel.allCases, [AttentionMask.none, .causal, AttentionMask(keyLengths: [5, 3])])
    func packedSelfAttentionMatchesUnfused(kernel: AttentionKernel, mask: AttentionMask) throws {
        var rng = SeededGenerator(seed: 31)
        let mha = MultiHeadAttention(width: 8, heads: 2, kernel: kernel, generator: &rng)
        let x = randomInputs([2, 5, 8], seed: 32)
        func unfused(_ x: Variable) throws -> Variable {
            let q = try mha.wq(x).splitHeads(2), k = try mha.wk(x).splitHeads(2), v = try mha.wv(x).splitHeads(2)
            return try mha.wo(scaledDotProductAttention(q, k, v, mask: mask, kernel: kernel).mergeHeads())
        }
        let packed = try mha(Variable(x), mask: mask), reference = try unfused(Variable(x))
        expectClose(packed.value, reference.value, rtol: 1e-5, atol: 1e-6)
        try checkGradients([x], parameters: mha.parameters) { v in try mha(v[0], mask: mask) }
    }

    /// The char-transformer's model (flash kernel, causal) passes the finite-difference check end to end.
    @Test func causalLanguageModelGradients() throws {
        var rng = SeededGenerator(seed: 41)
        let model = try CausalLanguageModel(.init(vocabulary: 5, width: 8, heads: 2, layers: 1, context: 6), generator: &rng)
        let ids = [0, 3, 1, 4, 2, 2, 1, 0, 4, 3]
        try checkGradients([], parameters: model.parameters) { _ in
            try model(ids, shape: [2, 5])
        }
    }

    /// Off: nothing is recorded. On: the kernels of a training step are seen, and the parts add up.
    @Test func profilerSplitsAStep() throws {
        var rng = SeededGenerator(seed: 51)
        let model = try CausalLanguageModel(.init(vocabulary: 7, width: 16, heads: 2, layers: 1, context: 8), generator: &rng)
        let ids = (0..<16).map { $0 % 7 }
        func step() throws {
            model.zeroGradients()
            try crossEntropy(logits: model(ids, shape: [2, 8]), targets: ids.reversed()).backward()
        }
        try step()
        #expect(!Profiler.isEnabled)
        let (_, report) = try Profiler.profile { try step() }
        #expect(!Profiler.isEnabled)
        #expect(report.seconds[.matmul]! > 0 && report.seconds[.attention]! > 0 && report.seconds[.elementwise]! > 0)
        #expect(report.seconds[.optimizer]! == 0)
        #expect(report.kernelSeconds > 0 && report.kernelSeconds <= report.totalSeconds)
        #expect(report.bookkeepingSeconds >= report.seconds[.allocation]! + report.seconds[.topologicalSort]!)
        // The call sites split each category's time: their sums are the category totals, and the
        // fused GELU's site is named by its op and file.
        for category in Profiler.Category.allCases {
            let sum = report.sites.filter { $0.category == category }.map(\.seconds).reduce(0, +)
            #expect(abs(sum - report.seconds[category]!) <= 1e-9 + 1e-9 * report.totalSeconds, "\(category)")
        }
        #expect(report.sites.contains {
            $0.category == .elementwise && $0.location.hasPrefix("geluInPlace") && $0.location.contains("Kernels+GELU.swift:")
        })
        #expect(zip(report.sites, report.sites.dropFirst()).allSatisfy { $0.seconds >= $1.seconds }, "busiest first")
    }
}
