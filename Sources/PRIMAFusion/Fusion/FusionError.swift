/// Stage 3 refused an input or a setting: the message names the component, the shapes or the key involved.
public struct FusionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The component that refused (`fusion classifier`, `prompt builder`, `fusion trainer`, …).
    public let source: String
    /// What was wrong, with the shapes, indices or keys involved.
    public let message: String

    /// An error of `source` saying `message`.
    public init(_ source: String, _ message: String) {
        self.source = source
        self.message = message
    }

    /// `source: message`.
    public var description: String { "\(source): \(message)" }
}
