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
}
