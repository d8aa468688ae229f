// FMAPeak: the loop computes its closed form on any number of threads, with one register of the
// build's widest vectors per chain, and its measured rate is a positive, finite number.

import Foundation
import Testing
import TensorCore

struct FMAPeakTests {
    @Test func oneRegisterPerChainOfTheWidestVectors() {
        #expect(FMAPeak.lanes == (SystemInfo.compiledForAVX512 ? 16 : 8))
        #expect(FMAPeak.flopsPerIteration == FMAPeak.chains * FMAPeak.lanes * 2)
    }

    @Test func runSumsEveryChainOfEveryThread() {
        // No iterations: thread t's chain c starts at start + t + c, on every lane.
        // Three threads from 0: lanes · Σ_t Σ_c (t + c) = lanes · (12 · (0+1+2) + 3 · 66).
        let lanes = Float(FMAPeak.lanes)
        #expect(FMAPeak.run(iterations: 0, threads: 3) == lanes * (12 * 3 + 3 * 66))
        // After k steps x_k = L + (x_0 − L) · m^k with L = a / (1 − m).
        let m = Double(Float(0.999_999)), a = Double(Float(0.000_000_1)), k = 500.0, limit = a / (1 - m)
        var expected = 0.0
        for t in 0..<2 {
            for c in 0..<12 {
                let start = Double(t + c) + 0.5
                expected += Double(lanes) * (limit + (start - limit) * pow(m, k))
            }
        }
        let actual = Double(FMAPeak.run(iterations: 500, threads: 2, start: 0.5))
        #expect(abs(actual - expected) / expected < 1e-4, "\(actual) vs \(expected)")
    }

    @Test func measuredRateIsPositiveAndFinite() {
        let rate = FMAPeak.measure(threads: 1, repeats: 1, minimumSample: 0.01)
        #expect(rate.isFinite && rate > 0)
    }
}
