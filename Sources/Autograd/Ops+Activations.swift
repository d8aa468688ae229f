// Differentiable elementwise functions: the activations, exp and log. Each backward rule is
// written in terms of what the forward pass already computed (y, or x) so nothing is recomputed
// that need not be.

import Foundation
import TensorCore

extension Variable {
    // MARK: - Squashing functions

    /// tanh(x).  ∂y/∂x = 1 − y².
    public func tanh() -> Variable {
        let x = self, y = Profiler.measure(.elementwise) { value.tanh() }
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Kernels.zip(g, y) { g, y in g * (1 - y * y) })
        }
    }

    /// σ(x) = 1 / (1 + e⁻ˣ).  ∂y/∂x = y (1 − y).
    public func sigmoid() -> Variable {
        let x = self, y = Profiler.measure(.elementwise) { value.sigmoid() }
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Kernels.zip(g, y) { g, y in g * y * (1 - y) })
        }
    }

    // MARK: - Rectifiers

    /// max(0, x).  ∂y/∂x = 1 where x > 0, else 0.
    public func relu() -> Variable {
        let x = self, y = Profiler.measure(.elementwise) { value.relu() }
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Kernels.zip(g, y) { g, y in y > 0 ? g : 0 })
        }
    }

    /// GELU(x) = x Φ(x), the exact (erf) form, as TensorCore's `gelu` (to within a few ulp).
    ///
    ///     ∂y/∂x = Φ(x) + x φ(x),   Φ(x) = ½(1 + erf(x/√2)),   φ(x) = e^(−x²/2) / √(2π)
    ///
    /// The forward keeps Φ(x) for the backward, and both run sixteen lanes at a time
    /// (`Kernels.normalCDF`), since GELU sits on the widest activations of a transformer.
    public func gelu() -> Variable {
        let x = self
        let (y, cdf) = Kernels.gelu(value)                                   // x Φ(x), Φ(x)
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Kernels.geluBackward(g, x.value, cdf))
        }
    }

    // MARK: - Exp and log

    /// eˣ.  ∂y/∂x = y.
    public func exp() -> Variable {
        let x = self, y = Profiler.measure(.elementwise) { value.exp() }
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Kernels.zip(g, y) { $0 * $1 })
        }
    }

    /// ln x.  ∂y/∂x = 1/x.
    public func log() -> Variable {
        let x = self
        return Variable.result(Profiler.measure(.elementwise) { value.log() }, parents: [x]) { g in
            x.accumulate(Kernels.zip(g, x.value) { $0 / $1 })
        }
    }
}
