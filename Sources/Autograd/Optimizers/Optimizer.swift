// What optimisers share: a list of parameters, a learning rate, a step; and gradient clipping.

import Foundation
import TensorCore

/// Updates parameters from their gradients.
///
///     let optimizer = Adam(parameters: model.parameters, learningRate: 3e-3)
///     model.zeroGradients()
///     try loss(model).backward()
///     clipGradientNorm(model.parameters, maxNorm: 1)
///     optimizer.step()
public protocol Optimizer: AnyObject {
    /// The parameters it updates, in a fixed order (its state lines up with it).
    var parameters: [Variable] { get }
    /// The step size; a schedule sets it before every step.
    var learningRate: Float { get set }
    /// One update from the current gradients (a parameter without a gradient is left alone).
    func step()
}

extension Optimizer {
    /// Clears the gradients of every parameter.
    public func zeroGradients() {
        for parameter in parameters { parameter.grad = nil }
    }
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`:
///
///     ‖g‖ = √(Σ_parameters Σ_i g_i²);   g ← g · maxNorm / ‖g‖   when ‖g‖ > maxNorm
///
/// The direction of the step is kept, only its length is capped: one bad batch cannot throw
/// the model far away.
///
/// - Returns: ‖g‖ before clipping (worth logging: spikes announce trouble).
@discardableResult
public func clipGradientNorm(_ parameters: [Variable], maxNorm: Float) -> Float {
    Profiler.measure(.optimizer) { clipNorm(parameters, maxNorm: maxNorm) }
}

func clipNorm(_ parameters: [Variable], maxNorm: Float) -> Float {
    var total = 0.0
    for parameter in parameters {
        parameter.grad?.withUnsafeBufferPointer { g in
            for value in g { total += Double(value) * Double(value) }
        }
    }
    let norm = Float(total.squareRoot())
    if norm > maxNorm, norm.isFinite {
        let scale = maxNorm / norm
        for parameter in parameters where parameter.grad != nil {
            parameter.grad!.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= scale }
            }
        }
    }
    return norm
}

extension Variable {
    /// Runs `body(value, grad, count)` with the parameter's value (writable) and its gradient.
    @inline(__always)
    func update(_ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void) {
        guard let grad else { return }
        grad.withUnsafeBufferPointer { g in
            value.withUnsafeMutableBufferPointer { w in body(w.baseAddress!, g.baseAddress!, w.count) }
        }
    }
}
