// Differentiable row-wise normalisations over the last axis: layer norm, softmax, log-softmax.
// R = rows (all leading axes), d = the last axis.

import _Support
import Foundation
import TensorCore

// MARK: - Layer norm

extension Variable {
    /// Layer normalisation over the last axis, with the biased variance (as PyTorch):
    ///
    ///     x̂ = (x − μ) / √(σ² + ε)        y = x̂ ⊙ γ + β
    ///
    /// Backward, per row, with ĝ = g ⊙ γ:
    ///
    ///     ∂L/∂x = (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) / √(σ² + ε)
    ///     ∂L/∂γ = Σ_rows g ⊙ x̂          ∂L/∂β = Σ_rows g
    ///
    /// - Parameters:
    ///   - gamma: scale γ, [d], or `nil` for ones.
    ///   - beta: shift β, [d], or `nil` for zeros.
    /// - Returns: [..., d], like the input.
    /// - Throws: `TensorError.shapeMismatch` when γ or β is not [d].
    public func layerNorm(gamma: Variable? = nil, beta: Variable? = nil, epsilon: Float = 1e-5) throws -> Variable {
        let d = shape.last ?? 1
        for parameter in [gamma, beta] where parameter != nil && parameter!.shape != [d] {
            throw TensorError.shapeMismatch("layerNorm parameter has shape \(parameter!.shape); expected [\(d)]")
        }
        let (y, normalized, inverseStd) = Variable.layerNormRows(
            value, gamma: gamma?.value ?? Tensor.ones([d]), beta: beta?.value ?? Tensor.zeros([d]), epsilon: epsilon)
        let x = self
        return Variable.result(y, parents: [x] + [gamma, beta].compactMap { $0 }) { g in
            let grads = Variable.layerNormBackward(g, normalized: normalized, inverseStd: inverseStd,
                                                   gamma: gamma?.value ?? Tensor.ones([d]))
            if let gamma, gamma.requiresGrad { gamma.accumulate(grads.dGamma) }
            if let beta, beta.requiresGrad { beta.accumulate(grads.dBeta) }
            if x.requiresGrad { x.accumulate(grads.dx) }
        }
    }
}

extension Variable {
    /// Row by row: x̂ = (x − μ) / √(σ² + ε) and y = x̂ ⊙ γ + β, with 1/√(σ² + ε) per row.
    static func layerNormRows(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float)
        -> (y: Tensor, normalized: Tensor, inverseStd: Tensor) {
        let d = x.shape.last ?? 1
        let rows = d == 0 ? 0 : x.count / d
        var inverseStd = Tensor.zeros([rows])
        let normalized = Kernels.makeOverwriting(x.shape) { xHat, _ in
            x.withUnsafeBufferPointer { x in inverseStd.withUnsafeMutableBufferPointer { inverseStd in
                Kernels.forEachRowRange(rows, width: d) { range in
                    for r in range {
                        let source = x.baseAddress! + r * d, target = xHat + r * d
                        let mean = Kernels.sum(source, count: d) / Float(d)
                        for j in 0..<d { target[j] = source[j] - mean }
                        let scale = 1 / (VectorMath.dot(target, target, count: d) / Float(d) + epsilon).squareRoot()
                        inverseStd[r] = scale
                        for j in 0..<d { target[j] *= scale }
                    }
                }
            } }
        }
        let y = normalized.withUnsafeBufferPointer { xHat in
            gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
                Kernels.makeOverwriting(x.shape) { y, _ in
                    Kernels.forEachRowRange(rows, width: d) { range in
                        for r in range {
                            for j in 0..<d { y[r * d + j] = xHat[r * d + j] * g[j] + b[j] }
                        }
                    }
                }
            } }
        }
        return (y, normalized, inverseStd)
    }

    /// The layer norm's three gradients, with ĝ = g ⊙ γ:
    ///
    ///     ∂L/∂x = (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) / √(σ² + ε)
    ///     ∂L/∂γ = Σ_rows g ⊙ x̂          ∂L/∂β = Σ_rows g
    ///
    /// ∂L/∂x is a pass over rows, in parallel ranges. ∂L/∂γ and ∂L/∂β are a second pass over
    /// ranges of columns, in parallel, each summing its rows in row order: the order of a
    /// single-threaded pass, so the sums do not depend on the thread count or on timing.
    static func layerNormBackward(_ g: Tensor, normalized: Tensor, inverseStd: Tensor, gamma: Tensor)
        -> (dx: Tensor, dGamma: Tensor, dBeta: Tensor) {
        let d = g.shape.last ?? 1
        let rows = d == 0 ? 0 : g.count / d
        let (dx, sums) = g.withUnsafeBufferPointer { g in normalized.withUnsafeBufferPointer { xHat in
            let dx = gamma.withUnsafeBufferPointer { gamma in inverseStd.withUnsafeBufferPointer { inverseStd in
                Kernels.makeOverwriting([g.count]) { dx, _ in
                    Kernels.forEachRowRange(rows, width: d) { range in
                        for r in range {
                            let gRow = g.baseAddress! + r * d, xRow = xHat.baseAddress! + r * d, out = dx + r * d
                            var sumG = SIMD16<Float>(), sumGX = SIMD16<Float>()
                            var j = 0
                            while j < d {   // sixteen columns at a time; padding lanes load as 0
                                let lanes = Swift.min(16, d - j)
                                let gv = loadSIMD16(gRow + j, lanes: lanes), xv = loadSIMD16(xRow + j, lanes: lanes)
                                let gHat = gv * loadSIMD16(gamma.baseAddress! + j, lanes: lanes)
                                storeSIMD16(gHat, out + j, lanes: lanes)
                                sumG += gHat
                                sumGX += gHat * xv
                                j += 16
                            }
                            let meanG = sumG.sum() / Float(d), meanGX = sumGX.sum() / Float(d)
                            for j in 0..<d { out[j] = (out[j] - meanG - xRow[j] * meanGX) * inverseStd[r] }
                        }
                    }
                }
            } }
            let sums = Kernels.makeOverwriting([2, d]) { out, _ in                  // [(dγ, dβ), d]
                Kernels.forEachColumnRange(rows: rows, width: d) { columns in
                    let (c0, count) = (columns.lowerBound, columns.count)
                    let dGamma = out + c0, dBeta = out + d + c0
                    dGamma.update(repeating: 0, count: count)
                    dBeta.update(repeating: 0, count: count)
                    for r in 0..<rows {
                        let gRow = g.baseAddress! + r * d + c0, xRow = xHat.baseAddress! + r * d + c0
                        var j = 0
                        while j < count {
                            let lanes = Swift.min(16, count - j)
                            let gv = loadSIMD16(gRow + j, lanes: lanes)
                            storeSIMD16(loadSIMD16(dGamma + j, lanes: lanes) + gv * loadSIMD16(xRow + j, lanes: lanes),
                                        dGamma + j, lanes: lanes)
                            storeSIMD16(loadSIMD16(dBeta + j, lanes: lanes) + gv, dBeta + j, lanes: lanes)
                            j += 16
                        }
                    }
                }
            }
            return (dx, sums)
        } }
        return (dx.reshapedUnchecked(g.shape), try! sums.rows(0..<1).reshaped([d]), try! sums.rows(1..<2).reshaped([d]))
    }
}

// MARK: - Softmax and log-softmax

extension Variable {
    /// Softmax over the last axis: yᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x) (stable; a fully
    /// masked row of −∞ gives zeros).
    ///
    ///     ∂L/∂xᵢ = yᵢ (gᵢ − Σⱼ gⱼ yⱼ)
    public func softmax() -> Variable {
        let x = self, y = Profiler.measure(.elementwise) { value.softmax() }
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Variable.rowwise(g, y) { g, y, dx, d in
                var dot: Float = 0
                for j in 0..<d { dot += g[j] * y[j] }
                for j in 0..<d { dx[j] = y[j] * (g[j] - dot) }
            })
        }
    }

    /// Log-softmax over the last axis: yᵢ = xᵢ − max x − log Σⱼ exp(xⱼ − max x).
    ///
    ///     ∂L/∂xᵢ = gᵢ − softmax(x)ᵢ Σⱼ gⱼ,   softmax(x)ᵢ = e^yᵢ
    public func logSoftmax() -> Variable {
        let x = self, y = Profiler.measure(.elementwise) { value.logSoftmax() }
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Variable.rowwise(g, y) { g, y, dx, d in
                var total: Float = 0
                for j in 0..<d { total += g[j] }
                for j in 0..<d { dx[j] = g[j] - Foundation.exp(y[j]) * total }
            })
        }
    }

    /// Runs `body(gRow, yRow, dxRow, d)` for every row of the last axis, writing a new tensor
    /// (every element: `body` must write its whole row), rows in parallel ranges.
    @inline(__always)
    static func rowwise(
        _ g: Tensor, _ y: Tensor,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        let shape = y.shape, d = shape.last ?? 1
        let rows = d == 0 ? 0 : y.count / d
        return g.withUnsafeBufferPointer { g in
            y.withUnsafeBufferPointer { y in
                Kernels.makeOverwriting(shape) { dx, _ in
                    Kernels.forEachRowRange(rows, width: d) { range in
                        for r in range { body(g.baseAddress! + r * d, y.baseAddress! + r * d, dx + r * d, d) }
                    }
                }
            }
        }
    }
}
