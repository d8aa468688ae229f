// Differentiable elementwise arithmetic, with NumPy broadcasting (see Tensor+Arithmetic.swift).
//
// Broadcasting repeats a value along some axes; its gradient is therefore the sum of the
// output gradient over those axes (`Kernels.sum(_:toShape:)`), e.g. a bias [d] added to every
// row of [N, d] gets the column sums of ∂L/∂y.

import TensorCore

// MARK: - Variable ⊕ Variable

extension Variable {
    /// a + b with broadcasting.  ∂/∂a = g, ∂/∂b = g (each summed back to its own shape).
    /// - Throws: `TensorError.shapeMismatch` when the shapes do not broadcast.
    public static func + (a: Variable, b: Variable) throws -> Variable {
        let y = try Profiler.measure(.elementwise) { try a.value + b.value }
        return result(y, parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(Kernels.sum(g, toShape: a.shape)) }
            if b.requiresGrad { b.accumulate(Kernels.sum(g, toShape: b.shape)) }
        }
    }

    /// a − b with broadcasting.  ∂/∂a = g, ∂/∂b = −g.
    public static func - (a: Variable, b: Variable) throws -> Variable {
        let y = try Profiler.measure(.elementwise) { try a.value - b.value }
        return result(y, parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(Kernels.sum(g, toShape: a.shape)) }
            if b.requiresGrad { b.accumulate(Kernels.sum(Kernels.map(g) { -$0 }, toShape: b.shape)) }
        }
    }

    /// a ⊙ b with broadcasting.  ∂/∂a = g ⊙ b, ∂/∂b = g ⊙ a.
    public static func * (a: Variable, b: Variable) throws -> Variable {
        let y = try Profiler.measure(.elementwise) { try a.value * b.value }
        return result(y, parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(Kernels.sum(Profiler.measure(.elementwise) { try! g * b.value }, toShape: a.shape)) }
            if b.requiresGrad { b.accumulate(Kernels.sum(Profiler.measure(.elementwise) { try! g * a.value }, toShape: b.shape)) }
        }
    }

    /// a / b with broadcasting.  ∂/∂a = g / b, ∂/∂b = −g ⊙ a / b² = −g ⊙ y / b.
    public static func / (a: Variable, b: Variable) throws -> Variable {
        let y = try Profiler.measure(.elementwise) { try a.value / b.value }
        return result(y, parents: [a, b]) { g in
            let gOverB = Profiler.measure(.elementwise) { try! g / b.value }
            if a.requiresGrad { a.accumulate(Kernels.sum(gOverB, toShape: a.shape)) }
            if b.requiresGrad {
                b.accumulate(Kernels.sum(Kernels.zip(gOverB, y) { -$0 * $1 }, toShape: b.shape))
            }
        }
    }
}

// MARK: - Variable ⊕ scalar

extension Variable {
    /// x + c.  ∂/∂x = g.
    public static func + (x: Variable, c: Float) -> Variable {
        result(Profiler.measure(.elementwise) { x.value + c }, parents: [x]) { g in x.accumulate(g) }
    }
    /// c + x.
    public static func + (c: Float, x: Variable) -> Variable { x + c }
    /// x − c.
    public static func - (x: Variable, c: Float) -> Variable { x + (-c) }
    /// c − x.  ∂/∂x = −g.
    public static func - (c: Float, x: Variable) -> Variable {
        result(Profiler.measure(.elementwise) { c - x.value }, parents: [x]) { g in x.accumulate(Kernels.map(g) { -$0 }) }
    }
    /// x · c.  ∂/∂x = c·g.
    public static func * (x: Variable, c: Float) -> Variable {
        result(Profiler.measure(.elementwise) { x.value * c }, parents: [x]) { g in x.accumulate(Kernels.map(g) { $0 * c }) }
    }
    /// c · x.
    public static func * (c: Float, x: Variable) -> Variable { x * c }
    /// x / c.
    public static func / (x: Variable, c: Float) -> Variable { x * (1 / c) }
    /// −x.
    public static prefix func - (x: Variable) -> Variable { x * -1 }
}
