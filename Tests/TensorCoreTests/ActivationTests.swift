// Tests of the elementwise functions (Tensor+Math.swift) against float64 references from NumPy and
// math.erf (References/derive_references.py, section "Elementwise functions"), over inputs from
// −100 to 100 so that the saturating and overflowing ends are covered.

import Foundation
import Testing
import TensorCore
import TestSupport

/// The inputs of every activation test; the reference arrays below are in this order.
private let inputs: [Float] = [
    -100, -88.5, -20, -10, -5, -3, -1.5, -1, -0.5, -0.125, 0,
    0.125, 0.5, 1, 1.5, 3, 5, 10, 20, 88, 100,
]

/// One float32 ulp relative to the value: 2⁻²³.
private let ulp = 1.0 / 8_388_608

/// An elementwise function, its float64 reference values on `inputs`, and how close float32 can be.
struct ActivationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let apply: @Sendable (Tensor) -> Tensor
    let reference: [Double]
    let rtol: Double
    let atol: Double
    var testDescription: String { name }
}

private let cases: [ActivationCase] = [
    // VectorMath.exp promises 2 ulp. Below −87.3 it returns exactly 0 where the truth is a
    // subnormal (e⁻⁸⁸·⁵ = 3.7e−39), hence atol 1.2e−38 (the smallest normal Float).
    ActivationCase(name: "exp", apply: { $0.exp() }, reference: [
        3.720075976020836e-44, 3.672301681915042e-39, 2.061153622438558e-09, 4.5399929762484854e-05,
        0.006737946999085467, 0.049787068367863944, 0.22313016014842982, 0.36787944117144233,
        0.6065306597126334, 0.8824969025845953, 1, 1.1331484530668263,
        1.6487212707001282, 2.718281828459045, 4.4816890703380645, 20.085536923187668,
        148.4131591025766, 22026.465794806718, 485165195.4097903, 1.6516362549940018e+38,
        2.6881171418161356e+43,
    ], rtol: 2 * ulp, atol: 1.2e-38),
    // glibc's tanhf is within 2 ulp.
    ActivationCase(name: "tanh", apply: { $0.tanh() }, reference: [
        -1, -1, -1, -0.9999999958776927, -0.9999092042625951, -0.9950547536867305,
        -0.9051482536448665, -0.7615941559557649, -0.46211715726000974, -0.12435300177159621, 0,
        0.12435300177159621, 0.46211715726000974, 0.7615941559557649, 0.9051482536448665,
        0.9950547536867305, 0.9999092042625951, 0.9999999958776927, 1, 1, 1,
    ], rtol: 2 * ulp, atol: 0),
    // 1 / (1 + e⁻ˣ): 2 ulp from exp, one rounding in the sum and one in the quotient. Below −88
    // e⁻ˣ overflows to +∞ and σ is exactly 0, where the truth is a subnormal.
    ActivationCase(name: "sigmoid", apply: { $0.sigmoid() }, reference: [
        3.7200759760208356e-44, 3.672301681915042e-39, 2.0611536181902037e-09, 4.5397868702434395e-05,
        0.0066928509242848554, 0.04742587317756678, 0.18242552380635635, 0.2689414213699951,
        0.3775406687981454, 0.46879062662624377, 0.5, 0.5312093733737563,
        0.6224593312018546, 0.7310585786300049, 0.8175744761936437, 0.9525741268224334,
        0.9933071490757153, 0.9999546021312976, 0.9999999979388463, 1, 1,
    ], rtol: 4 * ulp, atol: 1.2e-38),
    ActivationCase(name: "relu", apply: { $0.relu() }, reference: [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0.125, 0.5, 1, 1.5, 3, 5, 10, 20, 88, 100,
    ], rtol: 0, atol: 0),
    // x · ½(1 + erf(x/√2)) in float32: for negative x, 1 + erf cancels (erf ≈ −1), which leaves
    // an absolute error of about |x| · ulp(1) / 2 = |x| · 6e−8, hence atol 1e−6 for |x| ≤ 10.
    ActivationCase(name: "gelu", apply: { $0.gelu() }, reference: [
        -0, -0, -0, -0, -1.4332578593401202e-06, -0.00404969409489031,
        -0.10021080190328713, -0.15865525393145707, -0.15426876936299344, -0.056282721896235885, 0,
        0.06871727810376412, 0.34573123063700656, 0.8413447460685429, 1.399789198096713,
        2.99595030590511, 4.999998566742141, 10, 20, 88, 100,
    ], rtol: 2 * ulp, atol: 1e-6),
]

@Suite struct ActivationTests {
    @Test(arguments: cases)
    func matchesTheFloat64Reference(_ activation: ActivationCase) {
        let x = Tensor(inputs)
        let y = activation.apply(x)
        // The best float32 can do is the reference rounded to float32 (e¹⁰⁰ rounds to +∞).
        let expected = activation.reference.map { Double(Float($0)) }
        expectClose(y, shape: [inputs.count], expected, rtol: activation.rtol, atol: activation.atol)
        #expect(!y.scalars.contains { $0.isNaN }, "\(activation.name) produced NaN")
    }

    @Test(arguments: cases)
    func keepsTheShape(_ activation: ActivationCase) {
        let x = exactInputs([2, 3, 5])
        let y = activation.apply(x)
        #expect(y.shape == [2, 3, 5])
        // Elementwise: the same function of the same element, whatever the shape.
        let flat = activation.apply(Tensor(x.scalars))
        #expect(y.scalars == flat.scalars)
    }

    @Test func sigmoidSaturatesWithoutNaN() {
        let y = Tensor([-.infinity, -1000, -100, 100, 1000, .infinity]).sigmoid()
        #expect(y.scalars == [0, 0, 0, 1, 1, 1])
        #expect(Tensor([-100]).sigmoid().item >= 0)
    }

    /// A tensor large enough to be split over the threads, against the scalar float64 formula
    /// x · ½(1 + erf(x/√2)); and `gelu(into:)` writes the same values without allocating.
    @Test func geluOfALargeTensorMatchesTheScalarFormula() throws {
        var rng = SeededGenerator(seed: 11)
        let x = Tensor.randomNormal([300, 1001], std: 3, using: &rng)
        let expected = x.scalars.map { v -> Double in
            let d = Double(v)
            return d * 0.5 * (1 + Foundation.erf(d / 2.0.squareRoot()))
        }
        expectClose(x.gelu(), shape: [300, 1001], expected, rtol: 4 * ulp, atol: 2e-6)
        var output = Tensor.zeros([300, 1001])
        try x.gelu(into: &output)
        expectClose(output, shape: [300, 1001], expected, rtol: 4 * ulp, atol: 2e-6)
        var wrong = Tensor.zeros([1001, 300])
        #expect(throws: TensorError.self) { try x.gelu(into: &wrong) }
    }

    @Test func geluOfExtremes() {
        let y = Tensor([-1000, -30, 30, 1000, .infinity]).gelu()
        #expect(y.scalars == [0, 0, 30, 1000, .infinity])
    }

    @Test func logMatchesTheReference() {
        let x = Tensor([0, 1e-30, 0.125, 0.5, 1, 2, 10, 1e30, -1])
        let expected: [Double] = [
            -.infinity, -69.07755278665029, -2.0794415416798357, -0.6931471805599453, 0,
            0.6931471805599453, 2.302585092994046, 69.07755280486883, .nan,
        ]
        // glibc's logf is correctly rounded in practice; allow 1 ulp.
        expectClose(x.log(), shape: [9], expected, rtol: ulp, atol: 0)
    }

    @Test func squareRootIsExactlyRounded() {
        let x = Tensor([0, 0.25, 2, 16, 0x1p-100])
        let expected = [0, 0.5, 2.0.squareRoot(), 4, 0x1p-50].map { Double(Float($0)) }
        expectClose(x.squareRoot(), shape: [5], expected, rtol: 0, atol: 0)
        #expect(Tensor([-1]).squareRoot().item.isNaN)
    }
}
