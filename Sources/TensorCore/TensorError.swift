// The errors TensorCore reports instead of trapping on paths a user's input can reach.

/// What went wrong in a tensor operation, in one line a user can act on.
public enum TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Two shapes that the operation needs to agree do not.
    case shapeMismatch(String)
    /// An argument is outside what the operation accepts (an axis, a size, a range).
    case invalidArgument(String)
    /// The operation would need more memory than the machine has.
    case tooLarge(String)
    /// A file could not be read, written or understood.
    case file(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let message): "shape mismatch: \(message)"
        case .invalidArgument(let message): "invalid argument: \(message)"
        case .tooLarge(let message): "too large: \(message)"
        case .file(let message): message
        }
    }
}
