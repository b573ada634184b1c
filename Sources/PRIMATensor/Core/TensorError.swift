/// Errors for input that comes from outside the library (files, options, checkpoints).
public enum TensorError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case shapeMismatch(String)
    case io(String)

    /// A readable message naming the kind of error.
    public var description: String {
        switch self {
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .io(let m): return "I/O error: \(m)"
        }
    }
}
