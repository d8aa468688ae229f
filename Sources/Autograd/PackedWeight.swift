// A weight matrix packed once for the many products of one pass through a recurrent model.
//
// A decoder step multiplies a few dozen rows (one per sentence of the batch) by the same weights
// as the step before. With so few rows, packing W for the GEMM at every step, forward and
// backward, cost about a tenth of the translator's training. `gruSequence` packs once for a whole
// sequence inside one op; a decoder that interleaves its GRU steps with attention and readout
// packs its weights here, once per pass, and hands them to each step.

import TensorCore

/// W ([out, in]) packed for the products x Wᵀ (forward) and G W (∂L/∂x, backward) of one pass:
///
///     let w = try PackedWeight(cell.inputWeight)         // after the optimiser's step, before the pass
///     for step in steps { h = try linear(x[step], weight: w, bias: b) }
///
/// The products give the same bits as `linear(x, weight: w.weight, bias:)`: the packed numbers
/// are the ones the GEMM packs for itself. The copy is of W as it was when packed: pack again
/// after W changes. When the GEMM backend is a library's (which packs for itself), nothing is
/// packed and the products run as `linear` runs them.
public final class PackedWeight {
    /// The weight, W: [out, in].
    public let weight: Variable
    /// Wᵀ as the B of x Wᵀ, and W as the B of G W; nil when the backend packs for itself.
    let transposed: GEMMPackedB?, plain: GEMMPackedB?

    /// - Throws: `TensorError.shapeMismatch` unless the weight is a matrix.
    public init(_ weight: Variable) throws {
        guard weight.value.rank == 2 else {
            throw TensorError.shapeMismatch("PackedWeight: weight \(weight.shape) should be [out, in]")
        }
        self.weight = weight
        transposed = Kernels.packedB(transB: true, weight.value)
        // W for ∂L/∂x only when a backward can follow (decoding without gradients never needs
        // it); without it, the backward packs W as `linear` does.
        plain = transposed == nil || !GradientMode.isRecording ? nil : Kernels.packedB(transB: false, weight.value)
    }
}

/// x Wᵀ + b with W packed beforehand: `linear(x, weight: weight.weight, bias:)`, bit for bit,
/// without packing W for the forward product or for ∂L/∂x.
public func linear(_ x: Variable, weight: PackedWeight, bias: Variable? = nil) throws -> Variable {
    let map = try AffineMap(x, weight: weight.weight, bias: bias, packed: weight)
    return Variable.result(map.forward(), parents: map.parents) { g in map.backward(g) }
}
