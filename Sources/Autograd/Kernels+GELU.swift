// GELU and its derivative, sixteen lanes at a time, around the normal CDF Φ: scalar erf, one element
// per call, made GELU a large share of a transformer's training step.

import _Support
import TensorCore

extension Kernels {
    /// Returns GELU(h) = h Φ(h) and overwrites h with GELU'(h) = Φ(h) + h φ(h), in one pass.
    static func geluInPlace(_ h: inout Tensor) -> Tensor {
        let shape = h.shape
        return h.withUnsafeMutableBufferPointer { h in
            makeOverwriting([h.count]) { y, count in
                forEachBlock(count) { i, lanes in
                    let hv = loadSIMD16(h.baseAddress! + i, lanes: lanes), phi = normalCDF(hv)
                    let pdf = VectorMath.exp(-0.5 * hv * hv) * 0.398_942_280_401_432_7
                    storeSIMD16(hv * phi, y + i, lanes: lanes)
                    storeSIMD16(phi + hv * pdf, h.baseAddress! + i, lanes: lanes)
                }
            }
        }.reshapedUnchecked(shape)
    }

    /// x Φ(x) and Φ(x) for every element, in one pass.
    static func gelu(_ x: Tensor) -> (y: Tensor, cdf: Tensor) {
        var cdf = Tensor.zeros([0])
        let y = x.withUnsafeBufferPointer { x in
            makeOverwriting([x.count]) { y, count in
                cdf = makeOverwriting([count]) { cdf, _ in
                    forEachBlock(count) { i, lanes in
                        let xv = loadSIMD16(x.baseAddress! + i, lanes: lanes), phi = normalCDF(xv)
                        storeSIMD16(phi, cdf + i, lanes: lanes)
                        storeSIMD16(xv * phi, y + i, lanes: lanes)
                    }
                }
            }
        }
        return (y.reshapedUnchecked(x.shape), cdf.reshapedUnchecked(x.shape))
    }

    /// Φ(x) for sixteen elements (`VectorMath.normalCDF`, Numerical Recipes' erfc).
    ///
    /// NOTE: `@_transparent`, not `@inline(__always)`: with the latter it stayed a call here, with
    /// the sixteen lanes passed in xmm pieces around a `vzeroupper` (GELU took 2.2 ms of a
    /// `bench training` step that way, 1.5 ms inlined).
    @_transparent
    static func normalCDF(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.normalCDF(x) }

    /// g · (Φ(x) + x φ(x)), φ(x) = e^(−x²/2)/√(2π): the GELU backward, given Φ(x) from the forward.
    static func geluBackward(_ g: Tensor, _ x: Tensor, _ cdf: Tensor) -> Tensor {
        g.withUnsafeBufferPointer { g in
            x.withUnsafeBufferPointer { x in
                cdf.withUnsafeBufferPointer { cdf in
                    makeOverwriting([g.count]) { out, count in
                        forEachBlock(count) { i, lanes in
                            let xv = loadSIMD16(x.baseAddress! + i, lanes: lanes)
                            let pdf = VectorMath.exp(-0.5 * xv * xv) * 0.398_942_280_401_432_7
                            let phi = loadSIMD16(cdf.baseAddress! + i, lanes: lanes)
                            let d = loadSIMD16(g.baseAddress! + i, lanes: lanes) * (phi + xv * pdf)
                            storeSIMD16(d, out + i, lanes: lanes)
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

extension Tensor {
    /// `reshaped` for a shape known to hold the same count.
    func reshapedUnchecked(_ shape: [Int]) -> Tensor { try! reshaped(shape) }
}
