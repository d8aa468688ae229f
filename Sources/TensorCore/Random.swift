// Seeded random numbers of our own, so that a seed gives the same numbers on every platform.

import Foundation
import _Support

/// A small, fast, seeded random number generator: xoshiro256** (Blackman & Vigna, 2018),
/// seeded through SplitMix64 so that any 64-bit seed, including 0, gives a good state.
///
/// The same seed produces the same sequence on every machine and every Swift version — unlike
/// `SystemRandomNumberGenerator`, and unlike `Int.random(in:using:)` whose algorithm the standard
/// library may change. Use the methods below, which are ours, for numbers that end up in files.
///
///     var rng = SeededGenerator(seed: 42)
///     let w = Tensor.randomNormal([64, 64], std: 0.02, using: &rng)
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1): the top 24 bits of `next()`, scaled by 2⁻²⁴.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform Double in [0, 1): the top 53 bits of `next()`, scaled by 2⁻⁵³.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal sample, N(0, 1), by the Box–Muller transform in Float64:
    /// z = √(−2 ln u₁) · cos(2π u₂), with u₁ ∈ (0, 1].
    public mutating func nextNormal() -> Float {
        let u1 = 1 - nextUniformDouble()   // (0, 1]: the logarithm stays finite
        let u2 = nextUniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A uniform integer in `0..<upperBound` (Lemire's multiply-shift, no modulo bias).
    public mutating func nextInt(below upperBound: Int) -> Int {
        ensure(upperBound > 0, "upper bound must be positive")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

// MARK: - Random tensors

extension Tensor {
    /// A tensor of samples from N(mean, std²), drawn in row-major order from `generator`.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, std: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        Tensor(shape: shape) { _ in mean + std * generator.nextNormal() }
    }

    /// A tensor of samples from U[low, high), drawn in row-major order from `generator`.
    public static func randomUniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        Tensor(shape: shape) { _ in low + (high - low) * generator.nextUniform() }
    }
}
