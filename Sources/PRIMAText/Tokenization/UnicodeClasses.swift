/// The Unicode character classes the tokenizer pipelines test, matching the `tokenizers` library (Rust's
/// `char` predicates and Oniguruma's `\s`, `\p{L}`, `\p{N}`). ASCII is answered from a table.
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

    /// `\p{L}`: general category L*.
    @inline(__always) static func isLetter(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & letterBit != 0 : s.properties.generalCategory.isLetter
    }

    /// `\p{N}`: general category N*.
    @inline(__always) static func isNumber(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & numberBit != 0 : s.properties.generalCategory.isNumber
    }

    /// `\s` and Rust's `char::is_whitespace`: the White_Space property.
    @inline(__always) static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & spaceBit != 0 : s.properties.isWhitespace
    }

    /// BERT punctuation: ASCII punctuation or general category P*.
    @inline(__always) static func isBertPunctuation(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiTable[Int(s.value)] & punctuationBit != 0 : s.properties.generalCategory.isPunctuation
    }

    /// Rust's `char::is_alphanumeric`: Alphabetic or Numeric.
    static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || s.properties.numericType != nil
    }

    /// BERT's control characters: general category C* except tab, newline and carriage return.
    static func isBertControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            switch s.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
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
