// Differentiable changes of shape: reshape, transpose, slices, concatenation, and the head
// split of multi-head attention. None of them computes anything; their gradients move the
// output gradient back to where each element came from.
//
// B = batch, N = sequence length, H = heads, D = head dim, d = H·D model width.

import TensorCore

// MARK: - Reshape and transpose

extension Variable {
    /// The same elements seen with another shape (one extent may be −1).  ∂: reshape back.
    /// - Throws: `TensorError.shapeMismatch` when the element counts differ.
    public func reshaped(_ newShape: [Int]) throws -> Variable {
        let x = self
        return Variable.result(try value.reshaped(newShape), parents: [x]) { g in
            x.accumulate(try! g.reshaped(x.shape))
        }
    }

    /// The transpose of the last two axes: [..., m, n] → [..., n, m].  ∂: transpose back.
    public func transposed() -> Variable {
        let x = self
        return Variable.result(Profiler.measure(.elementwise) { value.transposed() }, parents: [x]) { g in
            x.accumulate(Profiler.measure(.elementwise) { g.transposed() })
        }
    }
}

// MARK: - Slices and concatenation

extension Variable {
    /// The elements whose index along `axis` lies in `range`; the axis keeps its place.
    /// ∂: the gradient lands in `range`, zeros elsewhere.
    /// - Throws: `TensorError.invalidArgument` when the axis or range is out of bounds.
    public func slice(axis: Int, _ range: Range<Int>) throws -> Variable {
        let x = self
        let y = try Profiler.measure(.elementwise) { try value.slice(axis: axis, range) }
        let axis = axis < 0 ? axis + value.rank : axis
        return Variable.result(y, parents: [x]) { g in
            let (outer, n, inner) = Kernels.split(x.shape, at: axis)
            let width = range.count * inner
            x.accumulate(g.withUnsafeBufferPointer { g in
                Kernels.make(x.shape) { dx, _ in
                    for o in 0..<outer {
                        (dx + (o * n + range.lowerBound) * inner).update(from: g.baseAddress! + o * width, count: width)
                    }
                }
            })
        }
    }

    /// Joins variables along `axis`; the other extents must agree.  ∂: each part's slice.
    /// - Throws: `TensorError.shapeMismatch` when they do not.
    public static func concatenate(_ parts: [Variable], axis: Int) throws -> Variable {
        let y = try Profiler.measure(.elementwise) { try Tensor.concatenate(parts.map { $0.value }, axis: axis) }
        let axis = axis < 0 ? axis + y.rank : axis
        return result(y, parents: parts) { g in
            var start = 0
            for part in parts {
                let extent = part.shape[axis]
                if part.requiresGrad { part.accumulate(Profiler.measure(.elementwise) { try! g.slice(axis: axis, start..<(start + extent)) }) }
                start += extent
            }
        }
    }
}

// MARK: - Attention heads

extension Variable {
    /// Splits the last axis into heads and moves them before the sequence:
    /// [B, N, H·D] → [B, H, N, D].  ∂: `mergeHeads`.
    /// - Throws: `TensorError.shapeMismatch` unless the input is rank 3 with a width divisible by H.
    public func splitHeads(_ heads: Int) throws -> Variable {
        guard value.rank == 3, heads > 0, shape[2] % heads == 0 else {
            throw TensorError.shapeMismatch("splitHeads(\(heads)) needs [B, N, H·D], got \(shape)")
        }
        let (b, n, d) = (shape[0], shape[1], shape[2] / heads)
        let x = self
        let y = Variable.swapMiddleAxes(value, [b, n, heads, d])
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(try! Variable.swapMiddleAxes(g, [b, heads, n, d]).reshaped(x.shape))
        }
    }

    /// Joins the heads back into the last axis: [B, H, N, D] → [B, N, H·D].  ∂: `splitHeads`.
    /// - Throws: `TensorError.shapeMismatch` unless the input is rank 4.
    public func mergeHeads() throws -> Variable {
        guard value.rank == 4 else { throw TensorError.shapeMismatch("mergeHeads needs [B, H, N, D], got \(shape)") }
        let (b, h, n, d) = (shape[0], shape[1], shape[2], shape[3])
        let x = self
        let y = try Variable.swapMiddleAxes(value, [b, h, n, d]).reshaped([b, n, h * d])
        return Variable.result(y, parents: [x]) { g in
            x.accumulate(Variable.swapMiddleAxes(g, [b, n, h, d]))
        }
    }

    /// x seen as [P, Q, R, S] → [P, R, Q, S], copying rows of S.
    static func swapMiddleAxes(_ x: Tensor, _ dims: [Int]) -> Tensor {
        let (p, q, r, s) = (dims[0], dims[1], dims[2], dims[3])
        return x.withUnsafeBufferPointer { x in
            Kernels.makeOverwriting([p, r, q, s]) { y, _ in
                for a in 0..<p {
                    for i in 0..<q {
                        for j in 0..<r {
                            (y + ((a * r + j) * q + i) * s).update(from: x.baseAddress! + ((a * q + i) * r + j) * s, count: s)
                        }
                    }
                }
            }
        }
    }
}
