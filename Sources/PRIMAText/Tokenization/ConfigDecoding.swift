import Foundation

/// A JSON key known only at run time.
struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}

extension KeyedDecodingContainer where Key == JSONKey {
    /// The required value under `key`.
    func need<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        try decode(T.self, forKey: JSONKey(key))
    }

    /// The value under `key`, or `fallback` if the key is absent or null.
    func get<T: Decodable>(_ key: String, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: JSONKey(key)) ?? fallback
    }

    /// The value under `key`, or nil if the key is absent or null.
    func optional<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try decodeIfPresent(T.self, forKey: JSONKey(key))
    }

    /// An error about `key` that names the component and what is supported.
    func unsupported(_ what: String, _ value: String, supported: [String], key: String = "type") -> DecodingError {
        DecodingError.dataCorruptedError(
            forKey: JSONKey(key), in: self,
            debugDescription: "unsupported \(what) \"\(value)\" (supported: \(supported.joined(separator: ", ")))")
    }

    /// An error about the value under `key`.
    func invalid(_ key: String, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: JSONKey(key), in: self, debugDescription: message)
    }
}

/// `{"String": "..."}` or `{"Regex": "..."}`: the pattern of a Split pre-tokenizer or a Replace normalizer.
enum PatternConfig: Decodable, Sendable, Equatable {
    case string(String)
    case regex(String)

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        if let s: String = try c.optional("String") { self = .string(s) }
        else if let r: String = try c.optional("Regex") { self = .regex(r) }
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                   debugDescription: "expected {\"String\": …} or {\"Regex\": …}"))
        }
    }
}

extension Array where Element == Unicode.Scalar {
    /// The scalars as a `String`.
    var string: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: self)
        return String(view)
    }

    /// True if every scalar is ASCII (which every normalization form leaves unchanged).
    var isASCII: Bool {
        for s in self where s.value >= 128 { return false }
        return true
    }
}
