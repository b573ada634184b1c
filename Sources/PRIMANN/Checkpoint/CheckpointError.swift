import Foundation

/// A checkpoint that cannot be written or read back, with the file it concerns and what is wrong.
public struct CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint file.
    public let path: String
    /// What is wrong.
    public let message: String

    /// An error about the checkpoint at `path`.
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    /// The path and the problem, for logs and error messages.
    public var description: String { "checkpoint \(path): \(message)" }
}
