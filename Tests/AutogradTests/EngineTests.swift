// The engine itself (graph recording, backward, gradient modes) and what all modules share
// (names, deterministic initialisation).

import Autograd
import Foundation
import Testing
import TensorCore
import TestSupport

@Suite struct EngineTests {
    /// micrograd's first example, by hand: y = tanh(w·x + b).
    @Test func chainRuleByHand() throws {
        let x = Variable(Tensor([2]), requiresGrad: true), w = Variable(Tensor([-3]), requiresGrad: true)
        let b = Variable(Tensor([6.8813735870195432]), requiresGrad: true)
        let y = try (w * x + b).tanh()
        y.backward()
        let dy = 1 - y.value.item * y.value.item              // tanh' = 1 − y²
        #expect(abs(y.value.item - 0.7071067) < 1e-5)
        #expect(abs(x.grad!.item - (-3 * dy)) < 1e-6)
        #expect(abs(w.grad!.item - 2 * dy) < 1e-6)
        #expect(abs(b.grad!.item - dy) < 1e-6)
    }

    /// A diamond (x feeds two branches that meet again) is visited once, after both branches.
    @Test func diamondGraph() throws {
        let x = Variable(Tensor([3]), requiresGrad: true)
        let y = try x.exp() * x.tanh() + x * 2
        y.backward()
        let e = Foundation.exp(3.0), t = Foundation.tanh(3.0)
        let expected: Double = e * t + e * (1 - t * t) + 2
        #expect(abs(Double(x.grad!.item) - expected) < 1e-3)
    }

    /// Gradients add up over backward passes until cleared.
    @Test func gradientsAccumulateUntilZeroed() throws {
        let layer = { var rng = SeededGenerator(seed: 1); return Linear(inputs: 2, outputs: 1, generator: &rng) }()
        let x = Variable(Tensor.ones([1, 2]))
        try layer(x).sum().backward()
        try layer(x).sum().backward()
        #expect(layer.bias!.grad!.scalars == [2])
        layer.zeroGradients()
        #expect(layer.bias!.grad == nil)
    }

    /// Without recording, results are constants: no parents, nothing to back-propagate.
    @Test func noGradRecordsNothing() throws {
        let w = Variable(Tensor([1, 2]), requiresGrad: true)
        let y = try noGrad { try (w * w).sum() }
        #expect(!y.requiresGrad)
        y.backward()
        #expect(w.grad == nil)
        #expect(GradientMode.isRecording && GradientMode.isTraining)
        evaluating { #expect(!GradientMode.isRecording && !GradientMode.isTraining) }
    }

    /// A long chain (an RNN unrolled 20 000 steps) back-propagates without overflowing the stack.
    @Test func longChain() throws {
        let x = Variable(Tensor([1]), requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y * 1.0001 }
        y.backward()
        #expect(abs(Double(x.grad!.item) - Foundation.pow(1.0001, 20_000)) < 5e-2)
    }
}

@Suite struct ModuleTests {
    @Test func dottedNamesInAStableOrder() {
        var rng = SeededGenerator(seed: 1)
        let layer = TransformerDecoderLayer(width: 8, heads: 2, hidden: 16, generator: &rng)
        let names = layer.namedParameters.map { $0.name }
        #expect(names.prefix(3) == ["selfAttention.wq.weight", "selfAttention.wq.bias", "selfAttention.wk.weight"])
        #expect(names.contains("crossAttention.wo.bias") && names.contains("feedForward.linear2.weight"))
        #expect(names.suffix(2) == ["norm3.weight", "norm3.bias"])
        #expect(Set(names).count == names.count)
        #expect(names == layer.namedParameters.map { $0.name })
        // 2 attentions of 4·(8·8 + 8), a feed-forward of 8·16 + 16 + 16·8 + 8, 3 norms of 2·8.
        #expect(layer.parameterCount == 2 * 4 * 72 + 280 + 48)
        let stack = [layer, layer]
        #expect(scoped("layers", stack).map { $0.name }.first == "layers.0.selfAttention.wq.weight")
    }

    @Test func sameSeedSameWeights() {
        func build(_ seed: UInt64) -> [Tensor] {
            var rng = SeededGenerator(seed: seed)
            return TransformerEncoderLayer(width: 8, heads: 2, hidden: 16, generator: &rng).parameters.map { $0.value }
        }
        #expect(build(3) == build(3))
        #expect(build(3) != build(4))
    }

    /// Dropout layers drop in training and are the identity inside `evaluating`.
    @Test func evaluationTurnsDropoutOff() throws {
        var rng = SeededGenerator(seed: 2)
        let layer = TransformerEncoderLayer(width: 8, heads: 2, hidden: 16, dropout: 0.5, generator: &rng)
        let x = Variable(randomInputs([1, 3, 8]))
        let a = try evaluating { try layer(x) }.value, b = try evaluating { try layer(x) }.value
        #expect(a == b)
        #expect(try layer(x).value != a)
    }

    /// Cross-attention over padded keys; the recorded probabilities are 0 on padding and rows sum to 1;
    /// the flash kernel gives the same output.
    @Test func multiHeadCrossAttention() throws {
        var rng = SeededGenerator(seed: 3)
        let mha = MultiHeadAttention(width: 8, heads: 2, generator: &rng)
        let x = Variable(randomInputs([2, 3, 8], seed: 1)), memory = Variable(randomInputs([2, 5, 8], seed: 2))
        let mask = AttentionMask(keyLengths: [5, 2])
        mha.recordsProbabilities = true
        let standard = try mha(x, context: memory, mask: mask)
        #expect(standard.shape == [2, 3, 8])
        let p = try #require(mha.lastProbabilities)
        #expect(p.shape == [2, 2, 3, 5])
        #expect(try p.slice(axis: 0, 1..<2).slice(axis: 3, 2..<5).scalars.allSatisfy { $0 == 0 })
        #expect(try p.sum(axis: -1).scalars.allSatisfy { abs($0 - 1) < 1e-5 })
        mha.recordsProbabilities = false
        mha.kernel = .flash
        expectClose(try mha(x, context: memory, mask: mask).value, standard.value, rtol: 1e-4, atol: 1e-5)
        #expect(mha.lastProbabilities == nil)
    }

    @Test func positionalEncodingIsTensorCores() throws {
        let encoding = try SinusoidalPositionalEncoding(maxPositions: 10, width: 8)
        let y = try encoding(Variable(Tensor.zeros([2, 4, 8])))
        let table = try PositionalEncoding.sinusoidal(positions: 4, dModel: 8)
        #expect(try y.value.slice(axis: 0, 1..<2).reshaped([4, 8]) == table)
        #expect(throws: TensorError.self) { try encoding(Variable(Tensor.zeros([1, 11, 8]))) }
    }
}
