// Sixteen (or eight) floats at a time from and to unaligned memory, for the kernels of every module.

// NOTE: these live in their own module on purpose. Debug builds compile a module file by file,
// and a helper from another file of the same module stays a call there (one per sixteen floats),
// even when marked `@_transparent`; from another module, `@_transparent` is always inlined.

/// The sixteen floats at `pointer` (no alignment needed).
@_transparent
public func loadSIMD16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

/// Writes `value` to the sixteen floats at `pointer` (no alignment needed).
@_transparent
public func storeSIMD16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

/// The first `lanes` (≤ 16) floats at `pointer`, the other lanes zero: a row's tail.
@_transparent
public func loadSIMD16(_ pointer: UnsafePointer<Float>, lanes: Int) -> SIMD16<Float> {
    if lanes == 16 { return UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self) }
    var value = SIMD16<Float>(repeating: 0)
    for lane in 0..<lanes { value[lane] = pointer[lane] }
    return value
}

/// Writes the first `lanes` (≤ 16) lanes of `value` to `pointer`.
@_transparent
public func storeSIMD16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, lanes: Int) {
    if lanes == 16 { return UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self) }
    for lane in 0..<lanes { pointer[lane] = value[lane] }
}

/// The eight floats at `pointer` (no alignment needed): one ymm register on AVX2.
@_transparent
public func loadSIMD8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

/// Writes `value` to the eight floats at `pointer` (no alignment needed).
@_transparent
public func storeSIMD8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
