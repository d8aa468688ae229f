// Stochastic gradient descent with momentum.

import TensorCore

/// SGD with (heavy-ball) momentum and L2 weight decay, as PyTorch's `torch.optim.SGD`:
///
///     g ← ∇ + λ w
///     u ← μ u + g          (u = g at the first step)
///     w ← w − η u
///
/// With μ = 0 it is plain gradient descent.
public final class SGD: Optimizer {
    public let parameters: [Variable]
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    var velocity: [Tensor?]

    public init(parameters: [Variable], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocity = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        let (lr, mu, decay) = (learningRate, momentum, weightDecay)
        for (index, parameter) in parameters.enumerated() where parameter.grad != nil {
            if mu == 0 {
                parameter.update { w, g, n in for i in 0..<n { w[i] -= lr * (g[i] + decay * w[i]) } }
                continue
            }
            let first = velocity[index] == nil
            if first { velocity[index] = Tensor.zeros(parameter.shape) }
            velocity[index]!.withUnsafeMutableBufferPointer { u in
                parameter.update { w, g, n in
                    for i in 0..<n {
                        let gradient = g[i] + decay * w[i]
                        u[i] = first ? gradient : mu * u[i] + gradient
                        w[i] -= lr * u[i]
                    }
                }
            }
        }
    }
}
