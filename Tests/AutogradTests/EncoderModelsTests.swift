// The encoder-only and encoder-decoder transformers: who can see whom. Each test changes one
// input token and checks which outputs move — a property any masking mistake would break.
// B = batch, N = positions, V = vocabulary.

import Autograd
import Testing
import TensorCore

private let configuration = CausalLanguageModel.Configuration(vocabulary: 12, width: 16, heads: 2, layers: 2, context: 16)

/// Row `position` of logits [1, N, V] (or of batch element `batch` of [B, N, V]).
private func row(_ logits: Variable, batch: Int = 0, _ position: Int) -> [Float] {
    let (n, v) = (logits.shape[1], logits.shape[2])
    return Array(logits.value.scalars[((batch * n + position) * v)..<((batch * n + position + 1) * v)])
}

private func differs(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).contains { abs($0 - $1) > 1e-6 } }

@Suite struct EncoderModelsTests {
    @Test func encoderModelSeesBothSidesButNeverPadding() throws {
        var rng = SeededGenerator(seed: 1)
        let model = try TransformerEncoderModel(configuration, generator: &rng)
        let ids = [2, 5, 6, 7, 3]
        var changed = ids
        changed[3] = 9
        let a = try evaluating { try model(ids, shape: [1, 5]) }, b = try evaluating { try model(changed, shape: [1, 5]) }
        #expect(differs(row(a, 0), row(b, 0)), "position 0 must see position 3 (no causal mask)")
        // Two sequences: the second is 3 long, so its positions 3 and 4 are padding, hidden from every query.
        let batch = ids + [2, 5, 3, 0, 0], other = ids + [2, 5, 3, 8, 4]
        let p = try evaluating { try model(batch, shape: [2, 5], lengths: [5, 3]) }
        let q = try evaluating { try model(other, shape: [2, 5], lengths: [5, 3]) }
        for position in 0..<3 { #expect(!differs(row(p, batch: 1, position), row(q, batch: 1, position))) }
        // … and the real positions of a padded sequence match the same sequence alone.
        let alone = try evaluating { try model([2, 5, 3], shape: [1, 3]) }
        for position in 0..<3 {
            #expect(zip(row(p, batch: 1, position), row(alone, position)).allSatisfy { abs($0 - $1) < 1e-4 })
        }
    }

    @Test func encoderDecoderIsCausalInTheTargetAndSeesTheWholeSource() throws {
        var rng = SeededGenerator(seed: 2)
        let model = try TransformerEncoderDecoder(configuration, generator: &rng)
        func logits(source: [Int], target: [Int]) throws -> Variable {
            try evaluating {
                let memory = try model.encode(source, shape: [1, source.count])
                return try model.decode(target, shape: [1, target.count], memory: memory)
            }
        }
        let source = [5, 6, 7, 3], target = [2, 8, 9, 10]
        let base = try logits(source: source, target: target)
        var laterTarget = target
        laterTarget[3] = 11
        let moved = try logits(source: source, target: laterTarget)
        for position in 0..<3 { #expect(!differs(row(base, position), row(moved, position)), "target position \(position) saw the future") }
        #expect(differs(row(base, 3), row(moved, 3)))
        var lastSource = source
        lastSource[3] = 4
        let fromSource = try logits(source: lastSource, target: target)
        #expect(differs(row(base, 0), row(fromSource, 0)), "the first target position sees the last source word")
        // Names follow the module tree, so checkpoints read like the model.
        let names = model.namedParameters.map(\.name)
        #expect(names.contains("encoder.1.attention.wq.weight") && names.contains("decoder.0.crossAttention.wk.weight"))
        #expect(names.first == "embed.weight" && names.last == "head.bias")
    }

    @Test func anAllowedMaskHidesWordsFromAQueryInEveryLayer() throws {
        var rng = SeededGenerator(seed: 3)
        let model = try TransformerEncoderModel(configuration, generator: &rng)
        // Positions 0-2 see only 0-2; position 3 sees 0-3; position 4 sees everything. Nothing
        // that 0-3 can reach ever saw position 4, so changing token 4 must leave rows 0-3 alone
        // after both layers, while row 4 moves.
        let n = 5
        var allowed = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n where (i < 3 && j < 3) || (i == 3 && j <= 3) || i == 4 { allowed[i * n + j] = 1 } }
        let mask = try Tensor(shape: [n, n], scalars: allowed)
        let ids = [2, 5, 6, 7, 8]
        var changed = ids
        changed[4] = 9
        let a = try evaluating { try model(ids, shape: [1, n], allowed: mask) }
        let b = try evaluating { try model(changed, shape: [1, n], allowed: mask) }
        for position in 0..<4 { #expect(!differs(row(a, position), row(b, position)), "position \(position) saw position 4") }
        #expect(differs(row(a, 4), row(b, 4)))
        // Without the mask the same change reaches position 0.
        let c = try evaluating { try model(ids, shape: [1, n]) }, d = try evaluating { try model(changed, shape: [1, n]) }
        #expect(differs(row(c, 0), row(d, 0)))
        // A per-sequence mask [B, N, N] applies to its own sequence only.
        let batchMask = try Tensor(shape: [2, n, n], scalars: allowed + [Float](repeating: 1, count: n * n))
        let p = try evaluating { try model(ids + ids, shape: [2, n], allowed: batchMask) }
        let q = try evaluating { try model(changed + changed, shape: [2, n], allowed: batchMask) }
        #expect(!differs(row(p, batch: 0, 0), row(q, batch: 0, 0)) && differs(row(p, batch: 1, 0), row(q, batch: 1, 0)))
    }

    @Test func aHeadMaskSilencesExactlyThatHead() throws {
        var rng = SeededGenerator(seed: 4)
        let mha = MultiHeadAttention(width: 8, heads: 2, generator: &rng)
        let x = Variable(Tensor.randomNormal([1, 3, 8], using: &rng))
        let full = try evaluating { try mha(x) }.value
        // y = concat(head_1, head_2) W_oᵀ + b_o: zeroing both heads leaves only the bias.
        mha.headMask = [0, 0]
        let none = try evaluating { try mha(x) }.value
        let bias = mha.wo.bias!.value.scalars
        for i in 0..<3 { for j in 0..<8 { #expect(abs(none[0, i, j] - bias[j]) < 1e-6) } }
        // Head 1 alone plus head 2 alone, minus the bias counted twice, is both heads together.
        mha.headMask = [1, 0]
        let first = try evaluating { try mha(x) }.value
        mha.headMask = [0, 1]
        let second = try evaluating { try mha(x) }.value
        mha.headMask = nil
        for i in 0..<3 {
            for j in 0..<8 { #expect(abs(first[0, i, j] + second[0, i, j] - bias[j] - full[0, i, j]) < 1e-5) }
        }
        #expect(zip(first.scalars, full.scalars).contains { abs($0 - $1) > 1e-4 }, "silencing a head changes the output")
        // Gradients flow through the kept head only: W_q's rows of the silenced head get none.
        mha.headMask = [1, 0]
        try mha(x).sum().backward()
        let dWq = try #require(mha.wq.weight.grad)
        for r in 4..<8 { for c in 0..<8 { #expect(dWq[r, c] == 0) } }
        #expect((0..<4).contains { r in (0..<8).contains { c in dWq[r, c] != 0 } })
    }
}
