// Elementwise arithmetic, with NumPy's broadcasting rules.
//
// Broadcasting: shapes are aligned at their last axes; two extents agree when they are equal or
// one of them is 1, which is then repeated. [N, d] + [d] adds a row vector to every row;
// [B, N, d] * [B, N, 1] scales every row by its own number.

// MARK: - Tensor ⊕ Tensor

extension Tensor {
    /// Elementwise sum with broadcasting. - Throws: `TensorError.shapeMismatch`.
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        try lhs.zipWith(rhs, "+") { $0 + $1 }
    }
    /// Elementwise difference with broadcasting. - Throws: `TensorError.shapeMismatch`.
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        try lhs.zipWith(rhs, "-") { $0 - $1 }
    }
    /// Elementwise (Hadamard) product with broadcasting. - Throws: `TensorError.shapeMismatch`.
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        try lhs.zipWith(rhs, "*") { $0 * $1 }
    }
    /// Elementwise quotient with broadcasting. - Throws: `TensorError.shapeMismatch`.
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        try lhs.zipWith(rhs, "/") { $0 / $1 }
    }

    /// The four arithmetic operators, for `sameShape`.
    @usableFromInline
    enum SameShapeOperation: String { case add = "+", subtract = "-", multiply = "*", divide = "/" }

    /// `self ⊕ other` for two tensors of one shape: the common case in a training step (residual
    /// sums, gradients times derivatives). Every element is written, so there is no zero-fill
    /// first, and large tensors go in chunks over the cores.
    ///
    /// NOTE: one loop per operator, switched outside the loop. Written once with the operator
    /// passed in as a closure and captured by the chunk's closure, the split ran slower than the
    /// old single loop on one core.
    @usableFromInline
    func sameShape(_ other: Tensor, _ operation: SameShapeOperation) -> Tensor {
        let a = storage.pointer, b = other.storage.pointer
        return Tensor(unsafeUninitializedShape: shape) { c in
            guard let c = c.baseAddress else { return }
            Parallel.forEachRange(count, minimum: 1 << 15) { range in
                switch operation {
                case .add: for i in range { c[i] = a[i] + b[i] }
                case .subtract: for i in range { c[i] = a[i] - b[i] }
                case .multiply: for i in range { c[i] = a[i] * b[i] }
                case .divide: for i in range { c[i] = a[i] / b[i] }
                }
            }
        }
    }

    /// The shape two shapes broadcast to.
    ///
    ///     try Tensor.broadcastShape([4, 1, 3], [2, 3])   // [4, 2, 3]
    public static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
            let y = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw TensorError.shapeMismatch("cannot broadcast \(a) with \(b)")
            }
            result[axis] = x == 1 ? y : x
        }
        return result
    }

    /// `op(self[i], other[i])` for every element of the broadcast shape.
    ///
    /// Fast paths for the common cases (same shape; a scalar; a suffix such as a row vector),
    /// a strided walk for the rest.
    @inlinable @inline(__always)
    func zipWith(_ other: Tensor, _ name: String, _ op: (Float, Float) -> Float) throws -> Tensor {
        if shape == other.shape, let operation = SameShapeOperation(rawValue: name) {
            return sameShape(other, operation)
        }
        let outShape = try Tensor.broadcastShape(shape, other.shape)
        let result = Tensor.zeros(outShape)
        let a = storage.pointer, b = other.storage.pointer, c = result.storage.pointer
        let total = result.count
        if other.count == count, outShape == shape || outShape == other.shape, count == total {
            // Same elements, only extra leading ones: [1, n] with [n].
            for i in 0..<total { c[i] = op(a[i], b[i]) }
        } else if shape == outShape, Tensor.isSuffix(other.shape, of: outShape) {
            // other repeats every other.count elements (a row vector, or a scalar).
            let period = other.count
            if period == 1 {
                let s = b[0]
                for i in 0..<total { c[i] = op(a[i], s) }
            } else {
                for start in stride(from: 0, to: total, by: period) {
                    for j in 0..<period { c[start + j] = op(a[start + j], b[j]) }
                }
            }
        } else if other.shape == outShape, Tensor.isSuffix(shape, of: outShape) {
            let period = count
            if period == 1 {
                let s = a[0]
                for i in 0..<total { c[i] = op(s, b[i]) }
            } else {
                for start in stride(from: 0, to: total, by: period) {
                    for j in 0..<period { c[start + j] = op(a[j], b[start + j]) }
                }
            }
        } else {
            let aStrides = Tensor.broadcastStrides(shape, to: outShape)
            let bStrides = Tensor.broadcastStrides(other.shape, to: outShape)
            var index = [Int](repeating: 0, count: outShape.count)
            var aOffset = 0, bOffset = 0
            for i in 0..<total {
                c[i] = op(a[aOffset], b[bOffset])
                // Advance the multi-index like an odometer, updating both offsets.
                var axis = outShape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    aOffset += aStrides[axis]
                    bOffset += bStrides[axis]
                    if index[axis] < outShape[axis] { break }
                    aOffset -= aStrides[axis] * outShape[axis]
                    bOffset -= bStrides[axis] * outShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return result
    }

    /// Whether `shape`, without its leading ones, ends `target`: then it repeats with a period
    /// of its own element count when laid over `target` in row-major order.
    @usableFromInline
    static func isSuffix(_ shape: [Int], of target: [Int]) -> Bool {
        let trimmed = shape.drop(while: { $0 == 1 })
        return target.suffix(trimmed.count).elementsEqual(trimmed)
    }

    /// Row-major strides of `shape` seen as `target`: 0 along broadcast (repeated) axes.
    @usableFromInline
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for axis in (0..<shape.count).reversed() {
            let outAxis = axis + target.count - shape.count
            strides[outAxis] = shape[axis] == 1 ? 0 : step
            step *= shape[axis]
        }
        return strides
    }
}

// MARK: - Tensor ⊕ scalar

extension Tensor {
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs + $0 } }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs / $0 } }
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// A tensor of the same shape with `transform` applied to every element.
    ///
    ///     let halved = x.map { $0 / 2 }
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        let result = Tensor.zeros(shape)
        let a = storage.pointer, c = result.storage.pointer
        for i in 0..<count { c[i] = transform(a[i]) }
        return result
    }
}
