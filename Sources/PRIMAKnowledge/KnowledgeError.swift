/// A problem with stage-1 settings or state that is not tied to a line of a file (those are `DataError`s):
/// unusable options, an index that does not match its embedder, a corpus with nothing approved.
public struct KnowledgeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What went wrong, naming the file or option concerned.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
