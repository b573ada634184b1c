/// No parameter has the requested key; ``description`` names the key and the closest keys the module has.
public struct ParameterKeyError: Error, Equatable, CustomStringConvertible {
    /// The key that was asked for.
    public let key: String
    /// Keys of the module that end with the same name (`…q_proj.weight` for a mistyped prefix), at most five.
    public let similarKeys: [String]

    /// An error for `key` with the module's similar keys.
    public init(key: String, similarKeys: [String]) {
        self.key = key
        self.similarKeys = similarKeys
    }

    public var description: String {
        let hint = similarKeys.isEmpty ? "" : "; similar keys: " + similarKeys.joined(separator: ", ")
        return "no parameter with key \"\(key)\"\(hint)"
    }
}

extension Module {
    /// The parameter whose full key (the checkpoint key, as ``namedParameters()`` lists it) is `key`.
    ///
    /// ```swift
    /// let q = try model.parameter(forKey: "layer.0.attention.q_proj.weight")
    /// ```
    /// - Throws: ``ParameterKeyError`` naming the key and the similar keys the module has.
    public func parameter(forKey key: String) throws -> Parameter {
        let named = namedParameters()
        if let found = named.first(where: { $0.key == key }) { return found.parameter }
        // Suggest keys with the longest common dotted suffix, so a wrong prefix or layer index is easy to spot.
        let wanted = key.split(separator: ".")
        func sharedSuffix(_ other: String) -> Int {
            zip(wanted.reversed(), other.split(separator: ".").reversed()).prefix { $0 == $1 }.count
        }
        let scored = named.map { (key: $0.key, score: sharedSuffix($0.key)) }.filter { $0.score > 0 }
        let best = scored.map(\.score).max() ?? 0
        throw ParameterKeyError(key: key, similarKeys: Array(scored.filter { $0.score == best }.map(\.key).prefix(5)))
    }
}
