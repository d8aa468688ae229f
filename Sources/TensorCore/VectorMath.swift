// Vectorised elementary functions: the exp that softmax spends its time in.
//
// Scalar `expf`, one element per call, would dominate a softmax; the SIMD polynomial below
// computes 16 at once, to within 2 ulp of the true value (`bench attention` shows what it buys).

import _Support

/// Vectorised elementary functions on SIMD16<Float> and on buffers.
public enum VectorMath {
    /// eˣ for 16 lanes at once.
    ///
    /// Range reduction: x = n·ln 2 + r with n = round(x / ln 2) and |r| ≤ ln 2 / 2, so that
    /// eˣ = 2ⁿ · eʳ. Then eʳ is a degree-7 Taylor polynomial in Horner form (its truncation error,
    /// r⁸/8! ≤ 5·10⁻⁹, is below Float's precision), and 2ⁿ is built directly in the exponent bits.
    ///
    /// - Lanes below −87.3 give exactly 0 (so a masked score, −∞, gives probability 0),
    ///   lanes above 88.376 give +∞, NaN gives NaN.
    /// - NOTE: Float's own exp overflows only above 88.72; we give up the last 0.35 (values from
    ///   2.4·10³⁸ to 3.4·10³⁸) because there n = 128 and 2¹²⁸ is not a Float. Splitting 2ⁿ into
    ///   two factors would cover them at about a quarter more time per element.
    @_transparent
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        exp16(x)
    }

    /// tanh x for 16 lanes at once, to within 2 ulp of the true value.
    ///
    /// With a = |x| and the sign put back at the end:
    /// - a < 0.625: the odd Taylor series a + a³·P(a²) through a¹⁹ (the first term left out,
    ///   1.1·10⁻⁸ relative at a = 0.625, is below Float's precision). A series near 0 keeps the
    ///   relative accuracy that 1 − 2/(e²ᵃ + 1) would lose to cancellation.
    /// - a ≥ 0.625: tanh a = 1 − 2 / (e²ᵃ + 1) with `exp` above; e²ᵃ = +∞ for a > 44.2 gives
    ///   exactly 1.
    /// NaN gives NaN.
    @_transparent
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let signMask = SIMD16<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let a = unsafeBitCast(bits & ~signMask, to: SIMD16<Float>.self)
        let e = exp(a + a)
        let large = 1 - 2 / (e + 1)
        let s = a * a
        // Taylor coefficients of tanh: −1/3, 2/15, −17/315, 62/2835, −1382/155925, 21844/6081075,
        // −929569/638512875, 6404582/10854718875, −443861162/1856156927625 (Horner in s = a², from a¹⁹ down).
        var p = SIMD16<Float>(repeating: -2.391_291_142_435_524_8e-4)
        p = SIMD16(repeating: 5.900_274_409_455_86e-4).addingProduct(p, s)
        p = SIMD16(repeating: -1.455_834_387_051_318_3e-3).addingProduct(p, s)
        p = SIMD16(repeating: 3.592_128_036_572_481e-3).addingProduct(p, s)
        p = SIMD16(repeating: -8.863_235_529_902_197e-3).addingProduct(p, s)
        p = SIMD16(repeating: 2.186_948_853_615_520_3e-2).addingProduct(p, s)
        p = SIMD16(repeating: -17.0 / 315).addingProduct(p, s)
        p = SIMD16(repeating: 2.0 / 15).addingProduct(p, s)
        p = SIMD16(repeating: -1.0 / 3).addingProduct(p, s)
        let small = a.addingProduct(a * s, p)
        let magnitude = large.replacing(with: small, where: a .< 0.625)
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | (bits & signMask), to: SIMD16<Float>.self)
    }

    /// σ(x) = 1 / (1 + e⁻ˣ) for 16 lanes at once, with `exp` above (within 4 ulp): e⁻ˣ = +∞
    /// for x < −88.4 gives exactly 0, and e⁻ˣ = 0 for x > 87.3 gives exactly 1.
    @_transparent
    public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        1 / (1 + exp(-x))
    }

    /// Φ(x) = ½ erfc(−x/√2), the standard normal CDF, for 16 lanes at once.
    ///
    /// erfc by the Chebyshev-fitted formula of Numerical Recipes (§6.2, `erfcc`), whose relative
    /// error is below 1.2·10⁻⁷ for every z ≥ 0:
    ///
    ///     t = 1 / (1 + z/2),   erfc(z) ≈ t · exp(−z² + P(t))          (P of degree 9)
    ///
    /// and erfc(−z) = 2 − erfc(z). Computing erfc (not 1 − erf) keeps Φ accurate far in the
    /// negative tail, where GELU's output is a tiny multiple of x.
    @_transparent
    public static func normalCDF(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let z = (x * -0.707_106_781_186_547_5)                          // −x/√2
        let a = z.replacing(with: -z, where: z .< 0)                    // |z|
        let t = 1 / (1 + 0.5 * a)
        // Horner's rule, written out (a loop over an array literal was not unrolled).
        var p = SIMD16<Float>(repeating: 0.170_872_77)
        p = SIMD16(repeating: -0.822_152_23).addingProduct(p, t)
        p = SIMD16(repeating: 1.488_515_87).addingProduct(p, t)
        p = SIMD16(repeating: -1.135_203_98).addingProduct(p, t)
        p = SIMD16(repeating: 0.278_868_07).addingProduct(p, t)
        p = SIMD16(repeating: -0.186_288_06).addingProduct(p, t)
        p = SIMD16(repeating: 0.096_784_18).addingProduct(p, t)
        p = SIMD16(repeating: 0.374_091_96).addingProduct(p, t)
        p = SIMD16(repeating: 1.000_023_68).addingProduct(p, t)
        p = SIMD16(repeating: -1.265_512_23).addingProduct(p, t)
        let erfcAbs = t * exp(p - a * a)                                // erfc(|z|)
        let erfc = erfcAbs.replacing(with: 2 - erfcAbs, where: z .< 0)  // erfc(z)
        return 0.5 * erfc
    }

    // NOTE: the buffer versions below repeat one loop on purpose. Written once as a helper taking
    // the vector function as a closure, the compiler merged the four into one function that makes
    // an indirect call per sixteen floats (`call *%r8` in the disassembly).

    /// dst[i] = GELU(src[i]) = src[i] · Φ(src[i]) for `count` elements; `src` and `dst` may be
    /// the same buffer.
    @inlinable
    public static func gelu(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let x = loadSIMD16(src + i)
            storeSIMD16(x * normalCDF(x), dst + i)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for lane in 0..<(count - i) { tail[lane] = src[i + lane] }
            let result = tail * normalCDF(tail)
            for lane in 0..<(count - i) { dst[i + lane] = result[lane] }
        }
    }

    /// dst[i] = tanh(src[i]) for `count` elements; `src` and `dst` may be the same buffer.
    @inlinable
    public static func tanh(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            storeSIMD16(tanh(loadSIMD16(src + i)), dst + i)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for lane in 0..<(count - i) { tail[lane] = src[i + lane] }
            let result = tanh(tail)
            for lane in 0..<(count - i) { dst[i + lane] = result[lane] }
        }
    }

    /// dst[i] = σ(src[i]) for `count` elements; `src` and `dst` may be the same buffer.
    @inlinable
    public static func sigmoid(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            storeSIMD16(sigmoid(loadSIMD16(src + i)), dst + i)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for lane in 0..<(count - i) { tail[lane] = src[i + lane] }
            let result = sigmoid(tail)
            for lane in 0..<(count - i) { dst[i + lane] = result[lane] }
        }
    }

    /// dst[i] = exp(src[i]) for `count` elements; `src` and `dst` may be the same buffer.
    @inlinable
    public static func exp(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            storeSIMD16(exp(loadSIMD16(src + i)), dst + i)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for lane in 0..<(count - i) { tail[lane] = src[i + lane] }
            let result = exp(tail)
            for lane in 0..<(count - i) { dst[i + lane] = result[lane] }
        }
    }

    /// The largest element of `count` floats (−∞ for none).
    @inlinable
    public static func max(_ src: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = loadSIMD16(src + i)
            best = best.replacing(with: v, where: v .> best)
            i += 16
        }
        var result = best.max()
        while i < count {
            result = Swift.max(result, src[i])
            i += 1
        }
        return result
    }

    /// dst[i] = exp(src[i] − shift), returning Σ dst[i] — the inner step of a stable softmax.
    @inlinable
    public static func expShiftedSum(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, shift: Float
    ) -> Float {
        var sum = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= count {
            let e = exp(loadSIMD16(src + i) - shift)
            storeSIMD16(e, dst + i)
            sum += e
            i += 16
        }
        var total = sum.sum()
        if i < count {
            var tail = SIMD16<Float>(repeating: -.infinity)
            for lane in 0..<(count - i) { tail[lane] = src[i + lane] - shift }
            let e = exp(tail)
            for lane in 0..<(count - i) { dst[i + lane] = e[lane] }
            total += e.sum()
        }
        return total
    }

    /// x[i] ← x[i] · factor for `count` elements.
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        while i + 16 <= count {
            storeSIMD16(loadSIMD16(x + i) * factor, x + i)
            i += 16
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }

    /// Σ a[i]·b[i] over `count` elements, in 16 lanes (the order of the sum differs from a loop's).
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= count {
            sum = sum.addingProduct(loadSIMD16(a + i), loadSIMD16(b + i))
            i += 16
        }
        var total = sum.sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }
}
