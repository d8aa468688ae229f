// Tests of SeededGenerator (Random.swift): its raw outputs against an independent Python
// implementation of SplitMix64 and xoshiro256** written from their published definitions
// (References/derive_references.py, which first reproduces the published test vectors), and the
// distributions built on it, with tolerances from their standard errors.

import Foundation
import Testing
import TensorCore
import TestSupport

@Suite struct RandomTests {
    // MARK: - The raw sequence

    @Test(arguments: [
        (0, [11091344671253066420, 13793997310169335082, 1900383378846508768,
             7684712102626143532, 13521403990117723737, 18442103541295991498]),
        (1, [12966619160104079557, 9600361134598540522, 10590380919521690900,
             7218738570589545383, 12860671823995680371, 2648436617965840162]),
        (42, [1546998764402558742, 6990951692964543102, 12544586762248559009,
              17057574109182124193, 18295552978065317476, 14199186830065750584]),
    ] as [(UInt64, [UInt64])])
    func firstOutputsMatchTheReferenceImplementation(seed: UInt64, expected: [UInt64]) {
        var rng = SeededGenerator(seed: seed)
        #expect((0..<6).map { _ in rng.next() } == expected)
    }

    @Test func uniformFloatsAreTheTopTwentyFourBits() {
        var rng = SeededGenerator(seed: 42)
        let values = (0..<4).map { _ in rng.nextUniform() }
        // k · 2⁻²⁴ exactly, from the reference implementation.
        #expect(values == [0.08386296033859253, 0.37898021936416626, 0.6800433993339539, 0.9246929287910461])
    }

    @Test func normalsFollowBoxMuller() {
        var rng = SeededGenerator(seed: 42)
        let values = (0..<4).map { _ in Double(rng.nextNormal()) }
        // Float64 Box–Muller in the reference, rounded once to Float here (½ ulp); libm's log and
        // cos may differ from Python's by an ulp of a double, which can flip that rounding: 1 ulp.
        expectClose(values, [-0.303263064678738, 1.3438117634372806, 0.3834617912676943, 0.9369624250258953],
                    rtol: 0x1p-23, atol: 0)
    }

    @Test func boundedIntegersMatchLemiresMethod() {
        var rng = SeededGenerator(seed: 7)
        #expect((0..<12).map { _ in rng.nextInt(below: 10) } == [7, 2, 8, 9, 9, 8, 0, 1, 4, 1, 5, 7])
        // A bound of 3·2⁶¹: a quarter of all draws fall below the rejection threshold.
        var rng2 = SeededGenerator(seed: 7)
        #expect((0..<4).map { _ in rng2.nextInt(below: 3 << 61) }
                == [4846258151560678497, 1928269721375543502, 5808147339934739864, 6037439055838090395])
    }

    @Test func sameSeedSameNumbersDifferentSeedDifferentNumbers() {
        var a = SeededGenerator(seed: 123), b = SeededGenerator(seed: 123), c = SeededGenerator(seed: 124)
        #expect(Tensor.randomNormal([8, 16], std: 0.02, using: &a) == Tensor.randomNormal([8, 16], std: 0.02, using: &b))
        #expect(Tensor.randomUniform([50], low: -1, high: 1, using: &a) == Tensor.randomUniform([50], low: -1, high: 1, using: &b))
        var a2 = SeededGenerator(seed: 123)
        #expect(Tensor.randomNormal([8, 16], using: &a2) != Tensor.randomNormal([8, 16], using: &c))
    }

    @Test func randomTensorsDrawInRowMajorOrder() {
        var rng = SeededGenerator(seed: 9), copy = SeededGenerator(seed: 9)
        let x = Tensor.randomUniform([3, 4], low: 2, high: 6, using: &rng)
        let expected = (0..<12).map { _ in 2 + 4 * copy.nextUniform() }
        #expect(x.scalars == expected)
        let y = Tensor.randomNormal([5], mean: 1, std: 0.5, using: &rng)
        #expect(y.scalars == (0..<5).map { _ in 1 + 0.5 * copy.nextNormal() })
    }

    // MARK: - Distributions

    static let sampleCount = 100_000

    /// U[0, 1): mean ½ and variance 1/12. Standard errors over n = 10⁵ samples: the mean's is
    /// √(1/12n) = 9.1e−4, the variance's √((1/80 − 1/144)/n) = 2.4e−4. We allow 5 of them.
    @Test func uniformRangeMeanAndVariance() {
        var rng = SeededGenerator(seed: 2024)
        let n = Self.sampleCount
        var sum = 0.0, sumOfSquares = 0.0, low: Float = 1, high: Float = 0
        for _ in 0..<n {
            let u = rng.nextUniform()
            low = min(low, u)
            high = max(high, u)
            sum += Double(u)
            sumOfSquares += Double(u) * Double(u)
        }
        let mean = sum / Double(n), variance = sumOfSquares / Double(n) - mean * mean
        #expect(low >= 0 && high < 1)
        #expect(low < 1e-3 && high > 1 - 1e-3, "the samples should reach both ends")
        #expect(abs(mean - 0.5) < 5 * 9.1e-4, "mean \(mean)")
        #expect(abs(variance - 1.0 / 12) < 5 * 2.4e-4, "variance \(variance)")
        // The largest value nextUniform can return is (2²⁴ − 1)/2²⁴, which is below 1.
        #expect(Float((1 << 24) - 1) * 0x1p-24 < 1)
    }

    /// N(0, 1): the sample mean has standard error 1/√n = 3.2e−3 and the sample standard deviation
    /// 1/√(2n) = 2.2e−3 (n = 10⁵); P(|z| < 1) = 0.6827 with standard error √(p(1−p)/n) = 1.5e−3.
    /// We allow 5 standard errors; the seed is fixed, so the test is deterministic.
    @Test func normalMeanStandardDeviationAndShape() {
        var rng = SeededGenerator(seed: 2025)
        let n = Self.sampleCount
        var sum = 0.0, sumOfSquares = 0.0, withinOne = 0, nonFinite = 0
        for _ in 0..<n {
            let z = Double(rng.nextNormal())
            if !z.isFinite { nonFinite += 1 }
            sum += z
            sumOfSquares += z * z
            if abs(z) < 1 { withinOne += 1 }
        }
        let mean = sum / Double(n)
        let std = (sumOfSquares / Double(n) - mean * mean).squareRoot()
        #expect(nonFinite == 0)
        #expect(abs(mean) < 5 * 3.2e-3, "mean \(mean)")
        #expect(abs(std - 1) < 5 * 2.2e-3, "std \(std)")
        #expect(abs(Double(withinOne) / Double(n) - 0.682_689_5) < 5 * 1.5e-3)
    }

    @Test func randomNormalAppliesMeanAndStd() {
        var rng = SeededGenerator(seed: 77)
        let x = Tensor.randomNormal([Self.sampleCount], mean: 3, std: 0.02, using: &rng)
        let mean = Double(x.mean())
        let std = (x.scalars.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(x.count)).squareRoot()
        #expect(abs(mean - 3) < 5 * 0.02 / Double(x.count).squareRoot())
        #expect(abs(std - 0.02) < 5 * 0.02 / Double(2 * x.count).squareRoot())
    }

    // MARK: - Bounded integers

    @Test(arguments: [1, 2, 7, 10, 1000])
    func nextIntStaysBelowTheBoundAndReachesEveryValue(bound: Int) {
        var rng = SeededGenerator(seed: UInt64(bound))
        var seen = Set<Int>(), outOfRange = 0
        for _ in 0..<max(200, 20 * bound) {
            let value = rng.nextInt(below: bound)
            if value < 0 || value >= bound { outOfRange += 1 }
            seen.insert(value)
        }
        #expect(outOfRange == 0)
        #expect(seen.count == bound, "\(seen.count) of \(bound) values seen")
    }

    @Test func nextIntWithAHugeBound() {
        var rng = SeededGenerator(seed: 1)
        let values = (0..<1000).map { _ in rng.nextInt(below: .max) }
        #expect(values.allSatisfy { $0 >= 0 && $0 < .max })
        // Uniform over [0, Int.max): the top bit of the 63 is set about half the time.
        let high = values.filter { $0 >= 1 << 62 }.count
        #expect(abs(high - 500) < 5 * 16, "\(high) of 1000 in the upper half")
    }
}
