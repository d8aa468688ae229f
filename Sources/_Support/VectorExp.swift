// eˣ on sixteen lanes, the exp that softmax spends its time in (documented at `VectorMath.exp`).

// NOTE: it lives here, in its own module, for the reason `SIMDMemory.swift` gives: a debug build
// compiles a module file by file, so the flash kernels would call it once per sixteen scores
// from another file of TensorCore; from another module, `@_transparent` is always inlined.

/// eˣ for 16 lanes at once; see `VectorMath.exp`.
@_transparent
public func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let log2e: Float = 1.442_695_040_888_963_4
    // NOTE: adding 1.5·2²³ rounds to an integer and leaves n in the low mantissa bits of t.
    let roundingMagic: Float = 12_582_912
    let high = SIMD16<Float>(repeating: 88.376)   // < 127.5·ln 2, so that n ≤ 127
    let low = SIMD16<Float>(repeating: -87.3)
    var clamped = x.replacing(with: high, where: x .> high)
    clamped = clamped.replacing(with: low, where: clamped .< low)

    let t = SIMD16<Float>(repeating: roundingMagic).addingProduct(clamped, SIMD16(repeating: log2e))
    let n = t - roundingMagic
    // Cody–Waite: ln 2 split in a high part with few bits (n·ln2High is exact) and the rest.
    var r = clamped.addingProduct(n, SIMD16<Float>(repeating: -0.693_145_751_953_125))
    r = r.addingProduct(n, SIMD16<Float>(repeating: -1.428_606_820_309_417_232_12e-6))

    // Horner with fused multiply-adds: p ← c + p·r, from the r⁷ coefficient down.
    var p = SIMD16<Float>(repeating: 1.0 / 5040)
    p = SIMD16(repeating: 1.0 / 720).addingProduct(p, r)
    p = SIMD16(repeating: 1.0 / 120).addingProduct(p, r)
    p = SIMD16(repeating: 1.0 / 24).addingProduct(p, r)
    p = SIMD16(repeating: 1.0 / 6).addingProduct(p, r)
    p = SIMD16(repeating: 0.5).addingProduct(p, r)
    p = SIMD16(repeating: 1).addingProduct(p, r)
    p = SIMD16(repeating: 1).addingProduct(p, r)

    // 2ⁿ: exponent field = n + 127; `&* 2²³` places it (compiles to a vector shift).
    let bitsOfT = unsafeBitCast(t, to: SIMD16<Int32>.self)
    let exponent = (bitsOfT &- 0x4B40_0000 &+ 127) &* 8_388_608
    var result = p * unsafeBitCast(exponent, to: SIMD16<Float>.self)
    result = result.replacing(with: 0, where: x .< low)
    return result.replacing(with: .infinity, where: x .> high)   // NaN stays NaN throughout
}
