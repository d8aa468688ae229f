// Cross-entropy over logits, fused with its log-softmax: one op, one backward rule, and the
// numerically careful path (log-softmax, never log(softmax)).
//
// R = rows (every leading axis of the logits), V = classes (vocabulary).

import TensorCore

/// The mean cross-entropy of `logits` against integer `targets`, skipping `ignoreIndex` (PAD):
///
///     q = (1 − ε) · onehot(t) + ε / V                 (label smoothing ε; q = onehot for ε = 0)
///     loss_r = −Σ_v q_v · log softmax(logits_r)_v
///     loss = (1 / |kept|) Σ_{r kept} loss_r          (kept: rows whose target is not ignored)
///
///     ∂loss/∂logits_r = (softmax(logits_r) − q) / |kept|   for kept rows, 0 for ignored ones
///
/// When every target is ignored the loss is 0 and so is the gradient.
///
///     let loss = try crossEntropy(logits: logits, targets: [3, 1, 0], ignoreIndex: 0)
///
/// - Parameters:
///   - logits: [..., V]; its rows are the leading axes flattened (R of them).
///   - targets: R class indices in 0..<V (or `ignoreIndex`), row-major like the logits' rows.
///   - ignoreIndex: a target value whose rows are left out, as PyTorch's `ignore_index`.
///   - labelSmoothing: ε in [0, 1).
/// - Returns: a scalar, shape [].
/// - Throws: `TensorError` when the counts differ or a target is out of range.
public func crossEntropy(
    logits: Variable, targets: [Int], ignoreIndex: Int? = nil, labelSmoothing: Float = 0
) throws -> Variable {
    let classes = logits.shape.last ?? 0
    let rows = classes == 0 ? 0 : logits.value.count / classes
    guard targets.count == rows else {
        throw TensorError.shapeMismatch("crossEntropy: \(targets.count) targets for \(rows) rows of logits \(logits.shape)")
    }
    if let bad = targets.first(where: { $0 != ignoreIndex && ($0 < 0 || $0 >= classes) }) {
        throw TensorError.invalidArgument("crossEntropy: target \(bad) is outside 0..<\(classes)")
    }
    guard labelSmoothing >= 0, labelSmoothing < 1 else {
        throw TensorError.invalidArgument("crossEntropy: label smoothing \(labelSmoothing) is outside [0, 1)")
    }
    let kept = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
    let logP = Profiler.measure(.elementwise) { logits.value.logSoftmax() }                          // [R, V]
    let onTarget = 1 - labelSmoothing, uniform = labelSmoothing / Float(Swift.max(classes, 1))
    var total = 0.0
    logP.withUnsafeBufferPointer { logP in
        for (r, t) in targets.enumerated() where t != ignoreIndex {
            let row = logP.baseAddress! + r * classes
            var smoothed = 0.0
            if uniform > 0 { for v in 0..<classes { smoothed += Double(row[v]) } }
            total -= Double(onTarget) * Double(row[t]) + Double(uniform) * smoothed
        }
    }
    let loss = Tensor(repeating: kept == 0 ? 0 : Float(total / Double(kept)), shape: [])
    return Variable.result(loss, parents: [logits]) { g in
        guard kept > 0 else { return }
        let scale = g.item / Float(kept)
        logits.accumulate(logP.withUnsafeBufferPointer { logP in
            Kernels.makeOverwriting(logits.shape) { dx, _ in                   // every row written below
                targets.withUnsafeBufferPointer { targets in
                    Kernels.forEachRowRange(rows, width: classes) { range in
                        for r in range {
                            let row = logP.baseAddress! + r * classes, out = dx + r * classes
                            guard targets[r] != ignoreIndex else {
                                out.update(repeating: 0, count: classes)
                                continue
                            }
                            VectorMath.exp(row, out, count: classes)         // softmax = e^(log-softmax)
                            for v in 0..<classes { out[v] = (out[v] - uniform) * scale }
                            out[targets[r]] -= onTarget * scale
                        }
                    }
                }
            }
        })
    }
}
