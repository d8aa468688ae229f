// Elementwise functions: the activations and the exp/log that softmax and losses are made of.

import Foundation

extension Tensor {
    /// eˣ elementwise, with the vectorised exp of `VectorMath` (within 2 ulp of the true value).
    public func exp() -> Tensor {
        let result = Tensor.zeros(shape)
        VectorMath.exp(storage.pointer, result.storage.pointer, count: count)
        return result
    }

    /// Natural logarithm elementwise; log 0 = −∞, log of a negative number is NaN.
    public func log() -> Tensor { map { Foundation.log($0) } }

    /// Square root elementwise.
    public func squareRoot() -> Tensor { map { $0.squareRoot() } }

    /// tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ), elementwise, with the vectorised tanh of `VectorMath`
    /// (within 2 ulp of the true value, as glibc's `tanhf`, at a third of its cost).
    public func tanh() -> Tensor {
        let result = Tensor(shape: shape, storage: TensorStorage(count: count))
        VectorMath.tanh(storage.pointer, result.storage.pointer, count: count)
        return result
    }

    /// The logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), elementwise.
    ///
    /// Stable for large |x|: e⁻ˣ overflows to +∞ for x < −88 and σ becomes exactly 0.
    public func sigmoid() -> Tensor {
        let result = Tensor(shape: shape, storage: TensorStorage(count: count))
        VectorMath.sigmoid(storage.pointer, result.storage.pointer, count: count)   // 1 / (1 + e⁻ˣ)
        return result
    }

    /// The rectified linear unit max(0, x), elementwise.
    public func relu() -> Tensor { map { $0 > 0 ? $0 : 0 } }

    /// GELU(x) = x · Φ(x) = x · ½ (1 + erf(x / √2)), elementwise — the exact form (PyTorch's
    /// default), not the tanh approximation.
    ///
    /// Φ comes from `VectorMath.normalCDF` (relative error below 1.2·10⁻⁷ of erfc), sixteen lanes
    /// at a time, the elements split over the threads.
    public func gelu() -> Tensor {
        Tensor(unsafeUninitializedShape: shape) { geluKernel(into: $0.baseAddress!) }
    }

    /// `gelu()` written into `output`, which must have this tensor's shape: no allocation, so a
    /// measurement of GELU times the arithmetic and the memory traffic, not fresh pages.
    /// - Throws: `TensorError.shapeMismatch` when the shapes differ.
    public func gelu(into output: inout Tensor) throws {
        guard output.shape == shape else {
            throw TensorError.shapeMismatch("gelu into a tensor of shape \(output.shape); expected \(shape)")
        }
        output.withUnsafeMutableBufferPointer { geluKernel(into: $0.baseAddress!) }
    }

    private func geluKernel(into y: UnsafeMutablePointer<Float>) {
        let x = storage.pointer
        Parallel.forEachRange(count, minimum: 32_768) { range in
            VectorMath.gelu(x + range.lowerBound, y + range.lowerBound, count: range.count)
        }
    }
}
