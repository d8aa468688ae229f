// Changing how the elements are seen: reshape, transpose, slices and concatenation.

extension Tensor {
    /// The same elements seen with another shape; one extent may be −1 and is then inferred.
    ///
    ///     try x.reshaped([2, -1])    // [2, 6] for a 12-element x
    ///
    /// - Throws: `TensorError.shapeMismatch` when the element counts differ.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var resolved = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        guard unknown.count <= 1, !newShape.contains(where: { $0 < -1 }) else {
            throw TensorError.invalidArgument("cannot reshape to \(newShape): at most one -1 and no other negative extent")
        }
        if let axis = unknown.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch("cannot reshape \(shape) (\(count) elements) to \(newShape)")
            }
            resolved[axis] = count / known
        }
        try Tensor.validate(resolved)
        guard resolved.reduce(1, *) == count else {
            throw TensorError.shapeMismatch("cannot reshape \(shape) (\(count) elements) to \(newShape)")
        }
        return Tensor(shape: resolved, storage: storage)
    }

    /// The transpose of the last two axes: [..., m, n] → [..., n, m]. A rank-0 or rank-1 tensor
    /// is returned unchanged (as NumPy's `.T` does for a vector).
    public func transposed() -> Tensor {
        guard rank >= 2 else { return self }
        let m = shape[rank - 2], n = shape[rank - 1]
        var outShape = shape
        outShape.swapAt(rank - 2, rank - 1)
        let result = Tensor.zeros(outShape)
        let batches = m * n == 0 ? 0 : count / (m * n)
        // Blocked in 32 × 32 tiles so that both the reads and the writes stay in cache.
        let tile = 32
        for batch in 0..<batches {
            let x = storage.pointer + batch * m * n, y = result.storage.pointer + batch * m * n
            for i0 in stride(from: 0, to: m, by: tile) {
                for j0 in stride(from: 0, to: n, by: tile) {
                    for i in i0..<Swift.min(i0 + tile, m) {
                        for j in j0..<Swift.min(j0 + tile, n) { y[j * m + i] = x[i * n + j] }
                    }
                }
            }
        }
        return result
    }

    /// Rows `range` of the first axis: [N, ...] → [range.count, ...].
    /// - Throws: `TensorError.invalidArgument` when the range is outside 0..<N.
    public func rows(_ range: Range<Int>) throws -> Tensor {
        try slice(axis: 0, range)
    }

    /// Row `index` of the first axis: [N, ...] → [...].
    public func row(_ index: Int) throws -> Tensor {
        let picked = try rows(index..<(index + 1))
        return Tensor(shape: Array(shape.dropFirst()), storage: picked.storage)
    }

    /// The elements whose index along `axis` lies in `range`; the axis keeps its place.
    ///
    ///     try x.slice(axis: -1, 0..<4)   // the first four columns of every row
    public func slice(axis: Int, _ range: Range<Int>) throws -> Tensor {
        let axis = try normalize(axis: axis)
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            throw TensorError.invalidArgument("range \(range) is outside 0..<\(shape[axis]) on axis \(axis) of \(shape)")
        }
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = range.count
        let result = Tensor.zeros(outShape)
        for o in 0..<outer {
            (result.storage.pointer + o * range.count * inner).update(
                from: storage.pointer + (o * n + range.lowerBound) * inner, count: range.count * inner)
        }
        return result
    }

    /// Joins tensors along `axis`; all other extents must agree.
    ///
    ///     try Tensor.concatenate([a, b], axis: 0)   // [Na + Nb, d]
    public static func concatenate(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument("concatenate needs at least one tensor")
        }
        let axis = try first.normalize(axis: axis)
        for t in tensors where t.rank != first.rank
            || zip(t.shape, first.shape).enumerated().contains(where: { $0.offset != axis && $0.element.0 != $0.element.1 }) {
            throw TensorError.shapeMismatch("cannot concatenate \(t.shape) with \(first.shape) along axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *), inner = first.shape[(axis + 1)...].reduce(1, *)
        var outShape = first.shape
        outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let result = Tensor.zeros(outShape)
        let total = outShape[axis]
        for o in 0..<outer {
            var offset = 0
            for t in tensors {
                let n = t.shape[axis]
                (result.storage.pointer + (o * total + offset) * inner).update(
                    from: t.storage.pointer + o * n * inner, count: n * inner)
                offset += n
            }
        }
        return result
    }
}
