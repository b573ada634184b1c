import Foundation

/// A tokenizer file that cannot be used: unreadable, not JSON, missing a key, or describing a pipeline
/// this library does not implement.
///
/// The description names the file, the JSON key path and what was expected, for example
/// `tokenizer.json: model.merges[12]: merge references unknown token "xq"`.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the tokenizer was read from (or `<memory>`).
    public let file: String
    /// The JSON key path of the problem, such as `model.merges[12]`; empty for file-level problems.
    public let key: String
    /// What is wrong and what was expected.
    public let message: String

    /// An error about `key` of `file`.
    public init(file: String, key: String, _ message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    /// `file: key: message`.
    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}

/// An error while decoding a tokenizer file, before the file name is known (added by the loader).
struct TokenizerConfigError: Error {
    let key: String
    let message: String
}

extension CodingKey {
    /// `model.merges[3]`-style rendering of a coding path element.
    var pathElement: String { intValue.map { "[\($0)]" } ?? stringValue }
}

extension Array where Element == any CodingKey {
    /// `model.merges[3]`-style rendering of a coding path.
    var keyPath: String {
        var out = ""
        for key in self {
            let element = key.pathElement
            if !out.isEmpty && !element.hasPrefix("[") { out += "." }
            out += element
        }
        return out
    }
}
