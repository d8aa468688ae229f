// GELU and its derivative, sixteen lanes at a time, around the normal CDF Φ. Scalar erf costs ~10 ns an
// element and made GELU a quarter of a transformer's training step; this is ~1 ns.

import TensorCore

extension Kernels {
    /// Returns GELU(h) = h Φ(h) and overwrites h with GELU'(h) = Φ(h) + h φ(h), in one pass.
    static func geluInPlace(_ h: inout Tensor) -> Tensor {
        let shape = h.shape
        return h.withUnsafeMutableBufferPointer { h in
            make([h.count]) { y, count in
                forEachBlock(count) { i, lanes in
                    let hv = load(h.baseAddress! + i, lanes), phi = normalCDF(hv)
                    let pdf = VectorMath.exp(-0.5 * hv * hv) * 0.398_942_280_401_432_7
                    store(hv * phi, y + i, lanes)
                    store(phi + hv * pdf, h.baseAddress! + i, lanes)
                }
            }
        }.reshapedUnchecked(shape)
    }

    /// x Φ(x) and Φ(x) for every element, in one pass.
    static func gelu(_ x: Tensor) -> (y: Tensor, cdf: Tensor) {
        var cdf = Tensor.zeros([0])
        let y = x.withUnsafeBufferPointer { x in
            make([x.count]) { y, count in
                cdf = make([count]) { cdf, _ in
                    forEachBlock(count) { i, lanes in
                        let xv = load(x.baseAddress! + i, lanes), phi = normalCDF(xv)
                        store(phi, cdf + i, lanes)
                        store(xv * phi, y + i, lanes)
                    }
                }
            }
        }
        return (y.reshapedUnchecked(x.shape), cdf.reshapedUnchecked(x.shape))
    }

    /// Φ(x) for sixteen elements (`VectorMath.normalCDF`, Numerical Recipes' erfc).
    @inline(__always)
    static func normalCDF(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.normalCDF(x) }

    /// g · (Φ(x) + x φ(x)), φ(x) = e^(−x²/2)/√(2π): the GELU backward, given Φ(x) from the forward.
    static func geluBackward(_ g: Tensor, _ x: Tensor, _ cdf: Tensor) -> Tensor {
        g.withUnsafeBufferPointer { g in
            x.withUnsafeBufferPointer { x in
                cdf.withUnsafeBufferPointer { cdf in
                    make([g.count]) { out, count in
                        forEachBlock(count) { i, lanes in
                            let xv = load(x.baseAddress! + i, lanes)
                            let pdf = VectorMath.exp(-0.5 * xv * xv) * 0.398_942_280_401_432_7
                            let d = load(g.baseAddress! + i, lanes) * (load(cdf.baseAddress! + i, lanes) + xv * pdf)
                            store(d, out + i, lanes)
                        }
                    }
                }
            }
        }.reshapedUnchecked(x.shape)
    }

    /// Calls `body(start, lanes)` for blocks of 16 elements (the last may be shorter), in
    /// parallel chunks when there are many.
    @inline(__always)
    static func forEachBlock(_ count: Int, _ body: (Int, Int) -> Void) {
        let blocks = (count + 15) / 16
        Parallel.forEachRange(blocks, minimum: 4096) { range in
            for block in range { body(block * 16, Swift.min(16, count - block * 16)) }
        }
    }
}

extension Kernels {
    /// The `lanes` (≤ 16) floats at `p`, zero-padded.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>(repeating: 0)
        for lane in 0..<lanes { v[lane] = p[lane] }
        return v
    }

    /// Writes the first `lanes` (≤ 16) lanes of `v` to `p`.
    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
        for lane in 0..<lanes { p[lane] = v[lane] }
    }
}

extension Tensor {
    /// `reshaped` for a shape known to hold the same count.
    func reshapedUnchecked(_ shape: [Int]) -> Tensor { try! reshaped(shape) }
}
