// The sinusoidal encoding against values derived with NumPy in float64 and rounded to float32:
//
//     pos = np.arange(6)[:, None]; i = np.arange(4)[None, :]
//     angle = pos / np.power(10000.0, 2 * i / 8)
//     pe[:, 0::2] = np.sin(angle); pe[:, 1::2] = np.cos(angle)

import Foundation
import Testing
import TensorCore
import TestSupport

@Suite struct PositionalEncodingTests {
    static let numpyPE: [Double] = [
        0.000000000, 1.000000000, 0.000000000, 1.000000000, 0.000000000, 1.000000000, 0.000000000, 1.000000000,
        0.841470957, 0.540302277, 0.099833414, 0.995004177, 0.009999833, 0.999949992, 0.001000000, 0.999999523,
        0.909297407, -0.416146845, 0.198669329, 0.980066597, 0.019998666, 0.999800026, 0.001999999, 0.999997973,
        0.141120002, -0.989992499, 0.295520216, 0.955336511, 0.029995501, 0.999550045, 0.002999996, 0.999995530,
        -0.756802499, -0.653643608, 0.389418334, 0.921060979, 0.039989334, 0.999200106, 0.003999989, 0.999992013,
        -0.958924294, 0.283662200, 0.479425550, 0.877582550, 0.049979169, 0.998750269, 0.004999979, 0.999987483,
    ]

    @Test func matchesNumPy() throws {
        let pe = try PositionalEncoding.sinusoidal(positions: 6, dModel: 8)
        expectClose(pe, shape: [6, 8], Self.numpyPE, rtol: 0, atol: 1e-7)
    }

    @Test func wavelengthsAreTwoPiTimesPowersOfTheBase() {
        // 2π · 10000^(2i/8) for i = 0…3, from NumPy.
        expectClose(PositionalEncoding.wavelengths(dModel: 8), [6.28318531, 62.83185307, 628.31853072, 6283.18530718],
                    rtol: 1e-9, atol: 0)
    }

    /// PE(p)·PE(q) = Σᵢ cos((p − q)ωᵢ): a closed form that the dot products must match.
    @Test func dotProductDependsOnlyOnDistance() throws {
        let pe = try PositionalEncoding.sinusoidal(positions: 50, dModel: 16)
        let similarity = try pe.matmul(pe.transposed())
        let frequencies = PositionalEncoding.angularFrequencies(dModel: 16)
        for p in stride(from: 0, to: 50, by: 7) {
            for q in stride(from: 0, to: 50, by: 5) {
                let expected = frequencies.reduce(0) { $0 + cos(Double(p - q) * $1) }
                #expect(abs(Double(similarity[p, q]) - expected) < 2e-5, "p \(p), q \(q)")
            }
        }
    }

    /// PE(pos + k) = R(k)·PE(pos) with R(k) block-diagonal, one 2×2 rotation per pair:
    /// [sin((p+k)ω), cos((p+k)ω)] = [[cos kω, sin kω], [−sin kω, cos kω]]·[sin pω, cos pω]
    /// (the angle-addition formulas), with ω = 10000^(−2i/d) written out here.
    @Test(arguments: [1, 3, 10, 37])
    func shiftingByKIsABlockDiagonalRotation(k: Int) throws {
        let (positions, d) = (60, 16)
        let pe = try PositionalEncoding.sinusoidal(positions: positions, dModel: d)     // [P, d]
        var r = [Float](repeating: 0, count: d * d)                                     // R(k), [d, d]
        for i in 0..<(d / 2) {
            let angle = Double(k) * Foundation.pow(10_000, -2 * Double(i) / Double(d))
            let (c, s) = (Float(Foundation.cos(angle)), Float(Foundation.sin(angle)))
            r[(2 * i) * d + 2 * i] = c; r[(2 * i) * d + 2 * i + 1] = s
            r[(2 * i + 1) * d + 2 * i] = -s; r[(2 * i + 1) * d + 2 * i + 1] = c
        }
        let rotation = try Tensor(shape: [d, d], scalars: r)
        // Rows are positions, so R(k)·PE(pos) for every pos at once is PE · R(k)ᵀ.
        let rotated = try pe.rows(0..<(positions - k)).matmul(rotation.transposed())   // [P − k, d]
        expectClose(rotated, try pe.rows(k..<positions), rtol: 0, atol: 2e-6)
    }

    @Test func rejectsOddOrNonPositiveWidth() {
        #expect(throws: TensorError.self) { try PositionalEncoding.sinusoidal(positions: 4, dModel: 7) }
        #expect(throws: TensorError.self) { try PositionalEncoding.sinusoidal(positions: 4, dModel: 0) }
        #expect(throws: TensorError.self) { try PositionalEncoding.sinusoidal(positions: -1, dModel: 4) }
    }
}
