// The row and column passes of a training step split over the cores once a tensor holds 16 K
// floats. At such sizes each is checked here against sums taken in Double, element by element:
// the layer norm's three gradients, a bias's gradient, the cross-entropy's log-softmax and its
// gradient, and same-shape arithmetic. Widths that are not multiples of 16 reach the tails.

@testable import Autograd
import Testing
import TensorCore
import TestSupport
import Foundation

@Suite struct ParallelPassTests {
    static let rows = 2048

    /// ∂L/∂x, ∂L/∂γ, ∂L/∂β of layer norm on [2048, 80] against the closed forms in Double.
    @Test func layerNormGradientsAtTrainingSize() throws {
        let d = 80, rows = Self.rows
        let x = randomInputs([rows, d], seed: 71), g = randomInputs([rows, d], seed: 72)
        let gamma = randomInputs([d], seed: 73), beta = randomInputs([d], seed: 74)
        let (xv, gv, gm) = (x.scalars, g.scalars, gamma.scalars)
        var dx = [Double](repeating: 0, count: rows * d), dGamma = [Double](repeating: 0, count: d)
        var dBeta = [Double](repeating: 0, count: d)
        for r in 0..<rows {
            let row = (0..<d).map { Double(xv[r * d + $0]) }
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            let inverseStd = 1 / (variance + 1e-5).squareRoot()
            let xHat = row.map { ($0 - mean) * inverseStd }
            let gHat = (0..<d).map { Double(gv[r * d + $0]) * Double(gm[$0]) }
            let meanG = gHat.reduce(0, +) / Double(d)
            let meanGX = zip(gHat, xHat).map(*).reduce(0, +) / Double(d)
            for j in 0..<d {
                dx[r * d + j] = (gHat[j] - meanG - xHat[j] * meanGX) * inverseStd
                dGamma[j] += Double(gv[r * d + j]) * xHat[j]
                dBeta[j] += Double(gv[r * d + j])
            }
        }
        let input = Variable(x, requiresGrad: true)
        let gammaVariable = Variable(gamma, requiresGrad: true), betaVariable = Variable(beta, requiresGrad: true)
        let y = try input.layerNorm(gamma: gammaVariable, beta: betaVariable)
        y.backward(seed: g)
        expectClose(input.grad!, try Tensor(shape: [rows, d], scalars: dx.map(Float.init)), rtol: 1e-3, atol: 1e-4)
        expectClose(gammaVariable.grad!, try Tensor(shape: [d], scalars: dGamma.map(Float.init)), rtol: 1e-4, atol: 1e-3)
        expectClose(betaVariable.grad!, try Tensor(shape: [d], scalars: dBeta.map(Float.init)), rtol: 1e-4, atol: 1e-3)
    }

    /// A linear layer's ∂L/∂b = Σ_rows G on [2048, 42] against column sums in Double.
    @Test func biasGradientAtTrainingSize() throws {
        var rng = SeededGenerator(seed: 75)
        let layer = Linear(inputs: 8, outputs: 42, generator: &rng)
        let x = randomInputs([Self.rows, 8], seed: 76), g = randomInputs([Self.rows, 42], seed: 77)
        try layer(Variable(x)).backward(seed: g)
        let gv = g.scalars
        let want = (0..<42).map { j in Float((0..<Self.rows).map { Double(gv[$0 * 42 + j]) }.reduce(0, +)) }
        expectClose(layer.bias!.grad!, try Tensor(shape: [42], scalars: want), rtol: 1e-4, atol: 1e-3)
    }

    /// Cross-entropy's loss and ∂/∂logits on [2048, 42] logits, with ignored rows, against
    /// log-softmax in Double.
    @Test func crossEntropyAtTrainingSize() throws {
        let (rows, classes) = (Self.rows, 42)
        let logits = randomInputs([rows, classes], seed: 78, std: 3)
        let targets = (0..<rows).map { $0 % 7 == 0 ? -1 : ($0 * 13) % classes }
        let lv = logits.scalars
        var loss = 0.0, kept = 0
        var grad = [Double](repeating: 0, count: rows * classes)
        let keptRows = targets.filter { $0 != -1 }.count
        for r in 0..<rows where targets[r] != -1 {
            let row = (0..<classes).map { Double(lv[r * classes + $0]) }
            let top = row.max()!
            let logTotal = Foundation.log(row.map { Foundation.exp($0 - top) }.reduce(0, +))
            loss -= row[targets[r]] - top - logTotal
            kept += 1
            for v in 0..<classes {
                let p = Foundation.exp(row[v] - top - logTotal)
                grad[r * classes + v] = (p - (v == targets[r] ? 1 : 0)) / Double(keptRows)
            }
        }
        let input = Variable(logits, requiresGrad: true)
        let result = try crossEntropy(logits: input, targets: targets, ignoreIndex: -1)
        result.backward()
        #expect(abs(Double(result.value.item) - loss / Double(kept)) < 1e-5 * abs(loss / Double(kept)))
        expectClose(input.grad!, try Tensor(shape: [rows, classes], scalars: grad.map(Float.init)), rtol: 1e-4, atol: 1e-8)
        #expect(input.grad!.scalars[0..<classes].allSatisfy { $0 == 0 }, "row 0 is ignored; its gradient is 0")
    }

    /// The softmax's ∂L/∂x = y ∘ (g − Σ g y) by rows on [2048, 40], against Double.
    @Test func softmaxGradientAtTrainingSize() throws {
        let (rows, d) = (Self.rows, 40)
        let x = randomInputs([rows, d], seed: 81), g = randomInputs([rows, d], seed: 82)
        let (xv, gv) = (x.scalars, g.scalars)
        var want = [Float](repeating: 0, count: rows * d)
        for r in 0..<rows {
            let row = (0..<d).map { Double(xv[r * d + $0]) }
            let top = row.max()!, exps = row.map { Foundation.exp($0 - top) }, total = exps.reduce(0, +)
            let y = exps.map { $0 / total }
            let dot = (0..<d).map { Double(gv[r * d + $0]) * y[$0] }.reduce(0, +)
            for j in 0..<d { want[r * d + j] = Float(y[j] * (Double(gv[r * d + j]) - dot)) }
        }
        let input = Variable(x, requiresGrad: true)
        input.softmax().backward(seed: g)
        expectClose(input.grad!, try Tensor(shape: [rows, d], scalars: want), rtol: 1e-4, atol: 1e-6)
    }

    /// Same-shape +, −, ×, ÷ on [2048, 80] element by element against Double.
    @Test func sameShapeArithmeticAtTrainingSize() throws {
        let a = randomInputs([Self.rows, 80], seed: 79), b = randomInputs([Self.rows, 80], seed: 80)
        let (av, bv) = (a.scalars, b.scalars)
        let cases: [(Tensor, (Double, Double) -> Double)] = [
            (try a + b, { $0 + $1 }), (try a - b, { $0 - $1 }), (try a * b, { $0 * $1 }), (try a / b, { $0 / $1 }),
        ]
        for (got, op) in cases {
            let want = zip(av, bv).map { Float(op(Double($0), Double($1))) }   // one rounding: exact in Float
            #expect(got.shape == [Self.rows, 80])
            #expect(got.scalars == want)
        }
    }
}
