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
    public func gelu() -> Tensor {
        map { x in 0.5 * x * (1 + Foundation.erf(x * 0.707_106_781_186_547_5)) }
    }
}
