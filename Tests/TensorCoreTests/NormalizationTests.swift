// Tests of the row-wise normalisations in Tensor+Reductions.swift: softmax, logSoftmax and
// layerNorm over the last axis, against float64 NumPy references
// (References/derive_references.py, section "Reductions, softmax, layer norm").

import Foundation
import Testing
import TensorCore
import TestSupport

private let ulp = 1.0 / 8_388_608

// Softmax error budget: exp is within 2 ulp, the row sum of n terms is within about n/2 ulp in
// the worst case (far less in practice), and the final multiply by 1/sum adds 2 roundings:
// rtol 8 ulp ≈ 1e−6 covers rows of up to 37 with room to spare.
private let softmaxRtol = 8 * ulp
// logSoftmax: x − max is exact for these inputs, then one subtraction of log Σ (float64, rounded
// once): the absolute error is about ulp(|result|) plus the error of log Σ, which is ≤ 1e−7.
private let logSoftmaxRtol = 2 * ulp, logSoftmaxAtol = 2e-7

@Suite struct SoftmaxTests {
    @Test func smallRows() {
        let logits = exactInputs([3, 5])
        expectClose(logits.softmax(), shape: [3, 5], [
            0.022744368091200704, 0.1308848014816829, 0.7531900288549713, 0.01379515658310293,
            0.0793856449890422, 0.09126689432409235, 0.5252047143081541, 0.00961945988992895,
            0.05535616962431493, 0.31855276185350984, 0.022744368091200704, 0.1308848014816829,
            0.7531900288549713, 0.01379515658310293, 0.0793856449890422,
        ], rtol: softmaxRtol, atol: 0)
        expectClose(logits.logSoftmax(), shape: [3, 5], [
            -3.783437720663067, -2.033437720663067, -0.2834377206630672, -4.283437720663067,
            -2.533437720663067, -2.3939671603787134, -0.6439671603787133, -4.643967160378713,
            -2.8939671603787134, -1.1439671603787134, -3.783437720663067, -2.033437720663067,
            -0.2834377206630672, -4.283437720663067, -2.533437720663067,
        ], rtol: logSoftmaxRtol, atol: logSoftmaxAtol)
    }

    /// Rows of 37 cross two full 16-lane blocks and a tail of 5.
    @Test func longRows() {
        let logits = exactInputs([2, 37], multiplier: 5, offset: 1)
        let p = logits.softmax()
        expectClose(p, shape: [2, 37], longRowsSoftmax, rtol: softmaxRtol, atol: 0)
        expectClose(logits.logSoftmax(), shape: [2, 37], longRowsLogSoftmax,
                    rtol: logSoftmaxRtol, atol: logSoftmaxAtol)
    }

    @Test(arguments: [[1, 1], [3, 5], [2, 37], [4, 2, 100], [3, 1000]])
    func rowsSumToOne(shape: [Int]) throws {
        var rng = SeededGenerator(seed: 5)
        let logits = Tensor.randomNormal(shape, std: 3, using: &rng)
        let p = logits.softmax()
        #expect(p.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let sums = try p.sum(axis: -1).scalars
        let n = Double(shape.last!)
        for total in sums { #expect(abs(Double(total) - 1) <= (n + 4) * ulp, "row sum \(total)") }
    }

    /// Logits of ±10⁴: e¹⁰⁰⁰⁰ would overflow, but every exponent is taken after subtracting the
    /// row maximum, so the results are finite and correct.
    @Test func hugeLogits() throws {
        let logits = try Tensor(rows: [[1e4, -1e4, 0, 9998, 5e3], [-1e4, -1e4, -9999, -1e4, -1e4]])
        let p = logits.softmax()
        #expect(p.scalars.allSatisfy { $0.isFinite })
        expectClose(p, shape: [2, 5], [
            0.8807970779778823, 0, 0, 0.11920292202211755, 0,
            0.14884758120207758, 0.14884758120207758, 0.40460967519168967, 0.14884758120207758,
            0.14884758120207758,
        ], rtol: softmaxRtol, atol: 0)
        let logP = logits.logSoftmax()
        #expect(logP.scalars.allSatisfy { $0.isFinite })
        expectClose(logP, shape: [2, 5], [
            -0.1269280110429726, -20000.126928011043, -10000.126928011043, -2.1269280110429727,
            -5000.126928011043, -1.904832441554448, -1.904832441554448, -0.9048324415544481,
            -1.904832441554448, -1.904832441554448,
        ], rtol: logSoftmaxRtol, atol: logSoftmaxAtol)
    }

    /// A masked position (−∞) gets probability exactly 0 and log-probability −∞.
    @Test func maskedEntries() throws {
        let logits = Tensor([0.5, -.infinity, 1.25, -.infinity, -2])
        let p = logits.softmax()
        expectClose(p, shape: [5], [0.31258937953733923, 0, 0.6617517216734928, 0, 0.02565889878916787],
                    rtol: softmaxRtol, atol: 0)
        #expect(p.scalars[1] == 0 && p.scalars[3] == 0)
        expectClose(logits.logSoftmax(), shape: [5],
                    [-1.1628648361805505, -.infinity, -0.41286483618055053, -.infinity, -3.6628648361805505],
                    rtol: logSoftmaxRtol, atol: logSoftmaxAtol)
    }

    /// Documented: a row that is entirely −∞ (every position masked) gives zeros, not NaN;
    /// the other rows are unaffected.
    @Test func fullyMaskedRowGivesZeros() throws {
        var logits = exactInputs([3, 20])
        for j in 0..<20 { logits[1, j] = -.infinity }
        let p = logits.softmax()
        #expect(try p.row(1).scalars == [Float](repeating: 0, count: 20))
        expectClose(try p.row(0), try logits.row(0).softmax(), rtol: 0, atol: 0)
        expectClose(try p.row(2), try logits.row(2).softmax(), rtol: 0, atol: 0)
        // log-softmax of that row is log 0 = −∞ throughout, not NaN.
        let logP = logits.logSoftmax()
        #expect(try logP.row(1).scalars == [Float](repeating: -.infinity, count: 20))
        expectClose(try logP.row(0), try logits.row(0).logSoftmax(), rtol: 0, atol: 0)
    }

    /// softmax(x + c) = softmax(x) for a constant c per row.
    @Test func invariantToAConstantPerRow() throws {
        let logits = exactInputs([3, 7])
        let shifts = try Tensor(shape: [3, 1], scalars: [-50, 3.75, 1000])
        let shifted = try logits + shifts
        expectClose(shifted.softmax(), logits.softmax(), rtol: softmaxRtol, atol: 1e-9)
        expectClose(shifted.logSoftmax(), logits.logSoftmax(), rtol: logSoftmaxRtol, atol: logSoftmaxAtol)
    }

    @Test func logSoftmaxIsTheLogOfSoftmax() {
        var rng = SeededGenerator(seed: 11)
        let logits = Tensor.randomNormal([4, 50], std: 2, using: &rng)
        let viaSoftmax = logits.softmax().scalars.map { Foundation.log(Double($0)) }
        expectClose(logits.logSoftmax().scalars.map(Double.init), viaSoftmax, rtol: 1e-5, atol: 1e-6)
    }

    @Test func leadingAxesAreRows() throws {
        let logits = exactInputs([2, 3, 5])
        let p = logits.softmax()
        #expect(p.shape == [2, 3, 5])
        expectClose(try p.reshaped([6, 5]), try logits.reshaped([6, 5]).softmax(), rtol: 0, atol: 0)
        #expect(Tensor.zeros([2, 0]).softmax().shape == [2, 0])
    }
}

@Suite struct LayerNormTests {
    /// Rows 0 and 1 of exactInputs([3, 8]); row 2 is constant (variance 0: ε keeps it finite).
    var x: Tensor {
        var x = exactInputs([3, 8])
        for j in 0..<8 { x[2, j] = 1.5 }
        return x
    }
    let gamma = positiveInputs([8])
    let beta = exactInputs([8], multiplier: 3, offset: 5)

    // Float32 mean and variance over 8 values, then one normalisation: a few ulp of the
    // normalised values, whose magnitude is ≤ 2, hence atol 1e−6 beside rtol 1e−6.
    @Test func withoutGammaAndBeta() throws {
        expectClose(try x.layerNorm(), shape: [3, 8], [
            -1.0696792518256537, -0.036885491442263926, 0.9959082689411259, -1.3647631833637652,
            -0.3319694229803753, 0.7008243374030145, 1.7336180977864044, -0.6270533545184868,
            0.2284237999552193, 1.391308599727245, -1.2667137997516706, -0.10382899997964515,
            1.0590557997923804, -1.5989665996865352, -0.43608179991450957, 0.726802999857516,
            0, 0, 0, 0, 0, 0, 0, 0,
        ], rtol: 1e-6, atol: 1e-6)
    }

    @Test func withGammaAndBeta() throws {
        expectClose(try x.layerNorm(gamma: gamma, beta: beta), shape: [3, 8], [
            -2.3022594388692403, -0.8237709828845279, 0.49795413447056297, -1.6383355708865892,
            1.4170076442549062, 3.3012365061045217, 2.017449768912612, -2.7838166931481085,
            -1.3286821500335855, 2.03261719945449, -0.6333568998758353, 0.568299250035621,
            1.7647639499480952, -0.14844989952980292, -3.9492249497649015, -1.0914962501781051,
            -1.5, -0.75, 0, 0.75, 1.5, 2.25, -2.75, -2,
        ], rtol: 1e-6, atol: 3e-6)
    }

    @Test func onlyGammaOrOnlyBeta() throws {
        let plain = try x.layerNorm()
        expectClose(try x.layerNorm(gamma: gamma), try plain * gamma, rtol: 1e-6, atol: 1e-6)
        expectClose(try x.layerNorm(beta: beta), try plain + beta, rtol: 1e-6, atol: 1e-6)
    }

    /// Each normalised row has mean 0 and biased variance 1 − ε/(var + ε) ≈ 1.
    @Test func rowsAreStandardised() throws {
        var rng = SeededGenerator(seed: 3)
        let y = try Tensor.randomNormal([16, 64], mean: 5, std: 3, using: &rng).layerNorm()
        for i in 0..<16 {
            let row = try y.row(i).scalars.map(Double.init)
            let mean = row.reduce(0, +) / 64
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 64
            #expect(abs(mean) < 1e-6)
            #expect(abs(variance - 1) < 1e-5)
        }
    }

    /// Rows wide enough for whole vectors plus a tail, and enough of them to be split over the
    /// threads, against a float64 normalisation of each row; `layerNorm(into:)` agrees.
    @Test func manyWideRowsMatchFloat64() throws {
        var rng = SeededGenerator(seed: 5)
        let (rows, d) = (96, 1000)
        let x = Tensor.randomNormal([rows, d], mean: 2, std: 3, using: &rng)
        let g = Tensor.randomNormal([d], using: &rng), b = Tensor.randomNormal([d], using: &rng)
        var expected: [Double] = []
        for i in 0..<rows {
            let row = try x.row(i).scalars.map(Double.init)
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            for j in 0..<d {
                expected.append((row[j] - mean) / (variance + 1e-5).squareRoot() * Double(g.scalars[j]) + Double(b.scalars[j]))
            }
        }
        expectClose(try x.layerNorm(gamma: g, beta: b), shape: [rows, d], expected, rtol: 1e-5, atol: 1e-5)
        var output = Tensor.zeros([rows, d])
        try x.layerNorm(gamma: g, beta: b, into: &output)
        expectClose(output, shape: [rows, d], expected, rtol: 1e-5, atol: 1e-5)
        var wrong = Tensor.zeros([rows, d + 1])
        #expect(throws: TensorError.self) { try x.layerNorm(into: &wrong) }
    }

    @Test(arguments: [[7], [1, 8], [8, 1], [], [16]])
    func wrongParameterShapeThrows(shape: [Int]) {
        let bad = Tensor.ones(shape)
        for call in [{ try x.layerNorm(gamma: bad) }, { try x.layerNorm(beta: bad) }] as [() throws -> Tensor] {
            let error = #expect(throws: TensorError.self) { try call() }
            guard case .shapeMismatch(let message)? = error else {
                Issue.record("expected shapeMismatch, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("\(shape)") && message.contains("[8]"), "message: \(message)")
        }
    }
}

// MARK: - Long reference arrays

private let longRowsSoftmax: [Double] = [
    0.0007543423123778105, 0.002632913377523371, 0.009189770664845769, 0.032075451320733854,
    0.11195432562473352, 0.0012437002158064167, 0.004340940289433699, 0.015151370367987277,
    0.05288347885980042, 0.000587482383583733, 0.002050515000174379, 0.00715700059002851,
    0.024980386605956254, 0.08719011646477352, 0.0009685947019761125, 0.003380727696677175,
    0.011799899107193373, 0.041185694747552654, 0.14375219961029356, 0.0015969426878354681,
    0.00557387766395671, 0.019454744650145166, 0.0679037309788526, 0.0007543423123778105,
    0.002632913377523371, 0.009189770664845769, 0.032075451320733854, 0.11195432562473352,
    0.0012437002158064167, 0.004340940289433699, 0.015151370367987277, 0.05288347885980042,
    0.000587482383583733, 0.002050515000174379, 0.00715700059002851, 0.024980386605956254,
    0.08719011646477352,
    0.0008805154865818803, 0.003073301027527152, 0.010726874597589638, 0.03744047120727331,
    0.13068008500235925, 0.0014517246119084193, 0.005067016775348576, 0.017685626317178915,
    0.061728901264467215, 0.0006857461504564675, 0.0023934892468522994, 0.00835409833651157,
    0.029158668294786843, 0.10177375253167514, 0.0011306042645583083, 0.003946196632477416,
    0.013773579624927182, 0.048074516642904505, 0.0005340596389636982, 0.001864051299721558,
    0.006506178326330732, 0.02270879370129934, 0.07926147816778398, 0.0008805154865818803,
    0.003073301027527152, 0.010726874597589638, 0.03744047120727331, 0.13068008500235925,
    0.0014517246119084193, 0.005067016775348576, 0.017685626317178915, 0.061728901264467215,
    0.0006857461504564675, 0.0023934892468522994, 0.00835409833651157, 0.029158668294786843,
    0.10177375253167514,
]

private let longRowsLogSoftmax: [Double] = [
    -7.189664297784922, -5.939664297784922, -4.689664297784922, -3.4396642977849217,
    -2.1896642977849217, -6.689664297784922, -5.439664297784922, -4.189664297784922,
    -2.9396642977849217, -7.439664297784922, -6.189664297784922, -4.939664297784922,
    -3.6896642977849217, -2.4396642977849217, -6.939664297784922, -5.689664297784922,
    -4.439664297784922, -3.1896642977849217, -1.9396642977849214, -6.439664297784922,
    -5.189664297784922, -3.9396642977849217, -2.6896642977849217, -7.189664297784922,
    -5.939664297784922, -4.689664297784922, -3.4396642977849217, -2.1896642977849217,
    -6.689664297784922, -5.439664297784922, -4.189664297784922, -2.9396642977849217,
    -7.439664297784922, -6.189664297784922, -4.939664297784922, -3.6896642977849217,
    -2.4396642977849217,
    -7.0350030417875935, -5.7850030417875935, -4.5350030417875935, -3.285003041787593,
    -2.035003041787593, -6.5350030417875935, -5.2850030417875935, -4.0350030417875935,
    -2.785003041787593, -7.2850030417875935, -6.0350030417875935, -4.7850030417875935,
    -3.535003041787593, -2.285003041787593, -6.7850030417875935, -5.5350030417875935,
    -4.2850030417875935, -3.035003041787593, -7.5350030417875935, -6.2850030417875935,
    -5.0350030417875935, -3.785003041787593, -2.535003041787593, -7.0350030417875935,
    -5.7850030417875935, -4.5350030417875935, -3.285003041787593, -2.035003041787593,
    -6.5350030417875935, -5.2850030417875935, -4.0350030417875935, -2.785003041787593,
    -7.2850030417875935, -6.0350030417875935, -4.7850030417875935, -3.535003041787593,
    -2.285003041787593,
]
