// The gated recurrent unit (Cho et al., 2014) and an encoder that runs it over a sequence.
// B = batch, T = time steps, I = input width, H = hidden width.

import TensorCore

// MARK: - One step

/// One GRU step, with PyTorch's equations and parameter layout (gates stacked r, z, n):
///
///     r  = σ(W_ir x + b_ir + W_hr h + b_hr)           reset gate
///     z  = σ(W_iz x + b_iz + W_hz h + b_hz)           update gate
///     n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))  candidate
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Parameters: `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih` [3H], `bias_hh` [3H], all
/// uniform in ±1/√H. A step is two ops: the input's `linear` and the fused `gruStep` (Ops+GRU.swift).
public final class GRUCell: Module {
    public let inputWidth: Int, hiddenWidth: Int
    /// [3H, I], [3H, H], [3H], [3H]
    public let inputWeight: Variable, hiddenWeight: Variable, inputBias: Variable, hiddenBias: Variable

    public init(inputs: Int, hidden: Int, generator: inout SeededGenerator) {
        inputWidth = inputs
        hiddenWidth = hidden
        let bound = 1 / Float(hidden).squareRoot()
        func uniform(_ shape: [Int]) -> Variable {
            .parameter(Tensor.randomUniform(shape, low: -bound, high: bound, using: &generator))
        }
        inputWeight = uniform([3 * hidden, inputs])
        hiddenWeight = uniform([3 * hidden, hidden])
        inputBias = uniform([3 * hidden])
        hiddenBias = uniform([3 * hidden])
    }

    /// - Parameters:
    ///   - x: [B, I]
    ///   - h: [B, H]
    /// - Returns: h', [B, H]
    public func callAsFunction(_ x: Variable, _ h: Variable) throws -> Variable {
        try step(inputGates: linear(x, weight: inputWeight, bias: inputBias), hidden: h)
    }

    /// W_ih and W_hh packed for the steps of one pass (`PackedWeight`): pack after the weights
    /// change, then step with `callAsFunction(_:_:packed:)`.
    public struct Packed {
        public let inputWeight: PackedWeight, hiddenWeight: PackedWeight
    }

    /// Both weight matrices, packed as they are now.
    public func packed() throws -> Packed {
        try Packed(inputWeight: PackedWeight(inputWeight), hiddenWeight: PackedWeight(hiddenWeight))
    }

    /// The same step as `callAsFunction(_:_:)`, bit for bit, with the weights packed beforehand:
    /// a decoder that runs this cell step by step packs them once per pass, not twice per step.
    /// - Throws: `TensorError.invalidArgument` when `packed` is another cell's.
    public func callAsFunction(_ x: Variable, _ h: Variable, packed: Packed) throws -> Variable {
        guard packed.inputWeight.weight === inputWeight, packed.hiddenWeight.weight === hiddenWeight else {
            throw TensorError.invalidArgument("GRUCell: the packed weights are another cell's")
        }
        return try gruStep(inputGates: linear(x, weight: packed.inputWeight, bias: inputBias), hidden: h,
                           hiddenWeight: hiddenWeight, hiddenBias: hiddenBias, packedHiddenWeight: packed.hiddenWeight)
    }

    /// The step from the input's share of the gates, x W_ihᵀ + b_ih ([B, 3H]), computed
    /// elsewhere (e.g. for all time steps at once): one fused op, `gruStep`.
    /// - Returns: h', [B, H]
    public func step(inputGates: Variable, hidden h: Variable) throws -> Variable {
        try gruStep(inputGates: inputGates, hidden: h, hiddenWeight: hiddenWeight, hiddenBias: hiddenBias)
    }

    public var namedParameters: [NamedParameter] {
        [("weight_ih", inputWeight), ("weight_hh", hiddenWeight), ("bias_ih", inputBias), ("bias_hh", hiddenBias)]
    }
}

// MARK: - Over a sequence

/// A GRU run over a whole sequence, optionally in both directions (the encoder of a Bahdanau
/// translator).
///
///     let encoder = GRUEncoder(inputs: 32, hidden: 64, bidirectional: true, generator: &rng)
///     let (outputs, final) = try encoder(x, lengths: [7, 5])   // [B, T, 128], [B, 128]
///
/// With `lengths`, a sequence's padding steps leave its state unchanged: the forward direction's
/// final state is the one after its last real token, and the backward direction starts at that
/// token (from zeros). Outputs at padding steps are not meaningful; mask them in attention.
/// Parameters: `forward.*` and, when bidirectional, `backward.*` (each a `GRUCell`).
public final class GRUEncoder: Module {
    public let forwardCell: GRUCell
    public let backwardCell: GRUCell?

    public init(inputs: Int, hidden: Int, bidirectional: Bool = false, generator: inout SeededGenerator) {
        forwardCell = GRUCell(inputs: inputs, hidden: hidden, generator: &generator)
        backwardCell = bidirectional ? GRUCell(inputs: inputs, hidden: hidden, generator: &generator) : nil
    }

    /// - Parameters:
    ///   - x: [B, T, I]
    ///   - lengths: the real length of each sequence (≤ T), or `nil` when none is padded.
    /// - Returns: outputs [B, T, H·directions] (directions concatenated on the last axis) and the
    ///   final state [B, H·directions] (forward's after the last token, backward's after the first).
    public func callAsFunction(_ x: Variable, lengths: [Int]? = nil) throws -> (outputs: Variable, final: Variable) {
        guard x.value.rank == 3 else { throw TensorError.shapeMismatch("GRUEncoder wants [B, T, I], got \(x.shape)") }
        let (b, t) = (x.shape[0], x.shape[1])
        if let lengths, lengths.count != b || lengths.contains(where: { $0 < 0 || $0 > t }) {
            throw TensorError.invalidArgument("GRUEncoder lengths \(lengths) must be \(b) values in 0...\(t)")
        }
        if t == 0 {
            let width = forwardCell.hiddenWidth * (backwardCell == nil ? 1 : 2)
            return (Variable(Tensor.zeros([b, 0, width])), Variable(Tensor.zeros([b, width])))
        }
        // One GEMM projects every step's input for the gates, then one fused op runs the recurrence.
        func run(_ cell: GRUCell, reversed: Bool) throws -> Variable {
            let gates = try linear(x, weight: cell.inputWeight, bias: cell.inputBias)           // [B, T, 3H]
            return try gruSequence(inputGates: gates, hiddenWeight: cell.hiddenWeight, hiddenBias: cell.hiddenBias,
                                   lengths: lengths, reversed: reversed)                       // [B, T, H]
        }
        let forward = try run(forwardCell, reversed: false)
        let forwardFinal = try forward.slice(axis: 1, (t - 1)..<t).reshaped([b, -1])    // state after the last real step
        guard let backwardCell else { return (forward, forwardFinal) }
        let backward = try run(backwardCell, reversed: true)
        let backwardFinal = try backward.slice(axis: 1, 0..<1).reshaped([b, -1])      // state after the first step
        return (try Variable.concatenate([forward, backward], axis: 2),
                try Variable.concatenate([forwardFinal, backwardFinal], axis: 1))
    }

    public var namedParameters: [NamedParameter] {
        scoped("forward", forwardCell) + scoped("backward", backwardCell)
    }
}

