// The fused recurrent ops — `gruStep`, `gruSequence`, `additiveAttention` — against central finite
// differences (GradientCheck.swift) and against the same maths built op by op from the tape's
// elementary ops (sigmoid, tanh, slices, softmax, matmul), which the other gradient tests check.
// B = batch, T = time steps, I = input width, H = hidden width, A = attention width, K = key width.

@testable import Autograd
import Testing
import TensorCore
import TestSupport

/// GRUCell's equations op by op (the layer's implementation before it was fused).
private func gruStepOpByOp(_ gi: Variable, _ h: Variable, _ w: Variable, _ bias: Variable) throws -> Variable {
    let hw = h.shape[1]
    let gh = try linear(h, weight: w, bias: bias)
    func gate(_ g: Int, _ t: Variable) throws -> Variable { try t.slice(axis: 1, (g * hw)..<((g + 1) * hw)) }
    let r = try (gate(0, gi) + gate(0, gh)).sigmoid()
    let z = try (gate(1, gi) + gate(1, gh)).sigmoid()
    let n = try (gate(2, gi) + r * gate(2, gh)).tanh()
    return try n + z * (h - n)
}

@Suite struct FusedGRUTests {
    // MARK: - gruStep

    @Test func gruStepGradients() throws {
        let w = Variable(randomInputs([3 * 5, 5], seed: 11, std: 0.5), requiresGrad: true)
        let bias = Variable(randomInputs([15], seed: 12, std: 0.5), requiresGrad: true)
        try checkGradients([randomInputs([3, 15], seed: 13), randomInputs([3, 5], seed: 14)], parameters: [w, bias]) { v in
            try gruStep(inputGates: v[0], hidden: v[1], hiddenWeight: w, hiddenBias: bias)
        }
    }

    /// Same values and gradients as the op-by-op step, at a width that is not a multiple of 16
    /// (a full SIMD chunk and a tail).
    @Test func gruStepMatchesTheOpByOpStep() throws {
        let (b, h) = (4, 21)
        let gi = Variable(randomInputs([b, 3 * h], seed: 1), requiresGrad: true)
        let hidden = Variable(randomInputs([b, h], seed: 2), requiresGrad: true)
        let w = Variable(randomInputs([3 * h, h], seed: 3, std: 0.3), requiresGrad: true)
        let bias = Variable(randomInputs([3 * h], seed: 4), requiresGrad: true)
        let seed = randomInputs([b, h], seed: 5)
        let fused = try gruStep(inputGates: gi, hidden: hidden, hiddenWeight: w, hiddenBias: bias)
        fused.backward(seed: seed)
        let fusedGradients = [gi, hidden, w, bias].map { $0.grad! }
        for v in [gi, hidden, w, bias] { v.grad = nil }
        let reference = try gruStepOpByOp(gi, hidden, w, bias)
        reference.backward(seed: seed)
        expectClose(fused.value, reference.value, rtol: 1e-5, atol: 1e-6)
        for (fusedGradient, v) in zip(fusedGradients, [gi, hidden, w, bias]) {
            expectClose(fusedGradient, v.grad!, rtol: 1e-4, atol: 1e-5)
        }
    }

    // MARK: - Weights packed once for a pass

    /// A decoder's steps with W_ih, W_hh and W₁ packed once (`PackedWeight`) give the bits of the
    /// same steps packing them each time: the states and every gradient, over three steps that
    /// reuse the packs. 33 rows and 3H = 60 columns put edge tiles on both sides of C; with the
    /// library backend nothing is packed and the steps fall back to `linear`.
    @Test(arguments: [GEMMBackend.portable, .openBLAS])
    func packedWeightsGiveTheBitsOfPackingEachStep(backend: GEMMBackend) throws {
        guard backend.isAvailable else { return }
        try GEMM.$override.withValue(backend) {
            var rng = SeededGenerator(seed: 3)
            let cell = GRUCell(inputs: 7, hidden: 20, generator: &rng)
            let attention = AdditiveAttention(queryWidth: 20, keyWidth: 9, width: 11, generator: &rng)
            let x = Variable(randomInputs([33, 7], seed: 61), requiresGrad: true)
            let h0 = Variable(randomInputs([33, 20], seed: 62), requiresGrad: true)
            let keys = Variable(randomInputs([33, 4, 9], seed: 63), requiresGrad: true)
            let leaves = cell.parameters + attention.parameters + [x, h0, keys]
            func run(packed: Bool) throws -> (Tensor, [Tensor]) {
                for v in leaves { v.grad = nil }
                let cellWeights = packed ? try cell.packed() : nil
                let query = packed ? try PackedWeight(attention.queryProjection.weight) : nil
                if packed { #expect((cellWeights!.hiddenWeight.transposed != nil) == (backend == .portable)) }
                var h = h0, total: Variable?
                for _ in 0..<3 {
                    let context = try attention.attend(query: h, keys: keys, projectedKeys: attention.projectKeys(keys),
                                                       packedQueryWeight: query).context
                    h = try cellWeights.map { try cell(x + context.slice(axis: 1, 0..<7), h, packed: $0) }
                        ?? cell(x + context.slice(axis: 1, 0..<7), h)
                    total = try total.map { try $0 + h } ?? h
                }
                total!.backward(seed: randomInputs([33, 20], seed: 64))
                return (total!.value, leaves.map { $0.grad! })
            }
            func differing(_ p: Tensor, _ q: Tensor) -> Int {
                zip(p.scalars, q.scalars).filter { $0.bitPattern != $1.bitPattern }.count
            }
            let (packedValue, packedGradients) = try run(packed: true)
            let (value, gradients) = try run(packed: false)
            #expect(differing(packedValue, value) == 0, "states")
            for (index, (p, q)) in zip(packedGradients, gradients).enumerated() {
                #expect(differing(p, q) == 0, "gradient of leaf \(index), \(p.shape)")
            }
        }
    }

    /// Packed weights are checked against the layer that uses them.
    @Test func packedWeightsOfAnotherLayerAreRefused() throws {
        var rng = SeededGenerator(seed: 4)
        let cell = GRUCell(inputs: 3, hidden: 4, generator: &rng), other = GRUCell(inputs: 3, hidden: 4, generator: &rng)
        let x = Variable(randomInputs([2, 3], seed: 71)), h = Variable(randomInputs([2, 4], seed: 72))
        #expect(throws: TensorError.self) { try cell(x, h, packed: other.packed()) }
        #expect(throws: TensorError.self) {
            try gruStep(inputGates: Variable(randomInputs([2, 12], seed: 73)), hidden: h, hiddenWeight: cell.hiddenWeight,
                        hiddenBias: cell.hiddenBias, packedHiddenWeight: PackedWeight(other.hiddenWeight))
        }
        #expect(throws: TensorError.self) { try PackedWeight(Variable(randomInputs([4], seed: 74))) }
    }

    // MARK: - gruSequence

    @Test(arguments: [false, true])
    func gruSequenceGradientsWithLengths(reversed: Bool) throws {
        let w = Variable(randomInputs([12, 4], seed: 21, std: 0.5), requiresGrad: true)
        let bias = Variable(randomInputs([12], seed: 22, std: 0.5), requiresGrad: true)
        try checkGradients([randomInputs([3, 5, 12], seed: 23)], parameters: [w, bias]) { v in
            try gruSequence(inputGates: v[0], hiddenWeight: w, hiddenBias: bias, lengths: [5, 2, 0], reversed: reversed)
        }
    }

    /// The sequence op equals `gruStep` applied step by step, with padding steps keeping the state.
    @Test(arguments: [false, true])
    func gruSequenceMatchesStepByStep(reversed: Bool) throws {
        let (b, t, h) = (3, 6, 18)
        let lengths = [6, 3, 1]
        let gi = randomInputs([b, t, 3 * h], seed: 31)
        let w = Variable(randomInputs([3 * h, h], seed: 32, std: 0.3)), bias = Variable(randomInputs([3 * h], seed: 33))
        let outputs = try gruSequence(inputGates: Variable(gi), hiddenWeight: w, hiddenBias: bias,
                                      lengths: lengths, reversed: reversed).value
        var state = Tensor.zeros([b, h])
        for time in reversed ? Array((0..<t).reversed()) : Array(0..<t) {
            let step = try gi.slice(axis: 1, time..<(time + 1)).reshaped([b, 3 * h])
            let next = try gruStep(inputGates: Variable(step), hidden: Variable(state), hiddenWeight: w, hiddenBias: bias).value
            state = Tensor(shape: [b, h]) { i in time < lengths[i / h] ? next.scalars[i] : state.scalars[i] }
            expectClose(try outputs.slice(axis: 1, time..<(time + 1)).reshaped([b, h]), state, rtol: 1e-6, atol: 1e-7)
        }
        // Row 2 has one real step: reversed, the state is exactly zero until step 0.
        if reversed { #expect(try outputs.slice(axis: 0, 2..<3).slice(axis: 1, 1..<t).scalars.allSatisfy { $0 == 0 }) }
    }

    /// Gradients of the sequence op equal those of the recurrence built op by op (`gruStepOpByOp`
    /// at every step, padding steps keeping the state through a constant mask), at a width with a
    /// full SIMD chunk and a tail: the backward GEMMs and the masked steps, beyond the small
    /// finite-difference check.
    @Test(arguments: [false, true])
    func gruSequenceGradientsMatchTheOpByOpRecurrence(reversed: Bool) throws {
        let (b, t, h) = (3, 5, 18)
        let lengths = [5, 2, 0]
        let gi = Variable(randomInputs([b, t, 3 * h], seed: 61), requiresGrad: true)
        let w = Variable(randomInputs([3 * h, h], seed: 62, std: 0.3), requiresGrad: true)
        let bias = Variable(randomInputs([3 * h], seed: 63), requiresGrad: true)
        let seed = randomInputs([b, t, h], seed: 64)
        let fused = try gruSequence(inputGates: gi, hiddenWeight: w, hiddenBias: bias, lengths: lengths, reversed: reversed)
        fused.backward(seed: seed)
        let fusedGradients = [gi, w, bias].map { $0.grad! }
        for v in [gi, w, bias] { v.grad = nil }

        var state = Variable(Tensor.zeros([b, h]))
        var outputs = [Variable?](repeating: nil, count: t)
        for time in reversed ? Array((0..<t).reversed()) : Array(0..<t) {
            let step = try gi.slice(axis: 1, time..<(time + 1)).reshaped([b, 3 * h])
            let next = try gruStepOpByOp(step, state, w, bias)
            let real = Variable(Tensor(shape: [b, h]) { time < lengths[$0 / h] ? 1 : 0 })
            state = try real * next + (Variable(Tensor(repeating: 1, shape: [b, h])) - real) * state
            outputs[time] = try state.reshaped([b, 1, h])
        }
        let reference = try Variable.concatenate(outputs.map { $0! }, axis: 1)          // [B, T, H]
        reference.backward(seed: seed)
        expectClose(fused.value, reference.value, rtol: 1e-5, atol: 1e-6)
        for (fusedGradient, v) in zip(fusedGradients, [gi, w, bias]) {
            expectClose(fusedGradient, v.grad!, rtol: 1e-4, atol: 1e-5)
        }
        // Padding steps take no gradient: row 2 has no real step at all.
        #expect(try fusedGradients[0].slice(axis: 0, 2..<3).scalars.allSatisfy { $0 == 0 })
    }

    // MARK: - additiveAttention

    @Test func additiveAttentionGradients() throws {
        let v = Variable(randomInputs([1, 5], seed: 41), requiresGrad: true)
        try checkGradients([randomInputs([3, 5], seed: 42), randomInputs([3, 4, 5], seed: 43), randomInputs([3, 4, 6], seed: 44)],
                           parameters: [v]) { x in
            try additiveAttention(query: x[0], projectedKeys: x[1], scoreWeight: v, keys: x[2], keyLengths: [4, 2, 1]).context
        }
    }

    /// The fused op against the layer's op-by-op attention: same weights, context and gradients
    /// of every parameter and input; padded keys get weight exactly 0 and no gradient.
    @Test func additiveAttentionMatchesTheLayer() throws {
        var rng = SeededGenerator(seed: 7)
        let attention = AdditiveAttention(queryWidth: 6, keyWidth: 20, width: 19, generator: &rng)
        let query = Variable(randomInputs([3, 6], seed: 51), requiresGrad: true)
        let keys = Variable(randomInputs([3, 5, 20], seed: 52), requiresGrad: true)
        let lengths = [5, 3, 1]
        let seed = randomInputs([3, 20], seed: 53)
        let layer = try attention(query: query, keys: keys, keyLengths: lengths)
        layer.context.backward(seed: seed)
        let expected = (attention.parameters + [query, keys]).map { $0.grad! }
        for p in attention.parameters + [query, keys] { p.grad = nil }

        let fused = try attention.attend(query: query, keys: keys, projectedKeys: attention.projectKeys(keys), keyLengths: lengths)
        fused.context.backward(seed: seed)
        expectClose(fused.weights, layer.weights.value, rtol: 1e-5, atol: 1e-7)
        expectClose(fused.context.value, layer.context.value, rtol: 1e-5, atol: 1e-6)
        for (e, p) in zip(expected, attention.parameters + [query, keys]) { expectClose(p.grad!, e, rtol: 1e-4, atol: 1e-6) }
        #expect(fused.weights[1, 3] == 0 && fused.weights[1, 4] == 0 && fused.weights[2, 1] == 0)
        #expect(try keys.grad!.slice(axis: 0, 2..<3).slice(axis: 1, 1..<5).scalars.allSatisfy { $0 == 0 })
        for row in 0..<3 {
            let sum = (0..<5).reduce(Float(0)) { $0 + fused.weights[row, $1] }
            #expect(abs(sum - 1) < 1e-6)
        }
    }
}
