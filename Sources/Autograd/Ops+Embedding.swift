// Embedding lookup and dropout: the two ops that take integers or randomness besides tensors.
// V = vocabulary, d = embedding width.

import TensorCore

// MARK: - Embedding lookup

/// Gathers rows of `table` by id: out[i, :] = table[ids[i], :].
///
/// Backward scatter-adds: ∂L/∂table[v, :] = Σ_{i : ids[i] = v} g[i, :] (a repeated id collects
/// the gradient of every place it was used).
///
///     let x = try embedding(table, ids: [[1, 4, 2]].flatMap { $0 }, shape: [1, 3])   // [1, 3, d]
///
/// - Parameters:
///   - table: [V, d]
///   - ids: ids in 0..<V, row-major over `shape`.
///   - shape: the shape of the ids, e.g. [B, N].
/// - Returns: `shape` + [d], e.g. [B, N, d].
/// - Throws: `TensorError` when an id is out of range or the count does not fill `shape`.
public func embedding(_ table: Variable, ids: [Int], shape: [Int]) throws -> Variable {
    guard table.value.rank == 2 else {
        throw TensorError.shapeMismatch("embedding table must be [V, d], got \(table.shape)")
    }
    let (vocabulary, d) = (table.shape[0], table.shape[1])
    guard ids.count == shape.reduce(1, *) else {
        throw TensorError.shapeMismatch("embedding: \(ids.count) ids cannot fill shape \(shape)")
    }
    if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
        throw TensorError.invalidArgument("embedding: id \(bad) is outside 0..<\(vocabulary)")
    }
    let y = table.value.withUnsafeBufferPointer { t in
        Kernels.make(shape + [d]) { out, _ in
            for (i, id) in ids.enumerated() { (out + i * d).update(from: t.baseAddress! + id * d, count: d) }
        }
    }
    return Variable.result(y, parents: [table]) { g in
        table.accumulate(g.withUnsafeBufferPointer { g in
            Kernels.make([vocabulary, d]) { dTable, _ in
                for (i, id) in ids.enumerated() { Kernels.add(g.baseAddress! + i * d, into: dTable + id * d, count: d) }
            }
        })
    }
}

// MARK: - Dropout

/// Inverted dropout: each element is zeroed with probability p and the survivors are scaled by
/// 1/(1 − p), so the expected value is unchanged and evaluation needs no rescaling.
///
///     y = x ⊙ m / (1 − p),  m ~ Bernoulli(1 − p)        ∂L/∂x = g ⊙ m / (1 − p)
///
/// The identity when `GradientMode.isTraining` is false (inside `evaluating { }`) or p = 0.
/// The mask is drawn from `generator` in row-major order, so a seed fixes it.
///
/// - Parameters:
///   - x: any shape.
///   - probability: p in [0, 1).
public func dropout(_ x: Variable, probability: Float, generator: inout SeededGenerator) -> Variable {
    guard probability > 0, GradientMode.isTraining else { return x }
    let scale = 1 / (1 - probability)
    let mask = Kernels.make(x.shape) { m, count in
        for i in 0..<count { m[i] = generator.nextUniform() < probability ? 0 : scale }
    }
    return Variable.result(Kernels.zip(x.value, mask) { $0 * $1 }, parents: [x]) { g in
        x.accumulate(Kernels.zip(g, mask) { $0 * $1 })
    }
}
