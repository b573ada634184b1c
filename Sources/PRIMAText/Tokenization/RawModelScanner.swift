import Foundation
import PRIMATensor

/// Reads `model.vocab` and `model.merges` of a tokenizer file straight from the JSON bytes.
///
/// - Exactness: `JSONDecoder` collects object keys in a `[String: …]` dictionary, and Swift's `String`
///   equality is canonical equivalence, so a vocabulary holding both `"Å"` (U+00C5) and `"A\u{30A}"` — as
///   cased WordPiece vocabularies do — would lose one of them. This scanner keeps every key.
/// - Speed: the vocabulary and merges are most of a large file (Qwen3's: 151k tokens, 151k merges); they are
///   cut out of the document before `JSONDecoder` reads the rest.
///
/// Anything the scanner does not understand makes it give up (nil), leaving the whole file, and any error
/// message, to `JSONDecoder`.
struct RawModelScanner {
    private let bytes: [UInt8]
    private var i = 0
    /// Open arrays and objects around the position; deeper than ``JSONSyntaxLocation/maximumDepth`` gives up
    /// (the scan recurses, and a hostile nesting must not exhaust the stack).
    private var depth = 0

    private struct Failure: Error {}

    /// The model's vocabulary and merges, and the document without them (`{}` and `[]` in their place).
    struct Result: Sendable {
        let vocabulary: [(String, Int)]?
        let merges: [(String, String)]?
        let remainder: Data
    }

    /// The scan of `data`, or nil if it is not a JSON object with a `model` object or anything is malformed.
    static func scan(_ data: Data) -> Result? {
        var scanner = RawModelScanner(bytes: [UInt8](data))
        return try? scanner.scanDocument()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func scanDocument() throws -> Result {
        var vocabulary: [(String, Int)]?, merges: [(String, String)]?
        var cuts: [(range: Range<Int>, replacement: String)] = []
        try forEachEntry { key, scanner in
            guard key == "model", scanner.peek() == UInt8(ascii: "{") else { try scanner.skipValue(); return }
            try scanner.forEachEntry { key, scanner in
                let start = scanner.position
                if key == "vocab", scanner.peek() == UInt8(ascii: "{") {
                    var entries: [(String, Int)] = []
                    try scanner.forEachEntry { token, scanner in entries.append((token, try scanner.readInt())) }
                    vocabulary = entries
                    cuts.append((start..<scanner.i, "{}"))
                } else if key == "merges", scanner.peek() == UInt8(ascii: "[") {
                    merges = try scanner.readMerges()
                    cuts.append((start..<scanner.i, "[]"))
                } else {
                    try scanner.skipValue()
                }
            }
        }
        skipWhitespace()
        guard i == bytes.count else { throw Failure() }
        var remainder = bytes
        for cut in cuts.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            remainder.replaceSubrange(cut.range, with: Array(cut.replacement.utf8))
        }
        return Result(vocabulary: vocabulary, merges: merges, remainder: Data(remainder))
    }

    /// `["a b", …]` or `[["a", "b"], …]`.
    private mutating func readMerges() throws -> [(String, String)] {
        var merges: [(String, String)] = []
        try forEachElement { scanner in
            if scanner.peek() == UInt8(ascii: "[") {
                var pair: [String] = []
                try scanner.forEachElement { scanner in pair.append(try scanner.readString()) }
                guard pair.count == 2 else { throw Failure() }
                merges.append((pair[0], pair[1]))
            } else {
                let line = try scanner.readString()
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw Failure() }
                merges.append((String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1]))))
            }
        }
        return merges
    }

    // MARK: - Scanning

    private var position: Int { mutating get { skipWhitespace(); return i } }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func peek() -> UInt8? {
        skipWhitespace()
        return i < bytes.count ? bytes[i] : nil
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else { throw Failure() }
        i += 1
    }

    /// Calls `body` with each key of the object at the current position, positioned at its value;
    /// `body` must consume the value.
    private mutating func forEachEntry(_ body: (String, inout RawModelScanner) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONSyntaxLocation.maximumDepth else { throw Failure() }
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            let key = try readString()
            try expect(UInt8(ascii: ":"))
            try body(key, &self)
            switch peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return
            default: throw Failure()
            }
        }
    }

    /// Calls `body` at each element of the array at the current position; `body` must consume it.
    private mutating func forEachElement(_ body: (inout RawModelScanner) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONSyntaxLocation.maximumDepth else { throw Failure() }
        if peek() == UInt8(ascii: "]") { i += 1; return }
        while true {
            try body(&self)
            switch peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return
            default: throw Failure()
            }
        }
    }

    private mutating func readInt() throws -> Int {
        skipWhitespace()
        let start = i
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
        while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
        guard i > start, let value = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw Failure() }
        return value
    }

    private mutating func readString() throws -> String {
        try expect(UInt8(ascii: "\""))
        var utf8: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") {
                // Invalid UTF-8 is left to JSONDecoder to report.
                guard let string = String(validating: utf8, as: UTF8.self) else { throw Failure() }
                return string
            }
            guard b >= 0x20 else { throw Failure() }  // raw control characters are not allowed in JSON strings
            guard b == UInt8(ascii: "\\") else { utf8.append(b); continue }
            guard i < bytes.count else { throw Failure() }
            let escape = bytes[i]
            i += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try readHex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw Failure() }
                    i += 2
                    let low = try readHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw Failure() }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw Failure() }
                utf8.append(contentsOf: UTF8.encode(scalar)!)
            default: throw Failure()
            }
        }
        throw Failure()
    }

    private mutating func readHex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw Failure()
        }
        i += 4
        return value
    }

    /// Skips any JSON value.
    private mutating func skipValue() throws {
        switch peek() {
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "{"): try forEachEntry { _, scanner in try scanner.skipValue() }
        case UInt8(ascii: "["): try forEachElement { scanner in try scanner.skipValue() }
        case .some:
            // A number or literal: up to the next delimiter.
            let start = i
            while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
            guard i > start else { throw Failure() }
        case nil: throw Failure()
        }
    }
}
