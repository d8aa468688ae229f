// Deterministic inputs shared by the TensorCore tests. References/derive_references.py builds the
// same arrays with the same formulas, so the reference values it prints belong to these inputs.

import TensorCore

/// A tensor of `shape` whose element at flat index i is ((i · multiplier + offset) mod 23 − 11) / 4:
/// multiples of ¼ in [−2.75, 2.75], irregular enough to catch index mistakes, and exact in Float32,
/// so that sums and products of a few of them are exact too.
func exactInputs(_ shape: [Int], multiplier: Int = 7, offset: Int = 3) -> Tensor {
    Tensor(shape: shape) { i in Float((i * multiplier + offset) % 23 - 11) / 4 }
}

/// Like `exactInputs` but strictly positive: ((i · multiplier + offset) mod 11 + 1) / 4, in [0.25, 2.75].
/// For divisors, scales and standard deviations.
func positiveInputs(_ shape: [Int], multiplier: Int = 5, offset: Int = 2) -> Tensor {
    Tensor(shape: shape) { i in Float((i * multiplier + offset) % 11 + 1) / 4 }
}
