// Tests of VectorMath's SIMD tanh and sigmoid against Foundation's float64 functions: accuracy in
// ulp over the whole useful range, the branch point of tanh, special values, buffer tails.

import Foundation
import Testing
import TensorCore

/// The error of `value` against the float64 `truth`, in units of the float32 ulp at the truth.
private func ulpError(_ value: Float, _ truth: Double) -> Double {
    abs(Double(value) - truth) / Double(Float(truth).ulp)
}

@Suite struct VectorMathTanhTests {
    /// 2²⁰ + 1 evenly spaced points over [−12, 12], plus a dense sweep around the branch at 0.625.
    @Test func tanhIsWithinTwoUlp() {
        var x: [Float] = (0...(1 << 20)).map { Float(-12 + 24 * Double($0) / Double(1 << 20)) }
        x += (0..<4096).map { Float(0.6 + 0.05 * Double($0) / 4096) }
        x += [1e-30, 1e-7, 1e-3, 0.1, 0.3, 0.5]
        var y = [Float](repeating: 0, count: x.count)
        VectorMath.tanh(x, &y, count: x.count)
        var worst = 0.0, worstX: Float = 0
        for i in x.indices {
            let error = ulpError(y[i], Foundation.tanh(Double(x[i])))
            if error > worst { (worst, worstX) = (error, x[i]) }
        }
        print("VectorMath.tanh: max error \(worst) ulp at x = \(worstX) over \(x.count) points")
        #expect(worst <= 2, "max error \(worst) ulp at x = \(worstX)")
    }

    @Test func tanhSpecialValues() {
        let y = VectorMath.tanh(SIMD16<Float>(
            0, -0.0, .infinity, -.infinity, .nan, 20, -20, 44, 45, 1000, -1000, 0x1p-140, -0x1p-140, 9, 0.625, -0.625))
        #expect(y[0] == 0 && y[1] == 0 && y[1].sign == .minus)
        #expect(y[2] == 1 && y[3] == -1)
        #expect(y[4].isNaN)
        #expect(y[5] == 1 && y[6] == -1 && y[7] == 1 && y[8] == 1 && y[9] == 1 && y[10] == -1)
        #expect(y[11] == 0x1p-140 && y[12] == -0x1p-140)   // tanh x = x for tiny x, subnormals too
        #expect(ulpError(y[13], Foundation.tanh(9.0)) <= 1)
        #expect(y[14] == -y[15])
    }

    /// σ(x) within 4 ulp over [−80, 80]; exactly 0 and 1 far out.
    @Test func sigmoidIsWithinFourUlp() {
        let x: [Float] = (0...(1 << 18)).map { Float(-80 + 160 * Double($0) / Double(1 << 18)) }
        var y = [Float](repeating: 0, count: x.count)
        VectorMath.sigmoid(x, &y, count: x.count)
        var worst = 0.0, worstX: Float = 0
        for i in x.indices {
            let error = ulpError(y[i], 1 / (1 + Foundation.exp(-Double(x[i]))))
            if error > worst { (worst, worstX) = (error, x[i]) }
        }
        #expect(worst <= 4, "max error \(worst) ulp at x = \(worstX)")
        let extremes = VectorMath.sigmoid(SIMD16<Float>(-.infinity, -1000, -100, 100, 1000, .infinity, 0, .nan,
                                                        0, 0, 0, 0, 0, 0, 0, 0))
        #expect(extremes[0] == 0 && extremes[1] == 0 && extremes[2] == 0)
        #expect(extremes[3] == 1 && extremes[4] == 1 && extremes[5] == 1)
        #expect(extremes[6] == 0.5 && extremes[7].isNaN)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 33])
    func buffersHandleTailsAndWorkInPlace(count: Int) {
        let x: [Float] = (0..<count).map { i in Float((i * 7 + 3) % 41 - 20) / 4 }
        var t = [Float](repeating: .nan, count: count + 1), s = t   // one sentinel past the end
        VectorMath.tanh(x, &t, count: count)
        VectorMath.sigmoid(x, &s, count: count)
        for i in 0..<count {
            #expect(ulpError(t[i], Foundation.tanh(Double(x[i]))) <= 2)
            #expect(ulpError(s[i], 1 / (1 + Foundation.exp(-Double(x[i])))) <= 4)
        }
        #expect(t[count].isNaN && s[count].isNaN, "wrote past the end")
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { VectorMath.tanh($0.baseAddress!, $0.baseAddress!, count: count) }
        #expect(inPlace == Array(t.prefix(count)))
    }
}
