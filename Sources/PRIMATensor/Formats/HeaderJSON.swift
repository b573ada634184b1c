/// A strict JSON reader for safetensors headers.
///
/// Foundation's `JSONSerialization` keeps the last of two equal keys and cannot tell `1` from `true`
/// or `1.0` on every platform; a checkpoint header must be rejected in all those cases, so the header is
/// parsed here into a tree that keeps objects as ordered key–value lists and numbers as their literal text.
enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// The number's literal text, as written (validated against the JSON grammar).
    case number(String)
    case bool(Bool)
    case null

    /// A short name of the value's JSON type, for error messages.
    var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// The value as a non-negative whole number, or why it is not one.
    func nonNegativeInteger() -> Result<Int, IntegerProblem> {
        guard case .number(let text) = self else { return .failure(.notANumber(typeName)) }
        if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .failure(.notWhole(text)) }
        if text.hasPrefix("-") { return .failure(.negative(text)) }
        guard let value = Int(text) else { return .failure(.tooLarge(text)) }
        return .success(value)
    }

    enum IntegerProblem: Error, CustomStringConvertible {
        case notANumber(String), notWhole(String), negative(String), tooLarge(String)
        var description: String {
            switch self {
            case .notANumber(let type): return "is \(type), not an integer"
            case .notWhole(let text): return "is \(text), not a whole number"
            case .negative(let text): return "is negative (\(text))"
            case .tooLarge(let text): return "is too large (\(text))"
            }
        }
    }

    /// Parses one JSON value filling `bytes`, allowing surrounding whitespace (headers are padded with
    /// spaces). Throws ``SyntaxError`` with the byte offset of the problem.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> HeaderJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    struct SyntaxError: Error {
        let message: String
        let offset: Int
    }

    /// Recursive-descent parser over the raw header bytes.
    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        /// Deeper nesting has no use in a header; the limit keeps hostile input off the stack.
        static let maximumDepth = 64

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
            guard current == byte else { throw error("expected \(what)") }
            position += 1
        }

        mutating func value(depth: Int) throws(SyntaxError) -> HeaderJSON {
            guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
            switch current {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case .some(let c) where c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39): return .number(try number())
            case .none: throw error("unexpected end of header")
            default: throw error("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard position + expected.count <= bytes.count,
                  expected.indices.allSatisfy({ bytes[position + $0] == expected[$0] }) else { throw error("invalid literal") }
            position += expected.count
        }

        mutating func object(depth: Int) throws(SyntaxError) -> HeaderJSON {
            position += 1
            var members: [(key: String, value: HeaderJSON)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after an object key")
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}' in an object")
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> HeaderJSON {
            position += 1
            var elements: [HeaderJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']' in an array")
                return .array(elements)
            }
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = position
            func digits(_ parser: inout Parser) -> Int {
                let first = parser.position
                while let c = parser.current, c >= 0x30 && c <= 0x39 { parser.position += 1 }
                return parser.position - first
            }
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
            } else if digits(&self) == 0 {
                throw error("invalid number")
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw error("invalid number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw error("invalid number") }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        /// A string literal; the caller has checked the opening quote. The header is valid UTF-8, so
        /// unescaped bytes are copied as they are.
        mutating func string() throws(SyntaxError) -> String {
            position += 1
            var utf8: [UInt8] = []
            while true {
                guard let c = current else { throw error("unterminated string") }
                position += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = current else { throw error("unterminated string") }
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"): utf8.append(contentsOf: Array(String(try unicodeEscape()).utf8))
                    default: throw error("invalid escape in string")
                    }
                case 0..<0x20:
                    throw error("unescaped control character in string")
                default:
                    utf8.append(c)
                }
            }
        }

        /// The scalar of a `\uXXXX` escape (after the `u`), joining UTF-16 surrogate pairs.
        mutating func unicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high) {
                guard current == UInt8(ascii: "\\") else { throw error("lone surrogate in \\u escape") }
                position += 1
                try expect(UInt8(ascii: "u"), "a low surrogate escape")
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("lone surrogate in \\u escape") }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("lone surrogate in \\u escape") }
            return scalar
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let c = current else { throw error("unterminated \\u escape") }
                let digit: UInt8
                switch c {
                case 0x30...0x39: digit = c - 0x30
                case 0x41...0x46: digit = c - 0x41 + 10
                case 0x61...0x66: digit = c - 0x61 + 10
                default: throw error("invalid hex digit in \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }
    }
}
