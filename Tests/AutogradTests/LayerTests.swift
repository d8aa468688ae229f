// Layers: gradients through the composite layers, parameter names, shapes and masks.
// B = batch, T/N = sequence length, d = width.

import Autograd
import Testing
import TensorCore
import TestSupport

@Suite struct LayerGradientTests {
    /// The GRU cell's gradients in x, h and all four parameters.
    @Test func gruCell() throws {
        var rng = SeededGenerator(seed: 1)
        let cell = GRUCell(inputs: 3, hidden: 4, generator: &rng)
        try checkGradients([randomInputs([2, 3], seed: 2), randomInputs([2, 4], seed: 3)], parameters: cell.parameters) { v in
            try cell(v[0], v[1])
        }
    }

    @Test func gruEncoderBidirectionalWithLengths() throws {
        var rng = SeededGenerator(seed: 4)
        let encoder = GRUEncoder(inputs: 2, hidden: 3, bidirectional: true, generator: &rng)
        let (outputs, final) = try encoder(Variable(randomInputs([2, 4, 2])), lengths: [4, 2])
        #expect(outputs.shape == [2, 4, 6] && final.shape == [2, 6])
        // Batch 1 has 2 real steps: its forward state stops changing after step 1 …
        let forward = try outputs.value.slice(axis: 2, 0..<3)
        #expect(try forward.slice(axis: 1, 1..<2).slice(axis: 0, 1..<2) == forward.slice(axis: 1, 3..<4).slice(axis: 0, 1..<2))
        // … and its backward direction is still zero at the padding steps.
        let backward = try outputs.value.slice(axis: 2, 3..<6).slice(axis: 0, 1..<2).slice(axis: 1, 2..<4)
        #expect(backward.scalars.allSatisfy { $0 == 0 })
        try checkGradients([randomInputs([2, 3, 2])]) { x in try encoder(x[0], lengths: [3, 2]).outputs }
        #expect(encoder.namedParameters.map { $0.name }.first == "forward.weight_ih")
        #expect(encoder.namedParameters.count == 8)
    }

    @Test func additiveAttention() throws {
        var rng = SeededGenerator(seed: 5)
        let attention = AdditiveAttention(queryWidth: 3, keyWidth: 4, width: 5, generator: &rng)
        try checkGradients([randomInputs([2, 3], seed: 1), randomInputs([2, 4, 4], seed: 2)], parameters: attention.parameters) { x in
            let (context, weights) = try attention(query: x[0], keys: x[1], keyLengths: [4, 2])
            return try Variable.concatenate([context, weights], axis: 1)
        }
    }

    @Test(arguments: [false, true])
    func encoderAndDecoderLayers(normFirst: Bool) throws {
        var rng = SeededGenerator(seed: 6)
        let encoder = TransformerEncoderLayer(width: 8, heads: 2, hidden: 16, normFirst: normFirst, generator: &rng)
        let decoder = TransformerDecoderLayer(width: 8, heads: 2, hidden: 16, normFirst: normFirst, generator: &rng)
        try checkGradients([randomInputs([2, 3, 8], seed: 1), randomInputs([2, 4, 8], seed: 2)],
                           parameters: encoder.parameters + decoder.parameters) { x in
            let memory = try encoder(x[1], mask: AttentionMask(keyLengths: [4, 3]))
            return try decoder(x[0], memory: memory, memoryMask: AttentionMask(keyLengths: [4, 3]))
        }
    }
}
