// Differentiable sums and means, over one axis or over everything.
//
// The backward of a sum copies the output gradient back to every element that was added:
// ∂(Σⱼ xⱼ)/∂xᵢ = 1. A mean divides that by the count.

import TensorCore

extension Variable {
    // MARK: - Whole tensor

    /// Σ of every element: [...] → [] (a scalar).  ∂/∂xᵢ = g.
    public func sum() -> Variable {
        let x = self
        let y = Tensor(repeating: Profiler.measure(.elementwise) { value.sum() }, shape: [])
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Tensor(repeating: g.item, shape: x.shape))
        }
    }

    /// The mean of every element: [...] → [].  ∂/∂xᵢ = g / count.
    public func mean() -> Variable {
        sum() * (1 / Float(Swift.max(1, value.count)))
    }

    // MARK: - Along an axis

    /// Sums along `axis` (negative counts from the end), removing it: [B, N, d] → [B, d] for axis 1.
    /// - Throws: `TensorError.invalidArgument` for an axis out of range.
    public func sum(axis: Int) throws -> Variable {
        let x = self
        let y = try Profiler.measure(.elementwise) { try value.sum(axis: axis) }
        let axis = axis < 0 ? axis + value.rank : axis
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Variable.expand(g, along: axis, to: x.shape))
        }
    }

    /// Means along `axis`, removing it.
    public func mean(axis: Int) throws -> Variable {
        let extent = value.rank > 0 ? shape[(axis + value.rank) % value.rank] : 1
        return try sum(axis: axis) * (1 / Float(Swift.max(1, extent)))
    }

    /// `g` with `axis` re-inserted and repeated: [outer, inner] → [outer, n, inner].
    static func expand(_ g: Tensor, along axis: Int, to shape: [Int]) -> Tensor {
        let (outer, n, inner) = Kernels.split(shape, at: axis)
        return g.withUnsafeBufferPointer { g in
            Kernels.make(shape) { out, _ in
                for o in 0..<outer {
                    for k in 0..<n { (out + (o * n + k) * inner).update(from: g.baseAddress! + o * inner, count: inner) }
                }
            }
        }
    }
}
