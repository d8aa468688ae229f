// One row of a register tile, 32 floats in two SIMD16 registers (or 16 in two SIMD8): the
// accumulator of the portable GEMM's micro-kernels and of the flash kernels' tile product.

// NOTE: in _Support, like the load and store helpers, so that `@_transparent` inlines it into both
// kernels in debug builds too (from another file of the same module it would stay a call).

/// 32 accumulators C[i, j..<j+32] of one row of a tile.
@frozen
public struct TileRow {
    public var low: SIMD16<Float>, high: SIMD16<Float>

    @_transparent
    public init() {
        low = SIMD16<Float>()
        high = SIMD16<Float>()
    }

    /// row += x · y for one step of K: x broadcast to 16 lanes, y = 32 numbers in two halves.
    @_transparent
    public mutating func add(_ x: Float, times y0: SIMD16<Float>, _ y1: SIMD16<Float>) {
        let x = SIMD16<Float>(repeating: x)
        low = low.addingProduct(x, y0)     // one FMA instruction: low + x·y0, rounded once
        high = high.addingProduct(x, y1)
    }

    /// The left half only, low += x · y0: the same FMA as `add(_:times:_:)` gives it.
    @_transparent
    public mutating func add(_ x: Float, times y0: SIMD16<Float>) {
        low = low.addingProduct(SIMD16<Float>(repeating: x), y0)
    }

    /// The row times `factor`.
    @_transparent
    public func scaled(by factor: Float) -> TileRow {
        var row = self
        row.low *= factor
        row.high *= factor
        return row
    }

    /// C[0..<32] = row.
    @_transparent
    public func store(to c: UnsafeMutablePointer<Float>) {
        storeSIMD16(low, c)
        storeSIMD16(high, c + 16)
    }

    /// C[0..<32] = C ∘ α + row, α = (a0, a1) one factor per column (all ones to accumulate).
    @_transparent
    public func store(to c: UnsafeMutablePointer<Float>, adding a0: SIMD16<Float>, _ a1: SIMD16<Float>) {
        storeSIMD16(low.addingProduct(a0, loadSIMD16(c)), c)
        storeSIMD16(high.addingProduct(a1, loadSIMD16(c + 16)), c + 16)
    }
}

/// 16 accumulators C[i, j..<j+16] of one row of a tile, in two SIMD8 registers: the row of the
/// portable GEMM's micro-kernel on processors without AVX-512, whose 16 ymm registers hold 8
/// floats each (a `TileRow` would take four of them).
@frozen
public struct NarrowTileRow {
    public var low: SIMD8<Float>, high: SIMD8<Float>

    @_transparent
    public init() {
        low = SIMD8<Float>()
        high = SIMD8<Float>()
    }

    /// row += x · y for one step of K: x broadcast to 8 lanes, y = 16 numbers in two halves.
    @_transparent
    public mutating func add(_ x: Float, times y0: SIMD8<Float>, _ y1: SIMD8<Float>) {
        let x = SIMD8<Float>(repeating: x)
        low = low.addingProduct(x, y0)
        high = high.addingProduct(x, y1)
    }

    /// The left half only, low += x · y0: the same FMA as `add(_:times:_:)` gives it.
    @_transparent
    public mutating func add(_ x: Float, times y0: SIMD8<Float>) {
        low = low.addingProduct(SIMD8<Float>(repeating: x), y0)
    }

    /// The row times `factor`.
    @_transparent
    public func scaled(by factor: Float) -> NarrowTileRow {
        var row = self
        row.low *= factor
        row.high *= factor
        return row
    }

    /// C[0..<16] = row.
    @_transparent
    public func store(to c: UnsafeMutablePointer<Float>) {
        storeSIMD8(low, c)
        storeSIMD8(high, c + 8)
    }
}
