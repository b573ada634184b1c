import Foundation

/// A text normalizer of a `tokenizer.json` (`"normalizer"`), applied to the text between added tokens
/// before pre-tokenization.
indirect enum Normalizer: Decodable, Sendable {
    /// BERT's: drop control characters and map whitespace to spaces, surround CJK ideographs with spaces,
    /// strip accents (NFD, then drop marks; by default when lower-casing) and lower-case.
    case bert(cleanText: Bool, handleChineseCharacters: Bool, stripAccents: Bool, lowercase: Bool)
    case nfc, nfd, nfkc, nfkd
    case lowercase
    /// Drops marks (without decomposing first, as the library does; see ``UnicodeClasses/isCombiningMark(_:)``).
    case stripAccents
    case strip(left: Bool, right: Bool)
    case replace(pattern: String, content: String)
    case prepend(String)
    case sequence([Normalizer])

    static let supported = ["BertNormalizer", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Strip",
                            "Replace", "Prepend", "Sequence"]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type: String = try c.need("type")
        switch type {
        case "BertNormalizer":
            let lowercase: Bool = try c.get("lowercase", default: true)
            self = .bert(cleanText: try c.get("clean_text", default: true),
                         handleChineseCharacters: try c.get("handle_chinese_chars", default: true),
                         stripAccents: try c.optional("strip_accents") ?? lowercase, lowercase: lowercase)
        case "NFC": self = .nfc
        case "NFD": self = .nfd
        case "NFKC": self = .nfkc
        case "NFKD": self = .nfkd
        case "Lowercase": self = .lowercase
        case "StripAccents": self = .stripAccents
        case "Strip": self = .strip(left: try c.get("strip_left", default: true), right: try c.get("strip_right", default: true))
        case "Replace":
            let pattern: PatternConfig = try c.need("pattern")
            guard case .string(let literal) = pattern else {
                throw c.invalid("pattern", "Replace normalizers with a regex pattern are not supported")
            }
            self = .replace(pattern: literal, content: try c.need("content"))
        case "Prepend": self = .prepend(try c.need("prepend"))
        case "Sequence": self = .sequence(try c.need("normalizers"))
        default: throw c.unsupported("normalizer type", type, supported: Self.supported)
        }
    }

    /// The normalized text.
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case .bert(let clean, let chinese, let strip, let lower):
            if text.isASCII { return Self.bertASCII(text, clean: clean, lower: lower) }
            var out = text
            if clean { out = Self.cleanText(out) }
            if chinese { out = Self.padChineseCharacters(out) }
            if strip {
                out = Self.unicodeForm(out) { $0.decomposedStringWithCanonicalMapping }.filter { !UnicodeClasses.isBertNonspacingMark($0) }
            }
            if lower { out = Self.lowercased(out) }
            return out
        case .nfc: return Self.unicodeForm(text) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return Self.unicodeForm(text) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc: return Self.unicodeForm(text) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: return Self.unicodeForm(text) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase: return Self.lowercased(text)
        case .stripAccents: return Self.dropCombiningMarks(text)
        case .strip(let left, let right):
            var slice = text[...]
            if left { while let first = slice.first, UnicodeClasses.isWhitespace(first) { slice.removeFirst() } }
            if right { while let last = slice.last, UnicodeClasses.isWhitespace(last) { slice.removeLast() } }
            return Array(slice)
        case .replace(let pattern, let content):
            return Array(text.string.replacingAll(pattern, with: content).unicodeScalars)
        case .prepend(let prefix):
            return text.isEmpty ? text : Array(prefix.unicodeScalars) + text
        case .sequence(let steps):
            return steps.reduce(text) { $1.normalize($0) }
        }
    }

    /// BERT normalization of ASCII text in one pass (CJK padding and accent stripping do nothing to it).
    private static func bertASCII(_ text: [Unicode.Scalar], clean: Bool, lower: Bool) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for s in text {
            var v = s.value
            if clean {
                if v == 0x09 || v == 0x0A || v == 0x0D { v = 0x20 } else if v < 0x20 || v == 0x7F { continue }
            }
            if lower && v >= 65 && v <= 90 { v += 32 }
            out.append(Unicode.Scalar(UInt8(v)))
        }
        return out
    }

    private static func cleanText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for s in text {
            if s.value == 0 || s.value == 0xFFFD || UnicodeClasses.isBertControl(s) { continue }
            out.append(UnicodeClasses.isWhitespace(s) ? " " : s)
        }
        return out
    }

    private static func padChineseCharacters(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard !text.isASCII else { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for s in text {
            if UnicodeClasses.isChineseCharacter(s) { out.append(" "); out.append(s); out.append(" ") } else { out.append(s) }
        }
        return out
    }

    private static func dropCombiningMarks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard !text.isASCII else { return text }
        return text.filter { !UnicodeClasses.isCombiningMark($0) }
    }

    /// Per-character full lower-case mapping (no context-dependent rules, as Rust's `char::to_lowercase`).
    private static func lowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for s in text {
            if s.value < 128 {
                out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// `form` (a Foundation normalization) applied as the library's older data does: a combining mark
    /// assigned after Unicode 9 is unknown there, so it acts as a starter that nothing reorders or composes
    /// across; the text is normalized in pieces between such marks.
    private static func unicodeForm(_ text: [Unicode.Scalar], _ form: (String) -> String) -> [Unicode.Scalar] {
        if text.isASCII { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var start = 0
        for (i, s) in text.enumerated() where s.value >= 0x300 && s.properties.canonicalCombiningClass.rawValue != 0
            && !UnicodeClasses.assigned(s, byVersion: 9) {
            if start < i { out.append(contentsOf: form(Array(text[start..<i]).string).unicodeScalars) }
            out.append(s)
            start = i + 1
        }
        if start < text.count { out.append(contentsOf: form(Array(text[start...]).string).unicodeScalars) }
        return out
    }
}
