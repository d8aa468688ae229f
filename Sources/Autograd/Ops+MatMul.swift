// Differentiable matrix products, each forward and backward one call of GEMM.sgemm per matrix
// (transposes are GEMM flags, never copies).
//
//   Y = A B        ∂L/∂A = G Bᵀ      ∂L/∂B = Aᵀ G          (G = ∂L/∂Y)
//
// Shapes: R = rows (every leading axis folded together), m, k, n = matrix extents.

import TensorCore

// MARK: - Matmul and batched matmul

extension Variable {
    /// The matrix product, batched over leading axes, as `Tensor.matmul`:
    ///
    /// - [..., m, k] · [k, n] → [..., m, n]: one weight for every batch element (one GEMM of
    ///   R·m rows forward, and one per gradient backward).
    /// - [..., m, k] · [..., k, n] → [..., m, n]: equal batch axes, one GEMM per batch element.
    ///
    /// - Throws: `TensorError.shapeMismatch` when the inner extents or batch axes disagree, or
    ///   an operand is not at least a matrix.
    public func matmul(_ other: Variable) throws -> Variable {
        let a = self, b = other
        guard a.value.rank >= 2, b.value.rank >= 2 else {
            throw TensorError.shapeMismatch("matmul needs matrices, got \(a.shape) and \(b.shape)")
        }
        let y = try Profiler.measure(.matmul) { try a.value.matmul(b.value) }
        let m = a.shape[a.shape.count - 2], k = a.shape.last!, n = b.shape.last!
        let batches = b.value.rank == 2 ? 1 : a.value.count / Swift.max(1, m * k)
        let rowsPerBatch = b.value.rank == 2 ? a.value.count / Swift.max(1, k) : m
        return Variable.result(y, parents: [a, b]) { g in
            guard g.count > 0, k > 0 else { return }
            g.withUnsafeBufferPointer { g in
                a.value.withUnsafeBufferPointer { av in
                    b.value.withUnsafeBufferPointer { bv in
                        if a.requiresGrad {
                            a.accumulate(Kernels.makeOverwriting(a.shape) { dA, _ in
                                for batch in 0..<batches {   // dA = G Bᵀ
                                    Kernels.sgemm(transB: true, m: rowsPerBatch, n: k, k: n,
                                               a: g.baseAddress! + batch * rowsPerBatch * n, lda: n,
                                               b: bv.baseAddress! + (batches == 1 ? 0 : batch * k * n), ldb: n,
                                               c: dA + batch * rowsPerBatch * k, ldc: k)
                                }
                            })
                        }
                        if b.requiresGrad {
                            b.accumulate(Kernels.makeOverwriting(b.shape) { dB, _ in
                                for batch in 0..<batches {   // dB = Aᵀ G
                                    Kernels.sgemm(transA: true, m: k, n: n, k: rowsPerBatch,
                                               a: av.baseAddress! + batch * rowsPerBatch * k, lda: k,
                                               b: g.baseAddress! + batch * rowsPerBatch * n, ldb: n,
                                               c: dB + batch * k * n, ldc: n)
                                }
                            })
                        }
                    }
                }
            }
        }
    }
}

// MARK: - Linear map

/// y = x Wᵀ + b, the affine map of a `Linear` layer, as one op (PyTorch's weight layout).
///
///     ∂L/∂x = G W      ∂L/∂W = Gᵀ x      ∂L/∂b = Σ_rows G
///
/// - Parameters:
///   - x: [..., in]
///   - weight: [out, in]
///   - bias: [out], or `nil`
/// - Returns: [..., out]
/// - Throws: `TensorError.shapeMismatch` when the extents disagree.
public func linear(_ x: Variable, weight: Variable, bias: Variable? = nil) throws -> Variable {
    let map = try AffineMap(x, weight: weight, bias: bias)
    return Variable.result(map.forward(), parents: map.parents) { g in map.backward(g) }
}

/// gelu(x Wᵀ + b) as one op: the first half of a transformer's feed-forward block.
///
///     h = x Wᵀ + b,   y = h Φ(h),   ∂L/∂h = G ⊙ GELU'(h),   GELU'(h) = Φ(h) + h φ(h)
///
/// Same values as `linear(x, …).gelu()`, but GELU'(h) is computed in the forward pass, in place
/// of h, so the tape keeps one [..., out] tensor for the backward instead of two (h and Φ(h)),
/// and the backward is one multiplication.
///
/// - Parameters: as `linear`.
/// - Returns: [..., out]
public func linearGELU(_ x: Variable, weight: Variable, bias: Variable? = nil) throws -> Variable {
    let map = try AffineMap(x, weight: weight, bias: bias)
    var derivative = map.forward()                                     // h, then GELU'(h)
    let y = Kernels.geluInPlace(&derivative)
    return Variable.result(y, parents: map.parents) { g in
        map.backward(Profiler.measure(.elementwise) { try! g * derivative })
    }
}

/// The affine map x Wᵀ + b, checked, with its forward and backward products.
/// R = rows (every leading axis of x folded together).
struct AffineMap {
    let x: Variable, weight: Variable, bias: Variable?
    let rows: Int, inputs: Int, outputs: Int
    /// The weight packed beforehand (`PackedWeight`), or nil: the GEMMs pack it.
    let packed: PackedWeight?

    init(_ x: Variable, weight: Variable, bias: Variable?, packed: PackedWeight? = nil) throws {
        guard weight.value.rank == 2, x.value.rank >= 1, x.shape.last == weight.shape[1] else {
            throw TensorError.shapeMismatch("linear: input \(x.shape) and weight \(weight.shape) (want [..., in] and [out, in])")
        }
        (outputs, inputs) = (weight.shape[0], weight.shape[1])
        if let bias, bias.shape != [outputs] {
            throw TensorError.shapeMismatch("linear: bias \(bias.shape) should be [\(outputs)]")
        }
        (self.x, self.weight, self.bias, self.packed) = (x, weight, bias, packed)
        rows = x.value.count / Swift.max(1, inputs)
    }

    var parents: [Variable] { bias.map { [x, weight, $0] } ?? [x, weight] }

    /// x Wᵀ + b: [R, out], shaped [..., out]. One GEMM that adds the bias to every row as it
    /// writes C (`GEMM.sgemm(bias:)`): the numbers of copying b into C and adding x Wᵀ to it.
    func forward() -> Tensor {
        x.value.withUnsafeBufferPointer { xv in
            weight.value.withUnsafeBufferPointer { wv in
                // Every element is written (by the GEMM, which writes the bias alone when there is
                // no input) unless there is no bias and no input.
                let shape = Array(x.shape.dropLast()) + [outputs]
                let fill = { (out: UnsafeMutablePointer<Float>, count: Int) in
                    guard count > 0 else { return }
                    if let bias {
                        bias.value.withUnsafeBufferPointer { bv in
                            if inputs == 0 {                    // no product: y = b in every row
                                for r in 0..<rows { (out + r * outputs).update(from: bv.baseAddress!, count: outputs) }
                                return
                            }
                            if let packedB = packed?.transposed {
                                // b in every row, then += x Wᵀ: the bits of the GEMM's bias store.
                                for r in 0..<rows { (out + r * outputs).update(from: bv.baseAddress!, count: outputs) }
                                Kernels.sgemm(m: rows, a: xv.baseAddress!, lda: inputs, packedB: packedB, beta: 1,
                                              c: out, ldc: outputs)
                                return
                            }
                            Kernels.sgemm(transB: true, m: rows, n: outputs, k: inputs,
                                          a: xv.baseAddress!, lda: inputs, b: wv.baseAddress!, ldb: inputs,
                                          bias: bv.baseAddress!, c: out, ldc: outputs)
                        }
                    } else if inputs > 0, let packedB = packed?.transposed {
                        Kernels.sgemm(m: rows, a: xv.baseAddress!, lda: inputs, packedB: packedB, c: out, ldc: outputs)
                    } else if inputs > 0 {
                        Kernels.sgemm(transB: true, m: rows, n: outputs, k: inputs,
                                      a: xv.baseAddress!, lda: inputs, b: wv.baseAddress!, ldb: inputs,
                                      c: out, ldc: outputs)
                    }
                }
                return bias != nil || inputs > 0 ? Kernels.makeOverwriting(shape, fill) : Kernels.make(shape, fill)
            }
        }
    }

    /// Adds ∂L/∂x = G W, ∂L/∂W = Gᵀ x and ∂L/∂b = Σ_rows G into the gradients, given G = ∂L/∂y.
    func backward(_ g: Tensor) {
        guard rows > 0, outputs > 0, inputs > 0 else { return }
        let (rows, inputs, outputs) = (rows, inputs, outputs)
        g.withUnsafeBufferPointer { g in
            if x.requiresGrad {
                x.accumulate(weight.value.withUnsafeBufferPointer { wv in
                    Kernels.makeOverwriting(x.shape) { dX, _ in
                        if let packedB = packed?.plain {
                            Kernels.sgemm(m: rows, a: g.baseAddress!, lda: outputs, packedB: packedB, c: dX, ldc: inputs)
                        } else {
                            Kernels.sgemm(m: rows, n: inputs, k: outputs, a: g.baseAddress!, lda: outputs,
                                          b: wv.baseAddress!, ldb: inputs, c: dX, ldc: inputs)
                        }
                    }
                })
            }
            if weight.requiresGrad {
                weight.accumulate(x.value.withUnsafeBufferPointer { xv in
                    Kernels.makeOverwriting(weight.shape) { dW, _ in
                        Kernels.sgemm(transA: true, m: outputs, n: inputs, k: rows, a: g.baseAddress!, lda: outputs,
                                      b: xv.baseAddress!, ldb: inputs, c: dW, ldc: inputs)
                    }
                })
            }
            if let bias, bias.requiresGrad {
                bias.accumulate(Kernels.makeOverwriting([outputs]) { dB, _ in
                    Kernels.columnSums(g.baseAddress!, rows: rows, width: outputs, into: dB)
                })
            }
        }
    }
}
