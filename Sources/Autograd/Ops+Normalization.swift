// Differentiable row-wise normalisations over the last axis: layer norm, softmax, log-softmax.
// R = rows (all leading axes), d = the last axis.

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
        let rows = d == 0 ? 0 : value.count / d
        let (y, normalized, inverseStd) = Variable.layerNormRows(
            value, gamma: gamma?.value ?? Tensor.ones([d]), beta: beta?.value ?? Tensor.zeros([d]), epsilon: epsilon)
        let x = self
        return Variable.result(y, parents: [x] + [gamma, beta].compactMap { $0 }) { g in
            if let gamma, gamma.requiresGrad { gamma.accumulate(Kernels.columnSums(try! g * normalized)) }
            if let beta, beta.requiresGrad { beta.accumulate(Kernels.columnSums(g)) }
            guard x.requiresGrad else { return }
            let gHat = gamma.map { try! g * $0.value } ?? g
            x.accumulate(gHat.withUnsafeBufferPointer { gh in
                normalized.withUnsafeBufferPointer { xh in
                    Kernels.make(x.shape) { dx, _ in
                        for r in 0..<rows {
                            let gRow = gh.baseAddress! + r * d, xRow = xh.baseAddress! + r * d
                            var meanG: Float = 0, meanGX: Float = 0
                            for j in 0..<d {
                                meanG += gRow[j]
                                meanGX += gRow[j] * xRow[j]
                            }
                            meanG /= Float(d)
                            meanGX /= Float(d)
                            for j in 0..<d { dx[r * d + j] = (gRow[j] - meanG - xRow[j] * meanGX) * inverseStd[r] }
                        }
                    }
                }
            })
        }
    }
}

extension Variable {
    /// Row by row: x̂ = (x − μ) / √(σ² + ε) and y = x̂ ⊙ γ + β, with 1/√(σ² + ε) per row.
    static func layerNormRows(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float)
        -> (y: Tensor, normalized: Tensor, inverseStd: [Float]) {
        let d = x.shape.last ?? 1
        let rows = d == 0 ? 0 : x.count / d
        var inverseStd = [Float](repeating: 0, count: rows)
        var y = Tensor.zeros(x.shape), normalized = Tensor.zeros(x.shape)
        x.withUnsafeBufferPointer { x in gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
        normalized.withUnsafeMutableBufferPointer { xHat in y.withUnsafeMutableBufferPointer { y in
            for r in 0..<rows {
                let source = x.baseAddress! + r * d, target = xHat.baseAddress! + r * d, out = y.baseAddress! + r * d
                var mean: Float = 0
                for j in 0..<d { mean += source[j] }
                mean /= Float(d)
                var variance: Float = 0
                for j in 0..<d { variance += (source[j] - mean) * (source[j] - mean) }
                let scale = 1 / (variance / Float(d) + epsilon).squareRoot()
                inverseStd[r] = scale
                for j in 0..<d {
                    target[j] = (source[j] - mean) * scale
                    out[j] = target[j] * g[j] + b[j]
                }
            }
        } } } } }
        return (y, normalized, inverseStd)
    }
}

// MARK: - Softmax and log-softmax

extension Variable {
    /// Softmax over the last axis: yᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x) (stable; a fully
    /// masked row of −∞ gives zeros).
    ///
    ///     ∂L/∂xᵢ = yᵢ (gᵢ − Σⱼ gⱼ yⱼ)
    public func softmax() -> Variable {
        let x = self, y = value.softmax()
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
        let x = self, y = value.logSoftmax()
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Variable.rowwise(g, y) { g, y, dx, d in
                var total: Float = 0
                for j in 0..<d { total += g[j] }
                for j in 0..<d { dx[j] = g[j] - Foundation.exp(y[j]) * total }
            })
        }
    }

    /// Runs `body(gRow, yRow, dxRow, d)` for every row of the last axis, writing a new tensor.
    @inline(__always)
    static func rowwise(
        _ g: Tensor, _ y: Tensor,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        let shape = y.shape, d = shape.last ?? 1
        let rows = d == 0 ? 0 : y.count / d
        return g.withUnsafeBufferPointer { g in
            y.withUnsafeBufferPointer { y in
                Kernels.make(shape) { dx, _ in
                    for r in 0..<rows { body(g.baseAddress! + r * d, y.baseAddress! + r * d, dx + r * d, d) }
                }
            }
        }
    }
}
