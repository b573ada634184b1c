/// One entry of `"added_tokens"`: a token matched in the raw (or normalized) text before the model runs.
public struct AddedToken: Decodable, Sendable, Equatable {
    /// The token's id.
    public let id: Int
    /// The exact text matched.
    public let content: String
    /// Matched only when not inside a word.
    public let singleWord: Bool
    /// Whitespace before the token is absorbed into it.
    public let lstrip: Bool
    /// Whitespace after the token is absorbed into it.
    public let rstrip: Bool
    /// Matched in the normalized text (true) or in the raw text before normalization (false).
    public let normalized: Bool
    /// A special token: dropped by `decode(_:skipSpecialTokens: true)`.
    public let special: Bool

    enum CodingKeys: String, CodingKey {
        case id, content, singleWord = "single_word", lstrip, rstrip, normalized, special
    }

    /// Reads an entry of `added_tokens`; `normalized` defaults to `!special`, as in the library.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        content = try c.decode(String.self, forKey: .content)
        special = try c.decodeIfPresent(Bool.self, forKey: .special) ?? false
        singleWord = try c.decodeIfPresent(Bool.self, forKey: .singleWord) ?? false
        lstrip = try c.decodeIfPresent(Bool.self, forKey: .lstrip) ?? false
        rstrip = try c.decodeIfPresent(Bool.self, forKey: .rstrip) ?? false
        normalized = try c.decodeIfPresent(Bool.self, forKey: .normalized) ?? !special
        if content.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .content, in: c, debugDescription: "an added token cannot be empty")
        }
    }
}

/// A piece of text after splitting out added tokens: an added token (its id and the text it matched,
/// whitespace absorbed by lstrip/rstrip included) or text for the pipeline.
enum TextSegment {
    case token(Int, matched: ArraySlice<Unicode.Scalar>)
    case text(ArraySlice<Unicode.Scalar>)
}

/// Finds added tokens in text, leftmost first and longest among those starting at the same place (the
/// library's Aho-Corasick `LeftmostLongest`), honouring `single_word`, `lstrip` and `rstrip`.
struct AddedTokenMatcher: Sendable {
    private struct Candidate: Sendable {
        let scalars: [Unicode.Scalar]
        let token: AddedToken
    }

    /// Candidates by first scalar, longest first.
    private let candidates: [Unicode.Scalar: [Candidate]]

    /// A matcher for `tokens`, whose contents are first passed through `transform` (the normalizer, for
    /// tokens matched in normalized text).
    init(_ tokens: [AddedToken], transform: ([Unicode.Scalar]) -> [Unicode.Scalar] = { $0 }) {
        var table: [Unicode.Scalar: [Candidate]] = [:]
        for token in tokens {
            let scalars = transform(Array(token.content.unicodeScalars))
            guard let first = scalars.first else { continue }
            table[first, default: []].append(Candidate(scalars: scalars, token: token))
        }
        for key in table.keys { table[key]!.sort { $0.scalars.count > $1.scalars.count } }
        candidates = table
    }

    var isEmpty: Bool { candidates.isEmpty }

    /// Splits `text` into added tokens and the text between them (empty text is left out).
    func split(_ text: ArraySlice<Unicode.Scalar>, into segments: inout [TextSegment]) {
        if candidates.isEmpty {
            if !text.isEmpty { segments.append(.text(text)) }
            return
        }
        var pending = text.startIndex  // start of the text not yet emitted
        var i = text.startIndex
        while i < text.endIndex {
            guard let list = candidates[text[i]],
                  let match = list.first(where: { matches($0.scalars, in: text, at: i) }) else {
                i += 1
                continue
            }
            var start = i, stop = i + match.scalars.count
            let token = match.token
            if token.singleWord {
                let spaceBefore = start == text.startIndex || !UnicodeClasses.isAlphanumeric(text[start - 1])
                let spaceAfter = stop == text.endIndex || !UnicodeClasses.isAlphanumeric(text[stop])
                if !spaceBefore || !spaceAfter { i = stop; continue }
            }
            if token.lstrip {
                var s = start
                while s > pending && UnicodeClasses.isWhitespace(text[s - 1]) { s -= 1 }
                start = s
            }
            if token.rstrip {
                while stop < text.endIndex && UnicodeClasses.isWhitespace(text[stop]) { stop += 1 }
            }
            if pending < start { segments.append(.text(text[pending..<start])) }
            segments.append(.token(token.id, matched: text[start..<stop]))
            pending = stop
            i = stop
        }
        if pending < text.endIndex { segments.append(.text(text[pending...])) }
    }

    @inline(__always) private func matches(_ needle: [Unicode.Scalar], in text: ArraySlice<Unicode.Scalar>, at i: Int) -> Bool {
        guard text.endIndex - i >= needle.count else { return false }
        var k = 0
        while k < needle.count {
            if text[i + k] != needle[k] { return false }
            k += 1
        }
        return true
    }
}
