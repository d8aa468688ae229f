// The reverse-mode engine: a variable remembers how it was computed, and `backward()` walks that
// record from the loss back to the parameters, applying the chain rule once per node.
//
// Like micrograd, every op builds its result with `Variable.result(value, parents, backward:)`,
// writing the backward rule as a closure right beside the forward maths. The closure receives
// ∂loss/∂output and adds ∂loss/∂input into each parent's `grad`.

import TensorCore
import _Support

/// A tensor that takes part in differentiation: its value, its gradient, and how it was made.
///
///     let w = Variable(Tensor.ones([2, 2]), requiresGrad: true)
///     let loss = try (w * w).sum()
///     loss.backward()
///     w.grad   // 2w
///
/// Leaves are the variables you create (parameters, inputs); every op result is an inner node.
/// After `backward()`, leaves that require gradients hold ∂loss/∂leaf in `grad`; inner nodes
/// drop theirs as soon as they have passed it on, to keep memory low.
public final class Variable {
    /// The forward value.
    public var value: Tensor
    /// ∂loss/∂value after `backward()`, shaped like `value`; `nil` before (or when unused).
    public var grad: Tensor?
    /// Whether gradients flow into this variable: true for trainable leaves, and for op results
    /// that depend on one (while recording).
    public let requiresGrad: Bool
    /// The inputs this variable was computed from (empty for leaves and constants).
    let parents: [Variable]
    /// Adds ∂loss/∂parent into each parent's `grad`, given ∂loss/∂self.
    let backwardRule: ((Tensor) -> Void)?

    /// A leaf: a parameter (`requiresGrad: true`) or a constant input.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        parents = []
        backwardRule = nil
    }

    init(value: Tensor, parents: [Variable], backwardRule: @escaping (Tensor) -> Void) {
        self.value = value
        requiresGrad = true
        self.parents = parents
        self.backwardRule = backwardRule
    }

    /// The result of an op. The graph is recorded only while `GradientMode.isRecording` and only
    /// when some parent needs a gradient; otherwise the result is a plain constant (no tape cost).
    static func result(
        _ value: Tensor, parents: [Variable], backward: @escaping (Tensor) -> Void
    ) -> Variable {
        guard GradientMode.isRecording, parents.contains(where: { $0.requiresGrad }) else {
            return Variable(value)
        }
        return Variable(value: value, parents: parents, backwardRule: backward)
    }

    /// The shape of `value`.
    public var shape: [Int] { value.shape }

    /// Adds `gradient` into `grad` (gradients from several uses of a variable add up).
    func accumulate(_ gradient: Tensor) {
        guard requiresGrad else { return }
        ensure(gradient.shape == value.shape,
               "gradient \(gradient.shape) does not match value \(value.shape)")
        guard grad != nil else {
            grad = gradient
            return
        }
        Profiler.measure(.elementwise) {
            gradient.withUnsafeBufferPointer { source in
                grad!.withUnsafeMutableBufferPointer { target in
                    Parallel.forEachRange(target.count, minimum: 1 << 15) { range in
                        Kernels.add(source.baseAddress! + range.lowerBound, into: target.baseAddress! + range.lowerBound,
                                    count: range.count)
                    }
                }
            }
        }
    }

    // MARK: - Backward

    /// Back-propagates from this variable: sets ∂self/∂leaf into the `grad` of every leaf that
    /// requires gradients, adding to what is already there (call `zeroGradients` between steps).
    ///
    /// - Parameter seed: ∂loss/∂self; `nil` means ones (the usual case: self is a scalar loss).
    public func backward(seed: Tensor? = nil) {
        let order = Profiler.measure(.topologicalSort) { topologicalOrder() }
        accumulate(seed ?? Tensor.ones(value.shape))
        for node in order.reversed() {
            guard let rule = node.backwardRule, let gradient = node.grad else { continue }
            rule(gradient)
            node.grad = nil   // an inner node's gradient is used up
        }
    }

    /// Every node this variable depends on, each after all of its parents (iterative DFS, so a
    /// long chain such as an RNN unrolled over many steps cannot overflow the stack).
    func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Variable, nextParent: Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, next) = stack.last {
            if next < node.parents.count {
                stack[stack.count - 1].nextParent += 1
                let parent = node.parents[next]
                if parent.requiresGrad, visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
        return order
    }
}

extension Variable: CustomStringConvertible {
    public var description: String {
        "Variable(\(requiresGrad ? "requiresGrad, " : "")\(value))"
    }
}

// MARK: - Gradient mode

/// Whether ops record the graph, and whether layers behave as in training (dropout on).
///
///     let logits = try evaluating { try model(tokens) }   // no tape, no dropout
public enum GradientMode {
    /// While false, op results are constants: no graph is kept and `backward()` has nothing to do.
    @TaskLocal public static var isRecording = true
    /// While false, dropout is the identity (evaluation mode).
    @TaskLocal public static var isTraining = true
}

/// Runs `body` without recording the graph (dropout stays as it is): cheaper forward passes.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isRecording.withValue(false) { try body() }
}

/// Runs `body` in evaluation mode: no graph, and dropout is the identity.
public func evaluating<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isTraining.withValue(false) { try noGrad(body) }
}
