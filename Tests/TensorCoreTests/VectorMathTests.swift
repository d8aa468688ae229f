// Tests of VectorMath: the SIMD exp against Foundation's float64 exp, its special values and
// boundaries, the buffer loops with tails that are not a multiple of 16 lanes, max, expShiftedSum.

import Foundation
import Testing
import TensorCore
import TestSupport

/// The error of `value` against the float64 `truth`, in units of the float32 ulp at the truth.
private func ulpError(_ value: Float, _ truth: Double) -> Double {
    abs(Double(value) - truth) / Double(Float(truth).ulp)
}

@Suite struct VectorMathTests {
    // MARK: - exp accuracy

    /// 2²⁰ + 1 evenly spaced points over [−87, 88] — every exponent from 2⁻¹²⁶ to 2¹²⁶ and every
    /// position of the reduced argument r — compared with Foundation's float64 exp.
    @Test func expIsWithinTwoUlpAcrossTheNormalRange() {
        let count = (1 << 20) + 1
        let low = -87.0, high = 88.0
        var x = [Float](repeating: 0, count: count)
        for i in 0..<count { x[i] = Float(low + (high - low) * Double(i) / Double(count - 1)) }
        var y = [Float](repeating: 0, count: count)
        VectorMath.exp(x, &y, count: count)

        var worst = 0.0, worstX: Float = 0
        for i in 0..<count {
            let error = ulpError(y[i], Foundation.exp(Double(x[i])))
            if error > worst { (worst, worstX) = (error, x[i]) }
        }
        print("VectorMath.exp: max error \(worst) ulp at x = \(worstX) over \(count) points in [\(low), \(high)]")
        #expect(worst <= 2, "max error \(worst) ulp at x = \(worstX)")
    }

    /// Near zero the reduced argument is x itself; relative accuracy must hold for tiny x too.
    @Test func expNearZero() {
        let x: [Float] = [0x1p-30, -0x1p-30, 1e-7, -1e-7, 1e-3, -1e-3, 0.34, -0.34, 0.35, -0.35]
        let y = Tensor(x).exp().scalars
        for (xi, yi) in zip(x, y) {
            #expect(ulpError(yi, Foundation.exp(Double(xi))) <= 2, "exp(\(xi)) = \(yi)")
        }
    }

    /// Finite and accurate up to the documented 88.376 (where n = round(x / ln 2) is still 127),
    /// +∞ above it. (Float's own overflow is at 88.72; VectorMath.exp documents giving up the rest.)
    @Test func expNearTheTopOfTheRange() {
        let x: [Float] = [88, 88.3, 88.37, 88.376]
        let y = Tensor(x).exp().scalars
        for (xi, yi) in zip(x, y) {
            #expect(yi.isFinite && ulpError(yi, Foundation.exp(Double(xi))) <= 2, "exp(\(xi)) = \(yi)")
        }
        #expect(Tensor([88.377, 88.5, 88.7, 88.72, 88.8, 89, 100]).exp().scalars.allSatisfy { $0 == .infinity })
    }

    @Test func expNearTheBottomOfTheRange() {
        let x: [Float] = [-87.3, -87.2, -87.1, -87]
        for (xi, yi) in zip(x, Tensor(x).exp().scalars) {
            #expect(yi.isNormal && ulpError(yi, Foundation.exp(Double(xi))) <= 2, "exp(\(xi)) = \(yi)")
        }
        // Documented: below −87.3 the result is exactly 0 (the truth is below 1.2e−38).
        #expect(Tensor([-87.4, -88, -103, -1000]).exp().scalars == [0, 0, 0, 0])
    }

    @Test func expSpecialValues() {
        let y = VectorMath.exp(SIMD16<Float>(
            0, -.infinity, .infinity, .nan, -1000, 1000, 1, -1,
            -0.0, 0, 0, 0, 0, 0, 0, 0))
        #expect(y[0] == 1)                      // exactly
        #expect(y[1] == 0)
        #expect(y[2] == .infinity)
        #expect(y[3].isNaN)
        #expect(y[4] == 0)
        #expect(y[5] == .infinity)
        #expect(ulpError(y[6], Foundation.exp(1.0)) <= 1)
        #expect(ulpError(y[7], Foundation.exp(-1.0)) <= 1)
        #expect(y[8] == 1)
    }

    // MARK: - Buffer loops

    @Test(arguments: [0, 1, 15, 16, 17, 33, 64, 100])
    func expBufferHandlesTails(count: Int) {
        // Values from −5 to 5 in steps of ¼; each lane position gets a different value.
        let x: [Float] = (0..<count).map { i in Float((i * 7 + 3) % 41 - 20) / 4 }
        var y = [Float](repeating: .nan, count: count + 1)   // one sentinel past the end
        VectorMath.exp(x, &y, count: count)
        for i in 0..<count {
            #expect(ulpError(y[i], Foundation.exp(Double(x[i]))) <= 2, "exp(\(x[i])) at \(i) = \(y[i])")
        }
        #expect(y[count].isNaN, "wrote past the end")
    }

    @Test func expBufferInPlace() {
        var x: [Float] = (0..<37).map { Float($0) / 8 - 2 }
        let original = x
        x.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, $0.baseAddress!, count: 37) }
        for (xi, yi) in zip(original, x) { #expect(ulpError(yi, Foundation.exp(Double(xi))) <= 2) }
    }

    @Test(arguments: [0, 1, 15, 16, 17, 33, 47])
    func maxFindsTheLargestElementAnywhere(count: Int) {
        #expect(VectorMath.max([Float](repeating: 3, count: count), count: count) == (count == 0 ? -.infinity : 3))
        for position in 0..<count {
            var x: [Float] = (0..<count).map { i in -Float(i % 5) }
            x[position] = 7
            #expect(VectorMath.max(x, count: count) == 7, "maximum at \(position) of \(count)")
        }
        let negatives: [Float] = (0..<count).map { i in -100 - Float(i) }
        #expect(VectorMath.max(negatives, count: count) == (count == 0 ? -.infinity : -100))
    }

    @Test(arguments: [1, 15, 16, 17, 33])
    func expShiftedSumWritesAndSums(count: Int) {
        let x: [Float] = (0..<count).map { i in Float((i * 5 + 1) % 13) / 4 - 1 }
        let shift: Float = 2
        var y = [Float](repeating: .nan, count: count + 1)
        let total = VectorMath.expShiftedSum(x, &y, count: count, shift: shift)
        var expectedTotal = 0.0
        for i in 0..<count {
            let truth = Foundation.exp(Double(x[i] - shift))
            expectedTotal += truth
            #expect(ulpError(y[i], truth) <= 2, "element \(i)")
        }
        #expect(y[count].isNaN, "wrote past the end")
        // A float32 sum of `count` terms: count·ulp relative error at most.
        #expect(abs(Double(total) - expectedTotal) <= Double(count + 2) * 0x1p-24 * expectedTotal)
    }

    @Test func expShiftedSumOfMaskedEntriesIsZero() {
        let x: [Float] = [1, -.infinity, 2, -.infinity, -.infinity]
        var y = [Float](repeating: .nan, count: 5)
        let total = VectorMath.expShiftedSum(x, &y, count: 5, shift: 2)
        #expect(y[1] == 0 && y[3] == 0 && y[4] == 0)
        #expect(y[2] == 1)
        #expect(ulpError(total, 1 + Foundation.exp(-1.0)) <= 2)
    }
}
