// The fused GRU ops: one step (`gruStep`) and a whole sequence (`gruSequence`) as single tape
// nodes, each with its backward rule beside it, and the sixteen-lane row loops they share.
// GRUCell and GRUEncoder (Layers/GRU.swift) are built on them.
// B = batch, T = time steps, H = hidden width.

import _Support
import TensorCore

/// One GRU step as a single op, given the input's share of the gates already computed:
///
///     gh = h W_hhᵀ + b_hh                              [B, 3H], one GEMM
///     r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ⊙ gh_n)
///     h' = n + z ⊙ (h − n)
///
/// The same values as `GRUCell`'s equations, but the gates are computed in one pass over
/// sixteen lanes (`VectorMath.sigmoid`/`tanh`) and the backward rule is one pass too, instead of
/// a dozen ops each with its tensor and tape node. Backward, with G = ∂L/∂h':
///
///     dn = G ⊙ (1 − z) ⊙ (1 − n²)          dz = G ⊙ (h − n) ⊙ z (1 − z)
///     dr = dn ⊙ gh_n ⊙ r (1 − r)
///     ∂L/∂gi = [dr, dz, dn]                ∂L/∂gh = [dr, dz, dn ⊙ r]
///     ∂L/∂h = G ⊙ z + (∂L/∂gh) W_hh        ∂L/∂W_hh = (∂L/∂gh)ᵀ h       ∂L/∂b_hh = Σ_rows ∂L/∂gh
///
/// - Parameters:
///   - inputGates: gi = x W_ihᵀ + b_ih, [B, 3H] (gates stacked r, z, n, as PyTorch).
///   - hidden: h, [B, H].
///   - hiddenWeight: W_hh, [3H, H].
///   - hiddenBias: b_hh, [3H].
///   - packedHiddenWeight: W_hh packed for this pass (`PackedWeight(hiddenWeight)`), when the
///     caller runs many steps with it; the same bits as without.
/// - Returns: h', [B, H].
public func gruStep(
    inputGates: Variable, hidden: Variable, hiddenWeight: Variable, hiddenBias: Variable,
    packedHiddenWeight: PackedWeight? = nil
) throws -> Variable {
    let (b, h) = (hidden.shape.first ?? 0, hidden.shape.last ?? 0)
    guard hidden.value.rank == 2, inputGates.shape == [b, 3 * h], hiddenWeight.shape == [3 * h, h],
          hiddenBias.shape == [3 * h] else {
        throw TensorError.shapeMismatch("gruStep: inputGates \(inputGates.shape), hidden \(hidden.shape), "
                                        + "hiddenWeight \(hiddenWeight.shape), hiddenBias \(hiddenBias.shape) (want [B, 3H], [B, H], [3H, H], [3H])")
    }
    if let packedHiddenWeight, packedHiddenWeight.weight !== hiddenWeight {
        throw TensorError.invalidArgument("gruStep: packedHiddenWeight was packed from another weight than hiddenWeight")
    }
    let gates = GRUGates(hidden: h)
    // saved: [B, 4H] rows of r | z | n | gh_n, for the backward rule.
    var saved = Kernels.makeOverwriting([b, 4 * h]) { _, _ in }
    let y = Kernels.makeOverwriting([b, h]) { out, _ in
        saved.withUnsafeMutableBufferPointer { saved in
            gates.hiddenProjection(rows: b, h: hidden.value, ldh: h, weight: hiddenWeight.value, bias: hiddenBias.value,
                                   into: saved.baseAddress!, packedWeight: packedHiddenWeight?.transposed)
            inputGates.value.withUnsafeBufferPointer { gi in
                hidden.value.withUnsafeBufferPointer { hv in
                    for row in 0..<b {
                        gates.forward(gi: gi.baseAddress! + row * 3 * h, h: hv.baseAddress! + row * h,
                                      saved: saved.baseAddress! + row * 4 * h, out: out + row * h)
                    }
                }
            }
        }
    }
    return Variable.result(y, parents: [inputGates, hidden, hiddenWeight, hiddenBias]) { g in
        var dInput = Kernels.makeOverwriting([b, 3 * h]) { _, _ in }
        var dGH = Kernels.makeOverwriting([b, 3 * h]) { _, _ in }
        var dHidden = Kernels.makeOverwriting([b, h]) { _, _ in }
        Profiler.measure(.elementwise) {
            g.withUnsafeBufferPointer { g in
                saved.withUnsafeBufferPointer { saved in
                    hidden.value.withUnsafeBufferPointer { hv in
                        dInput.withUnsafeMutableBufferPointer { di in
                            dGH.withUnsafeMutableBufferPointer { dgh in
                                dHidden.withUnsafeMutableBufferPointer { dh in
                                    for row in 0..<b {
                                        gates.backward(dy: g.baseAddress! + row * h, h: hv.baseAddress! + row * h,
                                                       saved: saved.baseAddress! + row * 4 * h,
                                                       dInput: di.baseAddress! + row * 3 * h, dHidden: dgh.baseAddress! + row * 3 * h,
                                                       dPrevious: dh.baseAddress! + row * h)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        inputGates.accumulate(dInput)
        gates.parameterGradients(rows: b, dGH: dGH, h: hidden.value, weight: hiddenWeight, bias: hiddenBias)
        if hidden.requiresGrad {   // ∂L/∂h = G ⊙ z + (∂L/∂gh) W_hh
            dGH.withUnsafeBufferPointer { dgh in
                dHidden.withUnsafeMutableBufferPointer { dh in
                    if let packedB = packedHiddenWeight?.plain {
                        Kernels.sgemm(m: b, a: dgh.baseAddress!, lda: 3 * h, packedB: packedB, beta: 1, c: dh.baseAddress!, ldc: h)
                        return
                    }
                    hiddenWeight.value.withUnsafeBufferPointer { w in
                        Kernels.sgemm(m: b, n: h, k: 3 * h, a: dgh.baseAddress!, lda: 3 * h, b: w.baseAddress!, ldb: h,
                                      beta: 1, c: dh.baseAddress!, ldc: h)
                    }
                }
            }
            hidden.accumulate(dHidden)
        }
    }
}

/// A GRU run over a whole sequence as a single op: the recurrence of `gruStep` for every time
/// step, with one GEMM per step forward and backward and the weight gradient as one GEMM over
/// all steps at the end (cuDNN's layout of the work).
///
/// With `lengths`, steps t ≥ lengths[b] leave row b's state unchanged (h_t = h_{t−1}): the
/// forward direction carries its last real state to the end, so the output at T − 1 is the
/// final state; the reversed direction runs from T − 1 down to 0 and stays at zero until it
/// reaches the last real token, so its output at 0 is its final state.
///
/// - Parameters:
///   - inputGates: x W_ihᵀ + b_ih for every step, [B, T, 3H] (one `linear` over the sequence).
///   - hiddenWeight: W_hh, [3H, H].
///   - hiddenBias: b_hh, [3H].
///   - lengths: the real length of each sequence (≤ T), or `nil` when none is padded.
///   - reversed: run from the last step to the first.
/// - Returns: the state after each step, [B, T, H], starting from h = 0.
public func gruSequence(
    inputGates: Variable, hiddenWeight: Variable, hiddenBias: Variable, lengths: [Int]? = nil, reversed: Bool = false
) throws -> Variable {
    let h = hiddenWeight.shape.last ?? 0
    guard inputGates.value.rank == 3, hiddenWeight.shape == [3 * h, h], hiddenBias.shape == [3 * h],
          inputGates.shape[2] == 3 * h else {
        throw TensorError.shapeMismatch("gruSequence: inputGates \(inputGates.shape), hiddenWeight \(hiddenWeight.shape), "
                                        + "hiddenBias \(hiddenBias.shape) (want [B, T, 3H], [3H, H], [3H])")
    }
    let (b, t) = (inputGates.shape[0], inputGates.shape[1])
    if let lengths, lengths.count != b || lengths.contains(where: { $0 < 0 || $0 > t }) {
        throw TensorError.invalidArgument("gruSequence: lengths \(lengths) must be \(b) values in 0...\(t)")
    }
    let lengths = lengths ?? [Int](repeating: t, count: b)
    let order = reversed ? Array((0..<t).reversed()) : Array(0..<t)
    let gates = GRUGates(hidden: h)
    // W_hh packed once for the T products h W_hhᵀ (and, in the backward, W_hh once for the
    // products ∂L/∂gh · W_hh): with B rows per step, packing it anew each step took a third of
    // the multiplies' time. The same bits as packing per step.
    let packedWeight = t > 1 ? Kernels.packedB(transB: true, hiddenWeight.value) : nil
    // Time-major scratch, indexed by the step s (t = order[s]): the state before each step and
    // the saved r | z | n | gh_n of each step.
    var previous = Kernels.make([t, b, h]) { _, _ in }
    var saved = Kernels.make([t, b, 4 * h]) { _, _ in }
    let y = Kernels.makeOverwriting([b, t, h]) { out, _ in
        previous.withUnsafeMutableBufferPointer { previous in
            saved.withUnsafeMutableBufferPointer { saved in
                inputGates.value.withUnsafeBufferPointer { gi in
                    for (s, time) in order.enumerated() {
                        let before = previous.baseAddress! + s * b * h, state = saved.baseAddress! + s * b * 4 * h
                        if s > 0 {   // the state after the last step (rows hold h_{t∓1})
                            let last = order[s - 1]
                            for row in 0..<b { (before + row * h).update(from: out + (row * t + last) * h, count: h) }
                        }
                        gates.hiddenProjection(rows: b, h: s > 0 ? UnsafePointer(before) : nil, ldh: h,
                                               weight: hiddenWeight.value, bias: hiddenBias.value, into: state,
                                               packedWeight: packedWeight)
                        Profiler.measure(.elementwise) {
                            for row in 0..<b {
                                let target = out + (row * t + time) * h
                                if time < lengths[row] {
                                    gates.forward(gi: gi.baseAddress! + (row * t + time) * 3 * h, h: before + row * h,
                                                  saved: state + row * 4 * h, out: target)
                                } else {
                                    target.update(from: before + row * h, count: h)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return Variable.result(y, parents: [inputGates, hiddenWeight, hiddenBias]) { g in
        var dInput = Kernels.make([b, t, 3 * h]) { _, _ in }
        var dGH = Kernels.make([t, b, 3 * h]) { _, _ in }
        var carried = Kernels.make([b, h]) { _, _ in }   // ∂L/∂(state after the step being undone)
        let packedWeight = t > 1 ? Kernels.packedB(transB: false, hiddenWeight.value) : nil
        g.withUnsafeBufferPointer { g in
            saved.withUnsafeBufferPointer { saved in
                previous.withUnsafeBufferPointer { previous in
                    dInput.withUnsafeMutableBufferPointer { di in
                        dGH.withUnsafeMutableBufferPointer { dgh in
                            carried.withUnsafeMutableBufferPointer { carried in
                                let carried = carried.baseAddress!
                                for (s, time) in order.enumerated().reversed() {
                                    let stepGH = dgh.baseAddress! + s * b * 3 * h
                                    Profiler.measure(.elementwise) {
                                        for row in 0..<b {
                                            let dState = carried + row * h
                                            Kernels.add(g.baseAddress! + (row * t + time) * h, into: dState, count: h)
                                            guard time < lengths[row] else { continue }   // h_t = h_{t−1}: passes through
                                            gates.backward(dy: dState, h: previous.baseAddress! + (s * b + row) * h,
                                                           saved: saved.baseAddress! + (s * b + row) * 4 * h,
                                                           dInput: di.baseAddress! + (row * t + time) * 3 * h,
                                                           dHidden: stepGH + row * 3 * h, dPrevious: dState)
                                        }
                                    }
                                    if s > 0 {   // ∂L/∂h_{before} += ∂L/∂gh · W_hh
                                        if let packedWeight {
                                            Kernels.sgemm(m: b, a: stepGH, lda: 3 * h, packedB: packedWeight, beta: 1,
                                                          c: carried, ldc: h)
                                        } else {
                                            hiddenWeight.value.withUnsafeBufferPointer { w in
                                                Kernels.sgemm(m: b, n: h, k: 3 * h, a: stepGH, lda: 3 * h, b: w.baseAddress!,
                                                              ldb: h, beta: 1, c: carried, ldc: h)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        inputGates.accumulate(dInput)
        gates.parameterGradients(rows: t * b, dGH: dGH, h: previous, weight: hiddenWeight, bias: hiddenBias)
    }
}

/// The elementwise heart of the fused GRU ops, one row at a time, sixteen lanes at a time.
struct GRUGates {
    let hidden: Int

    init(hidden: Int) { self.hidden = hidden }

    /// gh = h W_hhᵀ + b_hh for `rows` rows into the first 3H of each 4H-wide row of `into`
    /// (h = nil means zeros: gh = b_hh).
    func hiddenProjection(
        rows: Int, h: Tensor, ldh: Int, weight: Tensor, bias: Tensor, into: UnsafeMutablePointer<Float>,
        packedWeight: GEMMPackedB? = nil
    ) {
        h.withUnsafeBufferPointer {
            hiddenProjection(rows: rows, h: $0.baseAddress!, ldh: ldh, weight: weight, bias: bias, into: into,
                             packedWeight: packedWeight)
        }
    }

    /// `packedWeight`: W_hhᵀ packed by `Kernels.packedB(transB: true, weight)`, when the caller
    /// multiplies by it many times.
    func hiddenProjection(
        rows: Int, h: UnsafePointer<Float>?, ldh: Int, weight: Tensor, bias: Tensor, into: UnsafeMutablePointer<Float>,
        packedWeight: GEMMPackedB? = nil
    ) {
        let width = 3 * hidden
        bias.withUnsafeBufferPointer { bias in
            for row in 0..<rows { (into + row * 4 * hidden).update(from: bias.baseAddress!, count: width) }
        }
        guard let h, rows > 0, hidden > 0 else { return }
        if let packedWeight {
            Kernels.sgemm(m: rows, a: h, lda: ldh, packedB: packedWeight, beta: 1, c: into, ldc: 4 * hidden)
            return
        }
        weight.withUnsafeBufferPointer { w in
            Kernels.sgemm(transB: true, m: rows, n: width, k: hidden, a: h, lda: ldh, b: w.baseAddress!, ldb: hidden,
                          beta: 1, c: into, ldc: 4 * hidden)
        }
    }

    /// One row forward. `saved` holds gh (3H) on entry and r | z | n | gh_n on exit.
    @inline(__always)
    func forward(gi: UnsafePointer<Float>, h: UnsafePointer<Float>, saved: UnsafeMutablePointer<Float>,
                 out: UnsafeMutablePointer<Float>) {
        let hw = hidden
        var j = 0
        while j < hw {
            let lanes = Swift.min(16, hw - j)
            let ghN = loadSIMD16(saved + 2 * hw + j, lanes: lanes)
            let r = VectorMath.sigmoid(loadSIMD16(gi + j, lanes: lanes) + loadSIMD16(saved + j, lanes: lanes))
            let z = VectorMath.sigmoid(loadSIMD16(gi + hw + j, lanes: lanes) + loadSIMD16(saved + hw + j, lanes: lanes))
            let n = VectorMath.tanh(loadSIMD16(gi + 2 * hw + j, lanes: lanes) + r * ghN)
            let previous = loadSIMD16(h + j, lanes: lanes)
            storeSIMD16(n + z * (previous - n), out + j, lanes: lanes)
            storeSIMD16(r, saved + j, lanes: lanes)
            storeSIMD16(z, saved + hw + j, lanes: lanes)
            storeSIMD16(n, saved + 2 * hw + j, lanes: lanes)
            storeSIMD16(ghN, saved + 3 * hw + j, lanes: lanes)
            j += 16
        }
    }

    /// One row backward: writes ∂L/∂gi (3H) and ∂L/∂gh (3H), and sets `dPrevious` (H) to the
    /// direct part G ⊙ z of ∂L/∂h (the GEMM with W_hh adds the rest). `dPrevious` may be `dy`.
    @inline(__always)
    func backward(dy: UnsafePointer<Float>, h: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                  dInput: UnsafeMutablePointer<Float>, dHidden: UnsafeMutablePointer<Float>,
                  dPrevious: UnsafeMutablePointer<Float>) {
        let hw = hidden
        var j = 0
        while j < hw {
            let lanes = Swift.min(16, hw - j)
            let g = loadSIMD16(dy + j, lanes: lanes)
            let r = loadSIMD16(saved + j, lanes: lanes), z = loadSIMD16(saved + hw + j, lanes: lanes)
            let n = loadSIMD16(saved + 2 * hw + j, lanes: lanes), ghN = loadSIMD16(saved + 3 * hw + j, lanes: lanes)
            let previous = loadSIMD16(h + j, lanes: lanes)
            let dn = g * (1 - z) * (1 - n * n)
            let dz = g * (previous - n) * z * (1 - z)
            let dr = dn * ghN * r * (1 - r)
            storeSIMD16(dr, dInput + j, lanes: lanes)
            storeSIMD16(dz, dInput + hw + j, lanes: lanes)
            storeSIMD16(dn, dInput + 2 * hw + j, lanes: lanes)
            storeSIMD16(dr, dHidden + j, lanes: lanes)
            storeSIMD16(dz, dHidden + hw + j, lanes: lanes)
            storeSIMD16(dn * r, dHidden + 2 * hw + j, lanes: lanes)
            storeSIMD16(g * z, dPrevious + j, lanes: lanes)
            j += 16
        }
    }

    /// From ∂L/∂gh ([rows, 3H]) and the states h ([rows, H]) it multiplied:
    /// ∂L/∂W_hh += (∂L/∂gh)ᵀ h and ∂L/∂b_hh += Σ_rows ∂L/∂gh.
    func parameterGradients(rows: Int, dGH: Tensor, h: Tensor, weight: Variable, bias: Variable) {
        let width = 3 * hidden, hw = hidden
        guard rows > 0, hw > 0 else { return }
        dGH.withUnsafeBufferPointer { dgh in
            if weight.requiresGrad {
                weight.accumulate(h.withUnsafeBufferPointer { hv in
                    Kernels.makeOverwriting([width, hw]) { dW, _ in
                        Kernels.sgemm(transA: true, m: width, n: hw, k: rows, a: dgh.baseAddress!, lda: width,
                                      b: hv.baseAddress!, ldb: hw, c: dW, ldc: hw)
                    }
                })
            }
            if bias.requiresGrad {
                bias.accumulate(Kernels.make([width]) { dB, _ in
                    for row in 0..<rows { Kernels.add(dgh.baseAddress! + row * width, into: dB, count: width) }
                })
            }
        }
    }
}
