// The independent reference for every backward rule: central finite differences.
//
// For inputs x and an op f, the check builds the scalar L = Σₖ wₖ · f(x)ₖ with fixed random
// weights w (so every output element matters, each differently), differentiates it with the
// tape, and compares each ∂L/∂xᵢ with (L(xᵢ + h) − L(xᵢ − h)) / (2h).
//
// Error budget, in Float32: the outputs carry rounding errors of a few ulp each; L sums them in
// Float64, so its error is about 1e−7 · Σ|wₖ fₖ|; divided by 2h = 2e−2 that is a few 1e−5 on
// the numerical derivative for our small shapes. The truncation error of the central difference
// is h²/6 · f''' ≈ 2e−5 · f'''. Hence atol 1e−3 and rtol 1e−2 by default, well above both, yet
// far below what a wrong rule produces (an error of O(1)). The step actually taken is
// (x + h) − (x − h) as rounded in Float32, not 2h.

import Autograd
import Foundation
import Testing
import TensorCore
import TestSupport

/// Checks the tape's gradients of `f` with respect to every input, and to every variable in
/// `parameters` (a layer's weights, perturbed in place), against central differences,
/// reporting the worst element of each on failure.
func checkGradients(
    _ inputs: [Tensor], parameters: [Variable] = [], step: Float = 1e-2, rtol: Double = 1e-2, atol: Double = 1e-3,
    seed: UInt64 = 99, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Variable]) throws -> Variable
) throws {
    let variables = inputs.map { Variable($0, requiresGrad: true) }
    for parameter in parameters { parameter.grad = nil }
    let output = try f(variables)
    var rng = SeededGenerator(seed: seed)
    let weights = Tensor.randomNormal(output.shape, using: &rng)
    try (output * Variable(weights)).sum().backward()

    func objective(_ perturbed: [Tensor]) throws -> Double {
        let y = try noGrad { try f(perturbed.map { Variable($0) }) }.value
        return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    /// ∂L/∂x by central differences, where `set(x)` puts x in place and `evaluate()` computes L.
    func numerical(_ original: Tensor, _ set: (Tensor) -> Void, _ evaluate: () throws -> Double) throws -> [Double] {
        var result = [Double](repeating: 0, count: original.count)
        for i in 0..<original.count {
            var plus = original, minus = original
            let x = original.scalars[i]
            plus.withUnsafeMutableBufferPointer { $0[i] = x + step }
            minus.withUnsafeMutableBufferPointer { $0[i] = x - step }
            set(plus)
            let up = try evaluate()
            set(minus)
            let down = try evaluate()
            result[i] = (up - down) / (Double(x + step) - Double(x - step))
        }
        set(original)
        return result
    }
    func compare(_ label: String, _ grad: Tensor?, _ expected: [Double], _ shape: [Int]) {
        guard let grad else {
            if expected.contains(where: { abs($0) > atol }) {
                Issue.record("\(label): no gradient, but finite differences are nonzero", sourceLocation: sourceLocation)
            }
            return
        }
        let closeness = Closeness(grad.scalars.map(Double.init), expected, rtol: rtol, atol: atol)
        if grad.shape != shape || !closeness.isClose {
            Issue.record("\(label) \(shape): tape vs finite differences: \(closeness)", sourceLocation: sourceLocation)
        }
    }
    for (index, input) in inputs.enumerated() {
        var current = inputs
        let expected = try numerical(input, { current[index] = $0 }, { try objective(current) })
        compare("input \(index)", variables[index].grad, expected, input.shape)
    }
    for (index, parameter) in parameters.enumerated() {
        let expected = try numerical(parameter.value, { parameter.value = $0 }, { try objective(inputs) })
        compare("parameter \(index)", parameter.grad, expected, parameter.shape)
    }
}

// MARK: - Inputs

/// N(0, 1) samples of `shape` from a fixed seed.
func randomInputs(_ shape: [Int], seed: UInt64 = 1, std: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.randomNormal(shape, std: std, using: &rng)
}

/// Strictly positive inputs in [0.5, 2), for log and division.
func positiveRandomInputs(_ shape: [Int], seed: UInt64 = 2) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: 0.5, high: 2, using: &rng)
}

/// A tensor of `shape` whose element at flat index i is ((i · multiplier + offset) mod 23 − 11) / 4,
/// exact in Float32 (the same formula as References/derive_references.py's `exact_inputs`).
func exactInputs(_ shape: [Int], multiplier: Int = 7, offset: Int = 3) -> Tensor {
    Tensor(shape: shape) { i in Float((i * multiplier + offset) % 23 - 11) / 4 }
}

// MARK: - The checker checks

@Suite struct GradientCheckTests {
    /// A rule that is wrong by a factor (the tape sees 2x, finite differences see 3x) is caught.
    @Test func catchesAWrongRule() throws {
        withKnownIssue {
            try checkGradients([randomInputs([3])]) { x in GradientMode.isRecording ? x[0] * 2 : x[0] * 3 }
        }
    }
}
