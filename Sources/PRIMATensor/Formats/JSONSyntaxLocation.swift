import Foundation

/// Where a JSON document first breaks the grammar, for error messages that point at the line and column.
///
/// Foundation's `JSONDecoder` on Linux reports every syntax error as "The given data was not valid JSON"
/// with no position, so the loaders of JSON files (tokenizer.json, config.json, schema.json) call
/// ``find(in:)`` after a decoding failure with an empty coding path and put its ``description`` in their error.
/// The scan is iterative (a nesting of any depth cannot exhaust the stack) and allocates only the stack of
/// open containers.
package struct JSONSyntaxLocation: Equatable, Sendable, CustomStringConvertible {
    /// The 0-based byte offset of the first byte that does not fit (the length of the data for an early end).
    package let offset: Int
    /// The 1-based line of ``offset``.
    package let line: Int
    /// The 1-based column of ``offset`` in bytes.
    package let column: Int
    /// What was expected or found there.
    package let problem: String

    /// `line 3, column 12 (byte 40): expected a value`.
    package var description: String { "line \(line), column \(column) (byte \(offset)): \(problem)" }

    /// The most nested arrays and objects the scan follows (deeper is reported as an error, as
    /// Foundation's parser refuses deep documents too).
    package static let maximumDepth = 512

    /// The first syntax error of `data`, or nil if it is one well-formed JSON value (surrounded by whitespace).
    package static func find(in data: Data) -> JSONSyntaxLocation? { scan(data).syntaxError }

    /// The first syntax error, and the first integer literal too large for 64 bits (which `JSONDecoder`
    /// also calls "not valid JSON").
    static func scan(_ data: Data) -> (syntaxError: JSONSyntaxLocation?, oversizedInteger: JSONSyntaxLocation?) {
        data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            let error = scanner.run()
            return (error, scanner.oversizedInteger)
        }
    }

    /// The `line N, column M` of `offset` in `data` (for errors found by other means, such as invalid UTF-8).
    package static func position(of offset: Int, in data: Data, problem: String) -> JSONSyntaxLocation {
        var line = 1, lineStart = 0
        for (index, byte) in data.prefix(offset).enumerated() where byte == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONSyntaxLocation(offset: offset, line: line, column: offset - lineStart + 1, problem: problem)
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var line = 1
        var lineStart = 0
        var oversizedInteger: JSONSyntaxLocation?

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ problem: String) -> JSONSyntaxLocation {
            JSONSyntaxLocation(offset: i, line: line, column: i - lineStart + 1, problem: problem)
        }

        /// A short rendering of the byte at the current position.
        var found: String {
            guard i < bytes.count else { return "the end of the file" }
            let b = bytes[i]
            return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : String(format: "byte 0x%02X", b)
        }

        mutating func skipWhitespace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0D: i += 1
                case 0x0A: i += 1; line += 1; lineStart = i
                default: return
                }
            }
        }

        private enum Container { case array, object }

        mutating func run() -> JSONSyntaxLocation? {
            var stack: [Container] = []
            // State: expecting a value (after '[', ':' or ',' in an array, or at the start).
            var expectValue = true
            while true {
                skipWhitespace()
                if expectValue {
                    guard i < bytes.count else { return fail("expected a value, found the end of the file") }
                    switch bytes[i] {
                    case UInt8(ascii: "{"):
                        guard stack.count < JSONSyntaxLocation.maximumDepth else { return fail("nesting deeper than \(JSONSyntaxLocation.maximumDepth) levels") }
                        i += 1
                        skipWhitespace()
                        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; expectValue = false; continue }
                        stack.append(.object)
                        if let error = key() { return error }
                        continue
                    case UInt8(ascii: "["):
                        guard stack.count < JSONSyntaxLocation.maximumDepth else { return fail("nesting deeper than \(JSONSyntaxLocation.maximumDepth) levels") }
                        i += 1
                        skipWhitespace()
                        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; expectValue = false; continue }
                        stack.append(.array)
                        continue
                    case UInt8(ascii: "\""):
                        if let error = string() { return error }
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        if let error = number() { return error }
                    case UInt8(ascii: "t"): if let error = literal("true") { return error }
                    case UInt8(ascii: "f"): if let error = literal("false") { return error }
                    case UInt8(ascii: "n"): if let error = literal("null") { return error }
                    default: return fail("expected a value, found \(found)")
                    }
                    expectValue = false
                    continue
                }
                // After a value: a separator, a closing bracket, or the end of the document.
                guard let top = stack.last else {
                    return i == bytes.count ? nil : fail("unexpected \(found) after the end of the JSON value")
                }
                guard i < bytes.count else {
                    return fail("expected \(top == .array ? "',' or ']'" : "',' or '}'"), found the end of the file")
                }
                switch (top, bytes[i]) {
                case (_, UInt8(ascii: ",")):
                    i += 1
                    if top == .object {
                        skipWhitespace()
                        if let error = key() { return error }
                    }
                    expectValue = true
                case (.array, UInt8(ascii: "]")), (.object, UInt8(ascii: "}")):
                    i += 1
                    stack.removeLast()
                default:
                    return fail("expected \(top == .array ? "',' or ']'" : "',' or '}'"), found \(found)")
                }
            }
        }

        /// An object key and its colon, leaving the position at the value.
        mutating func key() -> JSONSyntaxLocation? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return fail("expected a quoted key, found \(found)") }
            if let error = string() { return error }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return fail("expected ':' after the key, found \(found)") }
            i += 1
            return nil
        }

        mutating func literal(_ word: String) -> JSONSyntaxLocation? {
            for byte in word.utf8 {
                guard i < bytes.count, bytes[i] == byte else { return fail("expected '\(word)', found \(found)") }
                i += 1
            }
            return nil
        }

        mutating func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }

        mutating func number() -> JSONSyntaxLocation? {
            let start = i, here = fail("")
            defer {
                if oversizedInteger == nil, i - start > 18, !bytes[start..<i].contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }),
                   Int(String(decoding: bytes[start..<i], as: UTF8.self)) == nil {
                    oversizedInteger = JSONSyntaxLocation(offset: here.offset, line: here.line, column: here.column,
                                                          problem: "the integer \(String(decoding: bytes[start..<min(i, start + 40)], as: UTF8.self)) does not fit in 64 bits")
                }
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: "0") {
                i += 1
            } else if digits() == 0 {
                return fail("expected a digit, found \(found)")
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                if digits() == 0 { return fail("expected a digit after the decimal point, found \(found)") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                if digits() == 0 { return fail("expected a digit in the exponent, found \(found)") }
            }
            return nil
        }

        mutating func string() -> JSONSyntaxLocation? {
            i += 1  // the opening quote
            while i < bytes.count {
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "\""):
                    i += 1
                    return nil
                case UInt8(ascii: "\\"):
                    i += 1
                    guard i < bytes.count else { return fail("unterminated string") }
                    switch bytes[i] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 1
                    case UInt8(ascii: "u"):
                        i += 1
                        for _ in 0..<4 {
                            guard i < bytes.count, bytes[i].isHexDigit else { return fail("expected four hex digits after \\u, found \(found)") }
                            i += 1
                        }
                    default: return fail("invalid escape \\\(found) in a string")
                    }
                case 0..<0x20:
                    return fail("a control character (\(found)) inside a string; it must be escaped")
                case 0x80...:
                    let length = Self.validUTF8Length(bytes, at: i)
                    guard length > 0 else { return fail("invalid UTF-8 (\(found)) inside a string") }
                    i += length
                default:
                    i += 1
                }
            }
            return fail("unterminated string (the file ends inside it)")
        }

        /// The length of the well-formed UTF-8 sequence starting at `i`, or 0.
        static func validUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = bytes[i..<min(bytes.count, i + 4)].makeIterator()
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): return encoded.count
            default: return 0
            }
        }
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

extension JSONSyntaxLocation {
    /// The syntax error of `data` as a message for a failed decoding: `not valid JSON at line …`, or a
    /// generic message if the scan finds the document well-formed (the decoder refused something else, such
    /// as a number too large for its type).
    package static func describeInvalidJSON(_ data: Data) -> String {
        let (syntaxError, oversizedInteger) = scan(data)
        if let syntaxError { return "not valid JSON at \(syntaxError)" }
        if let oversizedInteger { return "number out of range at \(oversizedInteger)" }
        return "not valid JSON (a number out of range, or a document the JSON decoder refuses)"
    }
}
