/// A decoder of a `tokenizer.json` (`"decoder"`): turns tokens back into text.
indirect enum TokenDecoder: Decodable, Sendable {
    /// Maps each byte-level scalar back to its byte and reads the bytes as UTF-8 (invalid sequences become
    /// U+FFFD); a token with a scalar outside the byte table (an added token) contributes its own UTF-8.
    case byteLevel
    /// Joins WordPiece pieces: `##`-prefixed pieces attach to the previous one, others get a space; with
    /// `cleanup`, spaces before punctuation and in English contractions are removed per token.
    case wordPiece(prefix: String, cleanup: Bool)
    /// Replaces the end-of-word suffix with a space (none after the last token).
    case bpe(suffix: String)
    /// Joins all tokens into one.
    case fuse
    case sequence([TokenDecoder])

    static let supported = ["ByteLevel", "WordPiece", "BPEDecoder", "Fuse", "Sequence"]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type: String = try c.need("type")
        switch type {
        case "ByteLevel": self = .byteLevel
        case "WordPiece": self = .wordPiece(prefix: try c.get("prefix", default: "##"), cleanup: try c.get("cleanup", default: true))
        case "BPEDecoder": self = .bpe(suffix: try c.get("suffix", default: "</w>"))
        case "Fuse": self = .fuse
        case "Sequence": self = .sequence(try c.need("decoders"))
        default: throw c.unsupported("decoder type", type, supported: Self.supported)
        }
    }

    /// The text of `tokens`.
    func decode(_ tokens: [String]) -> String { decodeChain(tokens).joined() }

    private func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                let start = bytes.count
                var mapped = true
                for scalar in token.unicodeScalars {
                    guard let byte = ByteLevel.byteOfScalar[scalar] else { mapped = false; break }
                    bytes.append(byte)
                }
                if !mapped {
                    bytes.removeSubrange(start...)
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { i, token in
                var piece = token
                if i > 0 { piece = token.droppingScalarPrefix(prefix) ?? " " + token }
                return cleanup ? Self.cleanUp(piece) : piece
            }
        case .bpe(let suffix):
            return tokens.enumerated().map { i, token in
                token.replacingAll(suffix, with: i == tokens.count - 1 ? "" : " ")
            }
        case .fuse:
            return [tokens.joined()]
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        }
    }

    /// BERT's clean-up of tokenization spaces.
    private static func cleanUp(_ text: String) -> String {
        guard text.unicodeScalars.contains(" ") else { return text }
        let rules: [(String, String)] = [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
            (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ]
        return rules.reduce(text) { $0.replacingAll($1.0, with: $1.1) }
    }
}

extension String {
    /// The string without `prefix`, compared by Unicode scalars (a `##` followed by a combining mark is
    /// not a `##` grapheme, but still the prefix); nil if it does not start with `prefix`.
    func droppingScalarPrefix(_ prefix: String) -> String? {
        let scalars = unicodeScalars, prefixScalars = prefix.unicodeScalars
        guard scalars.starts(with: prefixScalars) else { return nil }
        return String(scalars.dropFirst(prefixScalars.count))
    }

    /// Every non-overlapping occurrence of `target`, from the left, replaced (compared by Unicode scalars,
    /// as Rust's `str::replace` compares bytes).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.unicodeScalars)
        guard !needle.isEmpty else { return self }
        let text = Array(unicodeScalars)
        guard text.count >= needle.count else { return self }
        var out = String.UnicodeScalarView()
        var i = 0
        var changed = false
        while i < text.count {
            if i + needle.count <= text.count && text[i] == needle[0] && text[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: replacement.unicodeScalars)
                i += needle.count
                changed = true
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return changed ? String(out) : self
    }
}
