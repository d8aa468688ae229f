// Adam and AdamW: per-parameter step sizes from running moments of the gradient.

import _Support
import Foundation
import TensorCore

/// Adam (Kingma & Ba, 2015), and AdamW (Loshchilov & Hutter, 2019) with `decoupledWeightDecay`:
///
///     g ← ∇ (+ λ w for Adam's L2 decay)
///     m ← β₁ m + (1 − β₁) g               first moment (momentum)
///     v ← β₂ v + (1 − β₂) g²              second moment
///     m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   bias correction for the zero start
///     w ← w − η (m̂ / (√v̂ + ε) (+ λ w for AdamW))
///
/// AdamW decays the weights directly instead of through the gradient, so the decay is not
/// rescaled by √v̂; it is the usual choice for transformers.
public class Adam: Optimizer {
    public let parameters: [Variable]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public let weightDecay: Float
    /// true: AdamW (decoupled decay); false: L2 decay added to the gradient.
    public let decoupledWeightDecay: Bool
    /// Steps taken so far (t).
    public private(set) var stepCount = 0
    var firstMoments: [Tensor], secondMoments: [Tensor]

    public init(parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoments = parameters.map { Tensor.zeros($0.shape) }
        secondMoments = parameters.map { Tensor.zeros($0.shape) }
    }

    public func step() {
        Profiler.measure(.optimizer) { update() }
    }

    func update() {
        stepCount += 1
        let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
        let correction1 = 1 - Float(Foundation.pow(Double(b1), Double(stepCount)))
        let correction2 = 1 - Float(Foundation.pow(Double(b2), Double(stepCount)))
        let l2 = decoupledWeightDecay ? 0 : weightDecay, decay = decoupledWeightDecay ? weightDecay : 0
        for (index, parameter) in parameters.enumerated() where parameter.grad != nil {
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    parameter.update { w, g, n in
                        // Sixteen lanes at a time; each lane does exactly the scalar arithmetic.
                        var i = 0
                        while i < n {
                            let lanes = Swift.min(16, n - i)
                            let wi = loadSIMD16(w + i, lanes: lanes)
                            let gradient = loadSIMD16(g + i, lanes: lanes) + l2 * wi
                            let mi = b1 * loadSIMD16(m.baseAddress! + i, lanes: lanes) + (1 - b1) * gradient
                            let vi = b2 * loadSIMD16(v.baseAddress! + i, lanes: lanes) + (1 - b2) * gradient * gradient
                            let mHat = mi / correction1, vHat = vi / correction2
                            storeSIMD16(mi, m.baseAddress! + i, lanes: lanes)
                            storeSIMD16(vi, v.baseAddress! + i, lanes: lanes)
                            storeSIMD16(wi - lr * (mHat / (squareRoot16(vHat) + eps) + decay * wi), w + i, lanes: lanes)
                            i += 16
                        }
                    }
                }
            }
        }
    }
}

/// AdamW: Adam with decoupled weight decay (default λ = 0.01, as PyTorch).
public final class AdamW: Adam {
    public init(parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                   epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}
