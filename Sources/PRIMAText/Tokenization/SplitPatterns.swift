/// The regular expressions of byte-level tokenizers' split pre-tokenizers, matched by hand-written scanners
/// over Unicode scalars (the same matches as the library's Oniguruma regexes, leftmost-first alternation).
///
/// Both patterns match every scalar of a text, so a text is cut into consecutive matches with no gaps.
enum SplitPattern: Sendable, Equatable {
    /// GPT-2's, used by RoBERTa, GPT-NeoX and ModernBERT (the ByteLevel pre-tokenizer's own regex):
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// Qwen2's and Qwen3's: case-insensitive contractions, letters with one leading non-letter, single digits,
    /// punctuation runs with trailing newlines, newline runs, then whitespace as GPT-2's.
    case qwen2
    /// A literal string.
    case literal([Unicode.Scalar])

    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The scanner of a regex from a tokenizer file, or nil if it is not one of the known patterns.
    init?(regex: String) {
        switch regex {
        case Self.gpt2Regex: self = .gpt2
        case Self.qwen2Regex: self = .qwen2
        default: return nil
        }
    }

    /// The non-overlapping matches in `text`, in order.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        switch self {
        case .gpt2, .qwen2:
            var i = 0
            while i < text.count {
                let end = self == .gpt2 ? Self.gpt2MatchEnd(text, at: i) : Self.qwen2MatchEnd(text, at: i)
                out.append(i..<end)
                i = end
            }
        case .literal(let needle):
            guard !needle.isEmpty, needle.count <= text.count else { return out }
            var i = 0
            while i + needle.count <= text.count {
                if text[i] == needle[0] && text[i..<(i + needle.count)].elementsEqual(needle) {
                    out.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
        }
        return out
    }

    // MARK: - Scanners

    @inline(__always) private static func isOther(_ s: Unicode.Scalar) -> Bool {
        !UnicodeClasses.isWhitespace(s) && !UnicodeClasses.isLetter(s) && !UnicodeClasses.isNumber(s)
    }

    @inline(__always) private static func isNewline(_ s: Unicode.Scalar) -> Bool { s == "\n" || s == "\r" }

    @inline(__always) private static func run(_ t: [Unicode.Scalar], from i: Int, while test: (Unicode.Scalar) -> Bool) -> Int {
        var j = i
        while j < t.count && test(t[j]) { j += 1 }
        return j
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `i` (ASCII case-insensitive when `ignoringCase`): the end, or nil.
    private static func contractionEnd(_ t: [Unicode.Scalar], at i: Int, ignoringCase: Bool) -> Int? {
        guard t[i] == "'", i + 1 < t.count else { return nil }
        func lower(_ s: Unicode.Scalar) -> Unicode.Scalar {
            ignoringCase && s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s
        }
        let d = lower(t[i + 1])
        if d == "s" || d == "t" || d == "m" || d == "d" { return i + 2 }
        guard i + 2 < t.count else { return nil }
        let e = lower(t[i + 2])
        if (d == "r" && e == "e") || (d == "v" && e == "e") || (d == "l" && e == "l") { return i + 3 }
        return nil
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar `i`: a run that leaves its last space to the next word.
    private static func whitespaceEnd(_ t: [Unicode.Scalar], at i: Int) -> Int {
        let k = run(t, from: i, while: UnicodeClasses.isWhitespace)
        if k == t.count || k - i == 1 { return k }
        return k - 1
    }

    @inline(__always) private static func optionalSpaceRun(_ t: [Unicode.Scalar], at i: Int, spaced: Bool,
                                                           _ test: (Unicode.Scalar) -> Bool) -> Int? {
        if spaced && test(t[i + 1]) { return run(t, from: i + 1, while: test) }
        if test(t[i]) { return run(t, from: i, while: test) }
        return nil
    }

    private static func gpt2MatchEnd(_ t: [Unicode.Scalar], at i: Int) -> Int {
        if let end = contractionEnd(t, at: i, ignoringCase: false) { return end }
        let c = t[i]
        let spaced = c == " " && i + 1 < t.count
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`, in that order.
        if let end = optionalSpaceRun(t, at: i, spaced: spaced, UnicodeClasses.isLetter) { return end }
        if let end = optionalSpaceRun(t, at: i, spaced: spaced, UnicodeClasses.isNumber) { return end }
        if let end = optionalSpaceRun(t, at: i, spaced: spaced, isOther) { return end }
        return whitespaceEnd(t, at: i)
    }

    private static func qwen2MatchEnd(_ t: [Unicode.Scalar], at i: Int) -> Int {
        if let end = contractionEnd(t, at: i, ignoringCase: true) { return end }
        let c = t[i]
        let cIsLetter = UnicodeClasses.isLetter(c), cIsNumber = UnicodeClasses.isNumber(c)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if cIsLetter { return run(t, from: i, while: UnicodeClasses.isLetter) }
        if !cIsNumber && !isNewline(c) && i + 1 < t.count && UnicodeClasses.isLetter(t[i + 1]) {
            return run(t, from: i + 1, while: UnicodeClasses.isLetter)
        }
        // \p{N}
        if cIsNumber { return i + 1 }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let start = c == " " && i + 1 < t.count && isOther(t[i + 1]) ? i + 1 : i
        if isOther(t[start]) {
            let end = run(t, from: start, while: isOther)
            return run(t, from: end, while: isNewline)
        }
        // \s*[\r\n]+ : the whitespace run up to its last newline.
        let k = run(t, from: i, while: UnicodeClasses.isWhitespace)
        var last = k - 1
        while last >= i && !isNewline(t[last]) { last -= 1 }
        if last >= i { return last + 1 }
        return whitespaceEnd(t, at: i)
    }
}
