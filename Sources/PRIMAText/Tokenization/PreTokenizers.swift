/// How a Split pre-tokenizer treats the matches of its pattern (the library's `SplitDelimiterBehavior`).
enum SplitBehavior: String, Decodable, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
}

/// A pre-tokenizer of a `tokenizer.json` (`"pre_tokenizer"`): cuts normalized text into the words the
/// model tokenizes separately.
indirect enum PreTokenizer: Decodable, Sendable {
    /// BERT's: split on whitespace (dropped) and isolate each punctuation character.
    case bert
    /// Byte-level: optionally prefix a space and split with GPT-2's regex, then map every UTF-8 byte to
    /// its printable scalar (``ByteLevel``).
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    /// Split on a pattern.
    case split(SplitPattern, SplitBehavior, invert: Bool)
    /// Split on whitespace, dropping it.
    case whitespaceSplit
    case sequence([PreTokenizer])

    static let supported = ["BertPreTokenizer", "ByteLevel", "Split", "WhitespaceSplit", "Sequence"]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type: String = try c.need("type")
        switch type {
        case "BertPreTokenizer": self = .bert
        case "ByteLevel":
            self = .byteLevel(addPrefixSpace: try c.get("add_prefix_space", default: true),
                              useRegex: try c.get("use_regex", default: true))
        case "Split":
            let pattern: PatternConfig = try c.need("pattern")
            let scanner: SplitPattern
            switch pattern {
            case .string(let literal): scanner = .literal(Array(literal.unicodeScalars))
            case .regex(let regex):
                guard let known = SplitPattern(regex: regex) else {
                    throw c.invalid("pattern", "unsupported Split regex \(regex.debugDescription) "
                                    + "(supported: the GPT-2 and Qwen2/Qwen3 patterns)")
                }
                scanner = known
            }
            let behaviorName: String = try c.need("behavior")
            guard let behavior = SplitBehavior(rawValue: behaviorName) else {
                throw c.unsupported("split behavior", behaviorName,
                                    supported: ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"],
                                    key: "behavior")
            }
            self = .split(scanner, behavior, invert: try c.get("invert", default: false))
        case "WhitespaceSplit": self = .whitespaceSplit
        case "Sequence": self = .sequence(try c.need("pretokenizers"))
        default: throw c.unsupported("pre-tokenizer type", type, supported: Self.supported)
        }
    }

    /// Cuts each piece into words; empty words are dropped.
    func preTokenize(_ pieces: [[Unicode.Scalar]]) -> [[Unicode.Scalar]] {
        if case .sequence(let steps) = self { return steps.reduce(pieces) { $1.preTokenize($0) } }
        var words: [[Unicode.Scalar]] = []
        words.reserveCapacity(pieces.count * 4)
        for piece in pieces where !piece.isEmpty { split(piece, into: &words) }
        return words
    }

    private func split(_ piece: [Unicode.Scalar], into words: inout [[Unicode.Scalar]]) {
        switch self {
        case .bert:
            var start = 0
            for (i, s) in piece.enumerated() {
                if UnicodeClasses.isWhitespace(s) {
                    if start < i { words.append(Array(piece[start..<i])) }
                    start = i + 1
                } else if UnicodeClasses.isBertPunctuation(s) {
                    if start < i { words.append(Array(piece[start..<i])) }
                    words.append([s])
                    start = i + 1
                }
            }
            if start < piece.count { words.append(Array(piece[start...])) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            let text = addPrefixSpace && piece.first != " " ? [" "] + piece : piece
            if useRegex {
                for range in SplitPattern.gpt2.matches(in: text) { words.append(ByteLevel.encode(text[range])) }
            } else {
                words.append(ByteLevel.encode(text[...]))
            }
        case .split(let pattern, let behavior, let invert):
            let matches = pattern.matches(in: piece)
            for range in Self.pieces(count: piece.count, matches: matches, behavior: behavior, invert: invert) {
                words.append(Array(piece[range]))
            }
        case .whitespaceSplit:
            var start = 0
            for (i, s) in piece.enumerated() where UnicodeClasses.isWhitespace(s) {
                if start < i { words.append(Array(piece[start..<i])) }
                start = i + 1
            }
            if start < piece.count { words.append(Array(piece[start...])) }
        case .sequence:
            words.append(contentsOf: preTokenize([piece]))
        }
    }

    /// The library's split semantics: matches and the gaps between them, combined as `behavior` says.
    static func pieces(count: Int, matches: [Range<Int>], behavior: SplitBehavior, invert: Bool) -> [Range<Int>] {
        var marked: [(range: Range<Int>, isMatch: Bool)] = []
        var position = 0
        for m in matches where !m.isEmpty {
            if position < m.lowerBound { marked.append((position..<m.lowerBound, invert)) }
            marked.append((m, !invert))
            position = m.upperBound
        }
        if position < count { marked.append((position..<count, invert)) }

        var out: [Range<Int>] = []
        switch behavior {
        case .removed:
            out = marked.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            out = marked.map(\.range)
        case .mergedWithPrevious:
            var previousMatch = false
            for (range, isMatch) in marked {
                if isMatch && !previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    out.append(range)
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for (range, isMatch) in marked.reversed() {
                if isMatch && !previousMatch, let last = out.last {
                    out[out.count - 1] = range.lowerBound..<last.upperBound
                } else {
                    out.append(range)
                }
                previousMatch = isMatch
            }
            out.reverse()
        case .contiguous:
            var previousMatch = false
            for (range, isMatch) in marked {
                if isMatch == previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    out.append(range)
                }
                previousMatch = isMatch
            }
        }
        return out.filter { !$0.isEmpty }
    }
}
