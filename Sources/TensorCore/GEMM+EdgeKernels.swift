// The micro-kernels of the tiles on the edges of C, where M or N is not a multiple of the register
// tile: they compute only the rows and columns there are, not the whole MR × NR tile.
//
// A product with few rows is common in the lessons: a recurrent step multiplies a batch of 32
// states (M = 32: two 14-row tiles and one of 4 real rows), a weight gradient has M = 64 (four
// tiles and one of 8), logits have N = 140 (four 32-column tiles and one of 12). Computing the
// whole tile there did up to 3.5 times the work of its real rows.
//
// Every number of an edge tile gets the FMAs `microKernel` would give it, in the same order, so
// an element has the same bits whether it falls in a full tile or an edge tile (whose position
// depends on how C is cut among threads).

import _Support

extension GEMMMicroKernel {
    /// Picks the smallest kernel that covers the edge tile: `edgeRows.small` or `.medium` rows, or
    /// all MR; both vectors of columns, or one when `columns` ≤ W. It stores the tile's first `rows`
    /// rows, NR (or W) columns each, with `microKernel`'s store: C = alpha · Ã · B̃ + beta · C, or + bias.
    static func edgeKernel(
        kc: Int, rows: Int, columns: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?
    ) {
        let store = EdgeStore(rows: rows, c: c, ldc: ldc, alpha: alpha, beta: beta, bias: bias)
        switch (rows, columns > width) {
        case (...edgeRows.small, true): edgeSmallWide(kc: kc, a: a, b: b, store)
        case (...edgeRows.medium, true): edgeMediumWide(kc: kc, a: a, b: b, store)
        case (_, true): edgeFullWide(kc: kc, a: a, b: b, store)
        case (...edgeRows.small, false): edgeSmallNarrow(kc: kc, a: a, b: b, store)
        case (...edgeRows.medium, false): edgeMediumNarrow(kc: kc, a: a, b: b, store)
        case (_, false): edgeFullNarrow(kc: kc, a: a, b: b, store)
        }
    }

    // One function per shape, each calling `edgeProduct` with constants, so that each compiles to
    // its own loop with only the accumulators it needs.
    @inline(never)
    static func edgeSmallWide(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore) {
        edgeProduct(rows: edgeRows.small, wide: true, kc: kc, a: a, b: b, store)
    }
    @inline(never)
    static func edgeMediumWide(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore) {
        edgeProduct(rows: edgeRows.medium, wide: true, kc: kc, a: a, b: b, store)
    }
    @inline(never)
    static func edgeFullWide(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore) {
        edgeProduct(rows: mr, wide: true, kc: kc, a: a, b: b, store)
    }
    @inline(never)
    static func edgeSmallNarrow(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore) {
        edgeProduct(rows: edgeRows.small, wide: false, kc: kc, a: a, b: b, store)
    }
    @inline(never)
    static func edgeMediumNarrow(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore) {
        edgeProduct(rows: edgeRows.medium, wide: false, kc: kc, a: a, b: b, store)
    }
    @inline(never)
    static func edgeFullNarrow(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore) {
        edgeProduct(rows: mr, wide: false, kc: kc, a: a, b: b, store)
    }
}

/// Where and how an edge kernel stores its rows: the arguments of `microKernel`'s store, and how
/// many rows C has there (the kernels compute 4 or 8, of which C may have fewer).
struct EdgeStore {
    let rows: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, bias: UnsafePointer<Float>?
}

extension Tile14x32 {
    static var edgeRows: (small: Int, medium: Int) { (4, 8) }

    /// The first `rows` rows of the tile, both vectors or (`wide` false) the left 16 columns only.
    /// Called with constants: the rows past `rows` and the unused half fold away, leaving
    /// `rows` (× 2 when wide) accumulators in registers.
    @inline(__always)
    static func edgeProduct(
        rows: Int, wide: Bool, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore
    ) {
        var c0 = TileRow(), c1 = TileRow(), c2 = TileRow(), c3 = TileRow(), c4 = TileRow()
        var c5 = TileRow(), c6 = TileRow(), c7 = TileRow(), c8 = TileRow(), c9 = TileRow()
        var c10 = TileRow(), c11 = TileRow(), c12 = TileRow(), c13 = TileRow()
        var a = a, b = b
        for _ in 0..<kc {
            let b0 = loadSIMD16(b), b1 = wide ? loadSIMD16(b + 16) : SIMD16<Float>()
            @inline(__always) func step(_ row: inout TileRow, _ i: Int) {
                guard i < rows else { return }
                if wide { row.add(a[i], times: b0, b1) } else { row.add(a[i], times: b0) }
            }
            step(&c0, 0); step(&c1, 1); step(&c2, 2); step(&c3, 3); step(&c4, 4); step(&c5, 5); step(&c6, 6)
            step(&c7, 7); step(&c8, 8); step(&c9, 9); step(&c10, 10); step(&c11, 11); step(&c12, 12); step(&c13, 13)
            a += aStride
            b += nr
        }
        @inline(__always) func put(_ row: TileRow, _ i: Int) {
            guard i < rows && i < store.rows else { return }
            Self.store(row, to: store.c + i * store.ldc, store.alpha, store.beta, store.bias, wide: wide)
        }
        put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5); put(c6, 6)
        put(c7, 7); put(c8, 8); put(c9, 9); put(c10, 10); put(c11, 11); put(c12, 12); put(c13, 13)
    }
}

extension Tile6x16 {
    static var edgeRows: (small: Int, medium: Int) { (2, 4) }

    /// `Tile14x32.edgeProduct` for this tile: the first `rows` rows, 16 columns or (`wide`
    /// false) 8.
    @inline(__always)
    static func edgeProduct(
        rows: Int, wide: Bool, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, _ store: EdgeStore
    ) {
        var c0 = NarrowTileRow(), c1 = NarrowTileRow(), c2 = NarrowTileRow()
        var c3 = NarrowTileRow(), c4 = NarrowTileRow(), c5 = NarrowTileRow()
        var a = a, b = b
        for _ in 0..<kc {
            let b0 = loadSIMD8(b), b1 = wide ? loadSIMD8(b + 8) : SIMD8<Float>()
            @inline(__always) func step(_ row: inout NarrowTileRow, _ i: Int) {
                guard i < rows else { return }
                if wide { row.add(a[i], times: b0, b1) } else { row.add(a[i], times: b0) }
            }
            step(&c0, 0); step(&c1, 1); step(&c2, 2); step(&c3, 3); step(&c4, 4); step(&c5, 5)
            a += aStride
            b += nr
        }
        @inline(__always) func put(_ row: NarrowTileRow, _ i: Int) {
            guard i < rows && i < store.rows else { return }
            Self.store(row, to: store.c + i * store.ldc, store.alpha, store.beta, store.bias, wide: wide)
        }
        put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5)
    }
}
