import Foundation
@testable import PRIMAText
import Testing

/// Every code point of planes 0–2 and 14 (and part of 15) classified as the `tokenizers` library does, whose
/// character tests use Unicode data of several older versions.
@Suite("Unicode classes of the tokenizer pipelines")
struct UnicodeClassTests {
    private struct Classes: Decodable {
        let code_points: [[UInt32]]
        let sets: [String: [[UInt32]]]
        let lowercase: [String: [UInt32]]
        let nfc_single: [String: [UInt32]]
        let nfc_with_overlay: [String: [UInt32]]
    }

    private static func load() throws -> Classes {
        try JSONDecoder().decode(Classes.self, from: Data(contentsOf: TokenizerFixtures.url("tokenizer_unicode_classes.json")))
    }

    private static func codePoints(_ classes: Classes) -> [Unicode.Scalar] {
        classes.code_points.flatMap { $0[0]...$0[1] }.compactMap(Unicode.Scalar.init)
    }

    /// Checks `predicate` against the library's set `name` over every probed code point.
    private static func check(_ classes: Classes, _ name: String, _ predicate: (Unicode.Scalar) -> Bool) {
        let expected = Set((classes.sets[name] ?? []).flatMap { $0[0]...$0[1] })
        #expect(!expected.isEmpty, "\(name) missing from the fixture")
        var wrong: [String] = []
        for s in codePoints(classes) where predicate(s) != expected.contains(s.value) {
            wrong.append("U+" + String(s.value, radix: 16, uppercase: true))
        }
        #expect(wrong.isEmpty, "\(name): \(wrong.count) code points differ, first \(wrong.prefix(12))")
    }

    @Test("regex classes \\p{L}, \\p{N} and \\s")
    func regexClasses() throws {
        let classes = try Self.load()
        Self.check(classes, "letter", UnicodeClasses.isLetter)
        Self.check(classes, "number", UnicodeClasses.isNumber)
        Self.check(classes, "space", UnicodeClasses.isWhitespace)
    }

    @Test("BERT: removed characters, punctuation and stripped marks")
    func bertClasses() throws {
        let classes = try Self.load()
        let clean = Normalizer.bert(cleanText: true, handleChineseCharacters: false, stripAccents: false, lowercase: false)
        Self.check(classes, "bert_removed") { clean.normalize([$0]).isEmpty }
        Self.check(classes, "bert_punctuation") { UnicodeClasses.isBertPunctuation($0) && !UnicodeClasses.isWhitespace($0) }
        let strip = Normalizer.bert(cleanText: false, handleChineseCharacters: false, stripAccents: true, lowercase: false)
        Self.check(classes, "bert_stripped") { strip.normalize([$0]).isEmpty }
        Self.check(classes, "strip_accents_removed") { Normalizer.stripAccents.normalize([$0]).isEmpty }
    }

    @Test("lower-case and NFC mappings, and canonical ordering with a class-1 mark")
    func mappings() throws {
        let classes = try Self.load()
        let overlay = Unicode.Scalar(0x334)!
        var wrong: [String] = []
        for s in Self.codePoints(classes) {
            let key = String(s.value)
            let lower = Normalizer.lowercase.normalize([s]).map(\.value)
            if lower != (classes.lowercase[key] ?? [s.value]) { wrong.append("lowercase U+\(String(s.value, radix: 16))") }
            let nfc = Normalizer.nfc.normalize([s]).map(\.value)
            if nfc != (classes.nfc_single[key] ?? [s.value]) { wrong.append("NFC U+\(String(s.value, radix: 16))") }
            let ordered = Normalizer.nfc.normalize([s, overlay]).map(\.value)
            if ordered != (classes.nfc_with_overlay[key] ?? [s.value, overlay.value]) {
                wrong.append("NFC+U+0334 U+\(String(s.value, radix: 16))")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) differ, first \(wrong.prefix(12))")
    }
}
