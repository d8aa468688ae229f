// Every op's backward rule against central finite differences (GradientCheck.swift).

import Autograd
import Testing
import TensorCore
import TestSupport

@Suite struct ArithmeticGradientTests {
    /// Pairs of shapes that broadcast: equal, a row vector, a scalar, a kept axis, both sides.
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([4, 3], [3]), ([2, 3], [1]), ([2, 3, 4], [2, 1, 4]), ([3, 1], [1, 4]), ([3], [2, 3]),
    ]

    @Test(arguments: shapePairs)
    func addSubtract(a: [Int], b: [Int]) throws {
        try checkGradients([randomInputs(a, seed: 1), randomInputs(b, seed: 2)]) { try $0[0] + $0[1] }
        try checkGradients([randomInputs(a, seed: 1), randomInputs(b, seed: 2)]) { try $0[0] - $0[1] }
    }

    @Test(arguments: shapePairs)
    func multiplyDivide(a: [Int], b: [Int]) throws {
        try checkGradients([randomInputs(a, seed: 3), randomInputs(b, seed: 4)]) { try $0[0] * $0[1] }
        try checkGradients([randomInputs(a, seed: 3), positiveRandomInputs(b, seed: 5)], step: 1e-3) { try $0[0] / $0[1] }
    }

    @Test func scalarOperators() throws {
        try checkGradients([randomInputs([2, 3])]) { x in
            try ((x[0] * 3 + 1) - (2 - x[0])) / 4 + (-x[0]) * x[0]
        }
    }

    /// A variable used twice collects both gradients: d(x·x)/dx = 2x.
    @Test func reuseAccumulates() throws {
        let x = Variable(Tensor([1, -2, 3]), requiresGrad: true)
        try (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, -4, 6])
    }
}

@Suite struct MatMulGradientTests {
    @Test(arguments: [([3, 4], [4, 5]), ([2, 3, 4], [4, 2]), ([2, 3, 4], [2, 4, 5]), ([2, 2, 3, 4], [2, 2, 4, 3])])
    func matmul(a: [Int], b: [Int]) throws {
        try checkGradients([randomInputs(a, seed: 1), randomInputs(b, seed: 2)]) { try $0[0].matmul($0[1]) }
    }

    @Test func linearWithAndWithoutBias() throws {
        let x = randomInputs([2, 3, 4], seed: 1), w = randomInputs([5, 4], seed: 2), b = randomInputs([5], seed: 3)
        try checkGradients([x, w, b]) { try linear($0[0], weight: $0[1], bias: $0[2]) }
        try checkGradients([x, w]) { try linear($0[0], weight: $0[1]) }
    }

    /// linear(x, W, b) = x Wᵀ + b, by the definition.
    @Test func linearMatchesMatmul() throws {
        let x = Variable(randomInputs([3, 4], seed: 1)), w = Variable(randomInputs([5, 4], seed: 2))
        let b = Variable(randomInputs([5], seed: 3))
        let expected = try x.matmul(w.transposed()) + b
        let actual = try linear(x, weight: w, bias: b)
        expectClose(actual.value, expected.value, rtol: 1e-5, atol: 1e-5)
    }

    @Test func mismatchedShapesThrow() {
        #expect(throws: TensorError.self) { try Variable(Tensor.ones([2, 3])).matmul(Variable(Tensor.ones([2, 3]))) }
        #expect(throws: TensorError.self) { try linear(Variable(Tensor.ones([2, 3])), weight: Variable(Tensor.ones([3, 2]))) }
    }
}

@Suite struct ActivationGradientTests {
    @Test func smoothActivations() throws {
        let x = randomInputs([3, 5], seed: 7)
        try checkGradients([x]) { $0[0].tanh() }
        try checkGradients([x]) { $0[0].sigmoid() }
        try checkGradients([x]) { $0[0].gelu() }
        try checkGradients([x]) { $0[0].exp() }
        try checkGradients([positiveRandomInputs([3, 5])], step: 1e-3) { $0[0].log() }
    }

    /// ReLU away from its kink (|x| ≥ 0.1 > step).
    @Test func relu() throws {
        let x = Tensor(randomInputs([20], seed: 8).scalars.map { abs($0) < 0.1 ? $0 + 0.3 : $0 })
        try checkGradients([x]) { $0[0].relu() }
    }
}

@Suite struct ReductionAndShapeGradientTests {
    @Test func sumsAndMeans() throws {
        let x = randomInputs([2, 3, 4])
        try checkGradients([x]) { $0[0].sum() }
        try checkGradients([x]) { $0[0].mean() }
        for axis in [0, 1, 2, -1] {
            try checkGradients([x]) { try $0[0].sum(axis: axis) }
            try checkGradients([x]) { try $0[0].mean(axis: axis) }
        }
    }

    @Test func reshapeAndTranspose() throws {
        let x = randomInputs([2, 3, 4])
        try checkGradients([x]) { try $0[0].reshaped([4, -1]) * Variable(randomInputs([4, 6], seed: 5)) }
        try checkGradients([x]) { $0[0].transposed() }
    }

    @Test func sliceAndConcatenate() throws {
        let a = randomInputs([2, 3, 4], seed: 1), b = randomInputs([2, 2, 4], seed: 2)
        try checkGradients([a]) { try $0[0].slice(axis: 1, 1..<3) }
        try checkGradients([a]) { try $0[0].slice(axis: -1, 0..<1) }
        try checkGradients([a, b]) { try Variable.concatenate([$0[0], $0[1], $0[0]], axis: 1) }
        try checkGradients([a, a]) { try Variable.concatenate([$0[0], $0[1]], axis: 2) }
    }

    @Test func headsSplitAndMerge() throws {
        let x = randomInputs([2, 3, 6])
        try checkGradients([x]) { try $0[0].splitHeads(3) }
        try checkGradients([randomInputs([2, 3, 4, 2])]) { try $0[0].mergeHeads() }
        // split then merge is the identity.
        let v = Variable(x)
        #expect(try v.splitHeads(2).mergeHeads().value == x)
    }
}

@Suite struct NormalizationGradientTests {
    @Test func layerNorm() throws {
        let x = randomInputs([3, 6], seed: 4, std: 2), g = randomInputs([6], seed: 5), b = randomInputs([6], seed: 6)
        try checkGradients([x, g, b]) { try $0[0].layerNorm(gamma: $0[1], beta: $0[2]) }
        try checkGradients([x]) { try $0[0].layerNorm() }
    }

    /// The forward pass agrees with TensorCore's layer norm.
    @Test func layerNormMatchesTensorCore() throws {
        let x = randomInputs([4, 8]), g = randomInputs([8], seed: 2), b = randomInputs([8], seed: 3)
        let y = try Variable(x).layerNorm(gamma: Variable(g), beta: Variable(b))
        expectClose(y.value, try x.layerNorm(gamma: g, beta: b), rtol: 1e-5, atol: 1e-5)
    }

    @Test func softmaxAndLogSoftmax() throws {
        let x = randomInputs([3, 5], seed: 9, std: 2)
        try checkGradients([x]) { $0[0].softmax() }
        try checkGradients([x]) { $0[0].logSoftmax() }
    }
}

@Suite struct LossGradientTests {
    @Test(arguments: [(nil, 0), (0, 0), (0, 0.1), (nil, 0.2)] as [(Int?, Float)])
    func crossEntropy(ignoreIndex: Int?, smoothing: Float) throws {
        let logits = randomInputs([2, 3, 5], seed: 3, std: 2)
        let targets = [1, 0, 4, 2, 0, 3]
        try checkGradients([logits]) {
            try Autograd.crossEntropy(logits: $0[0], targets: targets, ignoreIndex: ignoreIndex, labelSmoothing: smoothing)
        }
    }

    @Test func everyTargetIgnoredGivesZero() throws {
        let logits = Variable(randomInputs([2, 4]), requiresGrad: true)
        let loss = try Autograd.crossEntropy(logits: logits, targets: [0, 0], ignoreIndex: 0)
        loss.backward()
        #expect(loss.value.item == 0)
        #expect(logits.grad?.scalars.allSatisfy { $0 == 0 } ?? true)
    }

    @Test func badTargetsThrow() {
        let logits = Variable(randomInputs([2, 4]))
        #expect(throws: TensorError.self) { try Autograd.crossEntropy(logits: logits, targets: [0]) }
        #expect(throws: TensorError.self) { try Autograd.crossEntropy(logits: logits, targets: [0, 4]) }
        #expect(throws: TensorError.self) { try Autograd.crossEntropy(logits: logits, targets: [0, 1], labelSmoothing: 1) }
    }
}

@Suite struct LookupGradientTests {
    /// Id 1 appears twice, so its row collects two gradients; row 3 is never used.
    @Test func embedding() throws {
        try checkGradients([randomInputs([4, 3])]) { try Autograd.embedding($0[0], ids: [1, 0, 1, 2], shape: [2, 2]) }
        #expect(throws: TensorError.self) { try Autograd.embedding(Variable(Tensor.ones([4, 3])), ids: [4], shape: [1]) }
    }

    /// The same seed draws the same mask, so finite differences see a fixed linear map.
    @Test func dropout() throws {
        try checkGradients([randomInputs([4, 8])]) { x in
            var rng = SeededGenerator(seed: 3)
            return Autograd.dropout(x[0], probability: 0.4, generator: &rng)
        }
    }

    @Test func dropoutScalesSurvivorsAndIsIdentityInEvaluation() throws {
        var rng = SeededGenerator(seed: 1)
        let x = Variable(Tensor.ones([1000]))
        let y = Autograd.dropout(x, probability: 0.25, generator: &rng).value.scalars
        #expect(y.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-6 })
        let zeros = y.filter { $0 == 0 }.count
        #expect(zeros > 200 && zeros < 300)
        let evaluated = evaluating { Autograd.dropout(x, probability: 0.25, generator: &rng) }
        #expect(evaluated.value == x.value)
    }
}
