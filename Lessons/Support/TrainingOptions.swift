// The checks on the training options that several lessons share (--steps, --d-model, --layers,
// --heads), so each range and its message are written once.

import ArgumentParser

/// Throws the one-line message of the first option outside its range; nil means not given.
func validateTrainingOptions(steps: Int?, dModel: Int? = nil, layers: Int? = nil, heads: Int? = nil) throws {
    if let steps, !(1...100_000).contains(steps) { throw ValidationError("--steps must be in 1...100000, not \(steps)") }
    if let dModel, !(8...512).contains(dModel) || dModel % 2 != 0 {
        throw ValidationError("--d-model must be an even number in 8...512, not \(dModel)")
    }
    if let layers, !(1...8).contains(layers) { throw ValidationError("--layers must be in 1...8, not \(layers)") }
    if let heads, !(1...16).contains(heads) { throw ValidationError("--heads must be in 1...16, not \(heads)") }
}
