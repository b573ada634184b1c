/// The Unicode character classes the tokenizer pipelines test, matching the `tokenizers` library. ASCII is
/// answered from a table.
///
/// The library's tests come from data of different Unicode versions, and Swift's standard library knows a
/// newer one; characters assigned after a table's version are "unknown" to it. Measured over every code
/// point (Tests/PRIMATextTests, `unicode_classes.json`):
/// - `\p{L}`, `\p{N}` (Oniguruma): Unicode 16; `\s`, Rust's `is_whitespace` and lower-casing: current;
/// - BERT's control and punctuation tests (the `unicode_categories` crate): Unicode 8, where U+166D and
///   U+111C9 were still punctuation;
/// - the marks dropped by BERT's accent stripping: Mn of Unicode 8; by the StripAccents normalizer: every
///   mark (Mn, Mc and Me) of Unicode 9, with U+1CF2 and U+1CF3 (marks then), without U+111C9;
/// - canonical combining classes in normalization: Unicode 9 (see ``Normalizer``).
enum UnicodeClasses {
    private static let letterBit: UInt8 = 1, numberBit: UInt8 = 2, spaceBit: UInt8 = 4, punctuationBit: UInt8 = 8

    private static let asciiTable: [UInt8] = (0..<128).map { code in
        let s = Unicode.Scalar(UInt8(code))
        var bits: UInt8 = 0
        if s.properties.generalCategory.isLetter { bits |= letterBit }
        if s.properties.generalCategory.isNumber { bits |= numberBit }
        if s.properties.isWhitespace { bits |= spaceBit }
        if (33...47).contains(code) || (58...64).contains(code) || (91...96).contains(code) || (123...126).contains(code) {
            bits |= punctuationBit
        }
        return bits
    }

    /// True if `s` was assigned in Unicode `major`.0 or earlier.
    @inline(__always) static func assigned(_ s: Unicode.Scalar, byVersion major: Int) -> Bool {
        guard let age = s.properties.age else { return false }
        return age.major <= major
    }

    /// `\p{L}`: general category L* (Unicode 16).
    @inline(__always) static func isLetter(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & letterBit != 0
            : s.properties.generalCategory.isLetter && assigned(s, byVersion: 16)
    }

    /// `\p{N}`: general category N* (Unicode 16).
    @inline(__always) static func isNumber(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & numberBit != 0
            : s.properties.generalCategory.isNumber && assigned(s, byVersion: 16)
    }

    /// `\s` and Rust's `char::is_whitespace`: the White_Space property.
    @inline(__always) static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & spaceBit != 0 : s.properties.isWhitespace
    }

    /// BERT punctuation: ASCII punctuation or general category P* (Unicode 8).
    @inline(__always) static func isBertPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return asciiTable[Int(s.value)] & punctuationBit != 0 }
        if s.value == 0x166D || s.value == 0x111C9 { return true }
        return s.properties.generalCategory.isPunctuation && assigned(s, byVersion: 8)
    }

    /// The marks BERT's accent stripping drops (`is_mark_nonspacing`): Mn of Unicode 8, as categorised then
    /// (U+1734 and U+1171E were Mn; U+1885, U+1886, U+A9BD and U+111C9 were not).
    static func isBertNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0..<0x300: return false
        case 0x1734, 0x1171E: return true
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default: return s.properties.generalCategory == .nonspacingMark && assigned(s, byVersion: 8)
        }
    }

    /// The marks the StripAccents normalizer drops (`is_combining_mark`): Mn, Mc and Me of Unicode 9.
    static func isCombiningMark(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x300 { return false }
        if s.value == 0x1CF2 || s.value == 0x1CF3 { return true }
        if s.value == 0x111C9 { return false }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return assigned(s, byVersion: 9)
        default: return false
        }
    }

    /// Rust's `char::is_alphanumeric`: Alphabetic or a number (Nd, Nl, No).
    static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || s.properties.generalCategory.isNumber
    }

    /// BERT's control characters: control (Cc), format (Cf) and private-use (Co) characters of Unicode 8
    /// except tab, newline and carriage return. Unassigned code points (Cn) are not among them.
    @inline(__always) static func isBertControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0..<0x20, 0x7F: return true
        case 0x20..<0x7F: return false
        default:
            switch s.properties.generalCategory {
            case .control, .format, .privateUse: return assigned(s, byVersion: 8)
            default: return false
            }
        }
    }


    /// The CJK Unified Ideograph blocks BERT surrounds with spaces.
    static func isChineseCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}

extension Unicode.GeneralCategory {
    var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    var isNumber: Bool {
        switch self {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    var isPunctuation: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }
}
