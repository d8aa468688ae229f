// Reductions along an axis, and the row-wise normalisations built from them: softmax, layer norm.

import Foundation
import _Support

extension Tensor {
    // MARK: - Whole-tensor reductions

    /// The sum of all elements (accumulated in Float64).
    public func sum() -> Float {
        var total = 0.0
        for i in 0..<count { total += Double(storage.pointer[i]) }
        return Float(total)
    }

    /// The mean of all elements; NaN for an empty tensor.
    public func mean() -> Float { count == 0 ? .nan : Float(Double(sum()) / Double(count)) }

    /// The largest element; −∞ for an empty tensor.
    public func max() -> Float { VectorMath.max(storage.pointer, count: count) }

    // MARK: - Reductions along an axis

    /// Sums along `axis` (negative counts from the end), removing that axis: [B, N, d] → [B, d] for axis 1.
    /// - Throws: `TensorError.invalidArgument` for an axis out of range.
    public func sum(axis: Int) throws -> Tensor {
        try reduce(axis: axis, initial: 0) { $0 + $1 }
    }

    /// Means along `axis`, removing that axis.
    public func mean(axis: Int) throws -> Tensor {
        let extent = shape[try normalize(axis: axis)]
        return try sum(axis: axis) * (1 / Float(extent))
    }

    /// Maxima along `axis`, removing that axis.
    public func max(axis: Int) throws -> Tensor {
        try reduce(axis: axis, initial: -.infinity) { Swift.max($0, $1) }
    }

    /// Indices of the maxima along the last axis (the first one on ties): [..., n] → [...] of Int.
    public func argmaxLastAxis() -> [Int] {
        let n = shape.last ?? 1
        guard n > 0 else { return [] }
        return (0..<(count / n)).map { row in
            let base = storage.pointer + row * n
            var best = 0
            for j in 1..<n where base[j] > base[best] { best = j }
            return best
        }
    }

    /// An axis in 0..<rank, from a possibly negative one.
    func normalize(axis: Int) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0 && resolved < rank else {
            throw TensorError.invalidArgument("axis \(axis) is out of range for shape \(shape)")
        }
        return resolved
    }

    /// Folds `combine` over `axis`. The tensor is seen as [outer, n, inner]; the inner loop runs
    /// over contiguous memory so it vectorises.
    @inline(__always)
    func reduce(axis: Int, initial: Float, _ combine: (Float, Float) -> Float) throws -> Tensor {
        let axis = try normalize(axis: axis)
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape.remove(at: axis)
        let result = Tensor(repeating: initial, shape: outShape)
        let x = storage.pointer, y = result.storage.pointer
        for o in 0..<outer {
            let target = y + o * inner
            for k in 0..<n {
                let source = x + (o * n + k) * inner
                for i in 0..<inner { target[i] = combine(target[i], source[i]) }
            }
        }
        return result
    }

    // MARK: - Softmax and layer norm over the last axis

    /// Softmax over the last axis: softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
    ///
    /// Subtracting the row maximum changes nothing mathematically and keeps every exponent ≤ 0,
    /// so nothing overflows even for logits of 10⁴. A row that is entirely −∞ (every position
    /// masked) gives zeros rather than NaN.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1
        let result = Tensor.zeros(shape)
        guard n > 0 else { return result }
        let rows = count / n
        let x = storage.pointer, y = result.storage.pointer
        Parallel.forEachRange(rows, minimum: Swift.max(1, 16_384 / n)) { range in
            for row in range {
                let source = x + row * n, target = y + row * n
                let rowMax = VectorMath.max(source, count: n)
                guard rowMax > -.infinity else {
                    target.update(repeating: 0, count: n)
                    continue
                }
                let total = VectorMath.expShiftedSum(source, target, count: n, shift: rowMax)
                let inverse = 1 / total
                for j in 0..<n { target[j] *= inverse }
            }
        }
        return result
    }

    /// Log-softmax over the last axis: xᵢ − max x − log Σⱼ exp(xⱼ − max x), computed without
    /// forming the probabilities (so tiny probabilities keep their precision). A row that is all
    /// −∞ (fully masked) gives −∞ throughout, matching `softmax`'s zeros.
    public func logSoftmax() -> Tensor {
        let n = shape.last ?? 1
        guard n > 0 else { return Tensor.zeros(shape) }
        let x = storage.pointer
        // Rows are independent: every row is written, in ranges of at least 16 K floats over the cores.
        return Tensor(unsafeUninitializedShape: shape) { y in
            Parallel.forEachRange(count / n, minimum: Swift.max(1, (1 << 14) / n)) { rows in
                for row in rows {
                    let source = x + row * n, target = y.baseAddress! + row * n
                    let rowMax = VectorMath.max(source, count: n)
                    guard rowMax > -.infinity else {
                        // Every entry masked: log of the zeros softmax gives, not (−∞) − (−∞) = NaN.
                        target.update(repeating: -.infinity, count: n)
                        continue
                    }
                    let total = VectorMath.expShiftedSum(source, target, count: n, shift: rowMax)
                    let logTotal = Float(Foundation.log(Double(total)))
                    // NOTE: (x − max) − log Σ, not x − (max + log Σ): for logits of 10⁴, max + log Σ
                    // would be rounded to the ulp of 10⁴ (0.001), and every log-probability with it.
                    for j in 0..<n { target[j] = (source[j] - rowMax) - logTotal }
                }
            }
        }
    }

    /// Layer normalisation over the last axis:
    /// y = (x − mean) / √(var + ε) · γ + β, with the biased variance (divide by d), as PyTorch.
    ///
    /// - Parameters:
    ///   - gamma: scale, [d]; `nil` means ones.
    ///   - beta: shift, [d]; `nil` means zeros.
    ///   - epsilon: added to the variance so a constant row does not divide by zero.
    /// - Throws: `TensorError.shapeMismatch` when γ or β is not [d].
    public func layerNorm(gamma: Tensor? = nil, beta: Tensor? = nil, epsilon: Float = 1e-5) throws -> Tensor {
        try checkLayerNormParameters(gamma, beta)
        guard count > 0 else { return Tensor.zeros(shape) }
        return Tensor(unsafeUninitializedShape: shape) {
            layerNormKernel(gamma: gamma, beta: beta, epsilon: epsilon, into: $0.baseAddress!)
        }
    }

    /// `layerNorm` written into `output`, which must have this tensor's shape: no allocation, so
    /// a measurement times the arithmetic and the memory traffic, not fresh pages.
    /// - Throws: `TensorError.shapeMismatch` when γ or β is not [d] or `output`'s shape differs.
    public func layerNorm(gamma: Tensor? = nil, beta: Tensor? = nil, epsilon: Float = 1e-5, into output: inout Tensor) throws {
        try checkLayerNormParameters(gamma, beta)
        guard output.shape == shape else {
            throw TensorError.shapeMismatch("layerNorm into a tensor of shape \(output.shape); expected \(shape)")
        }
        guard count > 0 else { return }
        output.withUnsafeMutableBufferPointer { layerNormKernel(gamma: gamma, beta: beta, epsilon: epsilon, into: $0.baseAddress!) }
    }

    private func checkLayerNormParameters(_ gamma: Tensor?, _ beta: Tensor?) throws {
        let d = shape.last ?? 1
        for (name, parameter) in [("gamma", gamma), ("beta", beta)] {
            if let parameter, parameter.shape != [d] {
                throw TensorError.shapeMismatch("layerNorm \(name) has shape \(parameter.shape); expected [\(d)]")
            }
        }
    }

    // NOTE: rows are independent, so the rows are split over the threads (a row's sums never
    // are, keeping the result the same for every thread count), and each row is read in
    // sixteen-float vectors: two passes (mean, then the variance around it) and a third that writes.
    private func layerNormKernel(gamma: Tensor?, beta: Tensor?, epsilon: Float, into y: UnsafeMutablePointer<Float>) {
        let d = shape.last ?? 1
        let x = storage.pointer
        let g = gamma?.storage.pointer, b = beta?.storage.pointer
        Parallel.forEachRange(count / d, minimum: Swift.max(1, 16_384 / d)) { range in
            for row in range {
                layerNormRow(x + row * d, y + row * d, width: d, gamma: g, beta: b, epsilon: epsilon)
            }
        }
        withExtendedLifetime((gamma, beta)) {}
    }
}

/// One row of `layerNorm`, sixteen lanes at a time with a scalar tail.
private func layerNormRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, width d: Int,
                          gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, epsilon: Float) {
    let vectorEnd = d - d % 16
    var sum = SIMD16<Float>()
    for j in stride(from: 0, to: vectorEnd, by: 16) { sum += loadSIMD16(x + j) }
    var total = sum.sum()
    for j in vectorEnd..<d { total += x[j] }
    let mean = total / Float(d)
    var squares = SIMD16<Float>()
    for j in stride(from: 0, to: vectorEnd, by: 16) {
        let centred = loadSIMD16(x + j) - mean
        squares += centred * centred
    }
    var variance = squares.sum()
    for j in vectorEnd..<d { variance += (x[j] - mean) * (x[j] - mean) }
    variance /= Float(d)
    let inverseStd = 1 / (variance + epsilon).squareRoot()
    for j in stride(from: 0, to: vectorEnd, by: 16) {
        var value = (loadSIMD16(x + j) - mean) * inverseStd
        if let gamma { value *= loadSIMD16(gamma + j) }
        if let beta { value += loadSIMD16(beta + j) }
        storeSIMD16(value, y + j)
    }
    for j in vectorEnd..<d {
        var value = (x[j] - mean) * inverseStd
        if let gamma { value *= gamma[j] }
        if let beta { value += beta[j] }
        y[j] = value
    }
}
