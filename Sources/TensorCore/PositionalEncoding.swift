// Sinusoidal positional encoding (Vaswani et al., 2017, section 3.5).
// P = positions, d = model width (even).

import Foundation

/// The fixed, sinusoidal positional encoding of "Attention Is All You Need":
///
///     PE(pos, 2i)     = sin(pos / 10000^(2i/d))
///     PE(pos, 2i + 1) = cos(pos / 10000^(2i/d))
///
/// Each pair of dimensions (2i, 2i+1) is a rotating clock of angular frequency
/// ωᵢ = 10000^(−2i/d) and wavelength 2π/ωᵢ, from 2π (i = 0) to nearly 10000·2π. Because
/// PE(pos + k) is PE(pos) rotated pair by pair through the angles k·ωᵢ, the dot product
/// PE(p)·PE(q) = Σᵢ cos((p − q)·ωᵢ) depends only on the distance p − q.
public enum PositionalEncoding {
    /// The encoding matrix, computed in Float64 and rounded once to Float32.
    ///
    /// - Parameters:
    ///   - positions: P, the number of positions (rows), 0 ..< P.
    ///   - dModel: d, the model width (columns); must be even and positive.
    /// - Returns: [P, d]
    /// - Throws: `TensorError.invalidArgument` for an odd or non-positive width or negative positions.
    public static func sinusoidal(positions: Int, dModel: Int) throws -> Tensor {
        guard dModel > 0, dModel % 2 == 0 else {
            throw TensorError.invalidArgument("d_model must be even and positive, not \(dModel)")
        }
        guard positions >= 0 else {
            throw TensorError.invalidArgument("positions must not be negative, not \(positions)")
        }
        let frequencies = angularFrequencies(dModel: dModel)
        return Tensor(shape: [positions, dModel]) { index in
            let position = Double(index / dModel), dimension = index % dModel
            let angle = position * frequencies[dimension / 2]
            return Float(dimension % 2 == 0 ? sin(angle) : cos(angle))
        }
    }

    /// ωᵢ = 10000^(−2i/d) for each pair i in 0 ..< d/2.
    public static func angularFrequencies(dModel: Int) -> [Double] {
        (0..<(dModel / 2)).map { i in pow(10_000, -2 * Double(i) / Double(dModel)) }
    }

    /// The wavelength 2π/ωᵢ of each pair, in positions: how far apart two positions are before
    /// that pair of dimensions repeats.
    public static func wavelengths(dModel: Int) -> [Double] {
        angularFrequencies(dModel: dModel).map { 2 * Double.pi / $0 }
    }
}
