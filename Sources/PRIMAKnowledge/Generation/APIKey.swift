/// An API key held in memory only: every textual form of it (`description`, `debugDescription`, `dump`,
/// string interpolation) prints `<redacted>`, so logging a generator or its configuration cannot leak it.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key itself; read only where the `Authorization` header is built.
    let value: String

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// `text` with every occurrence of the key replaced by `<redacted>` (servers may echo it in error messages).
    func redact(_ text: String) -> String {
        value.isEmpty ? text : text.replacingOccurrences(of: value, with: "<redacted>")
    }
}
