// What every layer has in common: named parameters, in a fixed order, for optimisers and
// checkpoints.

import TensorCore

/// A named parameter: its dotted path in the model and the variable holding it.
public typealias NamedParameter = (name: String, variable: Variable)

/// A layer or model: something with trainable parameters.
///
/// Names are dotted paths, as in PyTorch's `state_dict`, so a checkpoint reads like the model:
///
///     encoder.layers.0.attention.wq.weight   [d, d]
///
/// The order is fixed by the code (the order a layer lists its children), never by a dictionary,
/// so optimiser state and checkpoints line up run after run.
public protocol Module: AnyObject {
    /// Every trainable parameter with its dotted name, in a stable order.
    var namedParameters: [NamedParameter] { get }
}

extension Module {
    /// The parameters without their names, in the same order.
    public var parameters: [Variable] { namedParameters.map { $0.variable } }

    /// The number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.variable.value.count } }

    /// Clears every parameter's gradient (call before each backward pass).
    public func zeroGradients() {
        for (_, variable) in namedParameters { variable.grad = nil }
    }
}

/// The parameters of `child`, their names prefixed with `prefix` and a dot.
public func scoped(_ prefix: String, _ child: (some Module)?) -> [NamedParameter] {
    guard let child else { return [] }
    return child.namedParameters.map { (prefix + "." + $0.name, $0.variable) }
}

/// The parameters of a list of children, named `prefix.0.…`, `prefix.1.…`.
public func scoped(_ prefix: String, _ children: [some Module]) -> [NamedParameter] {
    children.enumerated().flatMap { scoped("\(prefix).\($0.offset)", $0.element) }
}

extension Variable {
    /// A trainable leaf holding `value`.
    public static func parameter(_ value: Tensor) -> Variable { Variable(value, requiresGrad: true) }
}
