// Forward values of ops and layers against float64 NumPy references
// (References/derive_references.py; the inputs are `exactInputs`, the same formula there).

import Autograd
import Testing
import TensorCore
import TestSupport

@Suite struct ForwardReferenceTests {
    @Test func gelu() {
        let y = Variable(exactInputs([8])).gelu()
        expectClose(y.value, shape: [8], [
            -0.04550026389635842, -0.10032341857926907, 1.399789198096713, -0.015524163314440398,
            -0.16997051428265114, 0.8413447460685429, 2.7418056511035998, -0.13206221708356913,
        ], rtol: 1e-6, atol: 1e-7)
    }

    @Test func layerNorm() throws {
        let y = try Variable(exactInputs([3, 5])).layerNorm(
            gamma: Variable(exactInputs([5], multiplier: 5, offset: 1)), beta: Variable(exactInputs([5], multiplier: 3, offset: 2)))
        expectClose(y.value, shape: [3, 5], [
            -0.12068504054396856, -1.9879680115420073, -0.75, -1.5082647629480221, 0.8387214566440013,
            -2.1612785433559987, -3.008264762948022, -0.75, -0.4879680115420072, 2.8793149594560314,
            -0.12068504054396856, -1.9879680115420073, -0.75, -1.5082647629480221, 0.8387214566440013,
        ], rtol: 1e-5, atol: 2e-6)
    }

    @Test func crossEntropy() throws {
        let logits = Variable(exactInputs([4, 5]))
        let smoothed = try Autograd.crossEntropy(logits: logits, targets: [2, 0, 4, 1], ignoreIndex: 0, labelSmoothing: 0.1)
        let plain = try Autograd.crossEntropy(logits: logits, targets: [2, 0, 4, 1])
        expectClose(smoothed.value, shape: [], [2.804828524206138], rtol: 1e-6, atol: 0)
        expectClose(plain.value, shape: [], [2.7158631832492817], rtol: 1e-6, atol: 0)
    }

    @Test func gruCell() throws {
        var rng = SeededGenerator(seed: 0)
        let cell = GRUCell(inputs: 3, hidden: 4, generator: &rng)
        cell.inputWeight.value = exactInputs([12, 3], multiplier: 3, offset: 5) / 4
        cell.hiddenWeight.value = exactInputs([12, 4], multiplier: 11, offset: 7) / 4
        cell.inputBias.value = exactInputs([12], multiplier: 13, offset: 2) / 4
        cell.hiddenBias.value = exactInputs([12], multiplier: 17, offset: 9) / 4
        let h = try cell(Variable(exactInputs([2, 3]) / 4), Variable(exactInputs([2, 4], multiplier: 5, offset: 1) / 4))
        expectClose(h.value, shape: [2, 4], [
            0.017322120156351706, -0.5562544125045565, 0.30405017842667115, 0.06580469479591199,
            0.44885649002188566, -0.5882976574963579, 0.07979974647737467, -0.17493684325293732,
        ], rtol: 1e-5, atol: 1e-6)
    }

    @Test func additiveAttention() throws {
        var rng = SeededGenerator(seed: 0)
        let attention = AdditiveAttention(queryWidth: 3, keyWidth: 3, width: 5, generator: &rng)
        attention.queryProjection.weight.value = exactInputs([5, 3], multiplier: 3, offset: 5) / 4
        attention.keyProjection.weight.value = exactInputs([5, 3], multiplier: 11, offset: 7) / 4
        attention.keyProjection.bias!.value = exactInputs([5], multiplier: 13, offset: 2) / 4
        attention.score.weight.value = exactInputs([1, 5], multiplier: 17, offset: 9) / 4
        let (context, weights) = try attention(
            query: Variable(exactInputs([2, 3]) / 4), keys: Variable(exactInputs([2, 4, 3], multiplier: 5, offset: 1) / 4),
            keyLengths: [4, 2])
        expectClose(weights.value, shape: [2, 4], [
            0.25553359044718554, 0.2667991112553324, 0.216787352643054, 0.260879945654428,
            0.5507590762303816, 0.44924092376961844, 0.0, 0.0,
        ], rtol: 1e-5, atol: 1e-7)
        expectClose(context.value, shape: [2, 3], [
            -0.2963363630201915, 0.016163636979808493, -0.054860085449731824,
            0.02537953811519078, 0.3378795381151908, -0.1413366339659827,
        ], rtol: 1e-5, atol: 1e-6)
    }
}
