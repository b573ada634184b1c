import Foundation
import PRIMAText
import Testing

/// Decoding as the library's `decode`, with and without skipping special tokens.
@Suite("Tokenizer decoding")
struct TokenizerDecodeTests {
    @Test("decode skipping special tokens, every text", arguments: TokenizerFixtures.names)
    func decodeSkippingSpecialTokens(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let expected = try TokenizerFixtures.expected(name)
        let texts = try TokenizerFixtures.texts(name)
        var mismatches: [String] = []
        for (i, text) in texts.enumerated() {
            let want = expected.decoded_skip[i] ?? text  // null: the library's decode is the text itself
            let got = tokenizer.decode(expected.ids(i), skipSpecialTokens: true)
            if !identical(got, want) { mismatches.append("#\(i): got \(shown(got)), expected \(shown(want))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(6).joined(separator: "\n"))")
    }

    @Test("decode keeping special tokens", arguments: TokenizerFixtures.names)
    func decodeKeepingSpecialTokens(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let expected = try TokenizerFixtures.expected(name)
        #expect(expected.decoded_keep.count >= 100)
        var mismatches: [String] = []
        for (key, want) in expected.decoded_keep {
            let got = tokenizer.decode(expected.ids(Int(key)!), skipSpecialTokens: false)
            if !identical(got, want) { mismatches.append("#\(key): got \(shown(got)), expected \(shown(want))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(6).joined(separator: "\n"))")
    }

    @Test("byte-level round trip: encode then decode gives the text back", arguments: ["modernbert", "qwen3"])
    func byteLevelRoundTrip(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for text in ["Age 55. Lesion on the forearm.", "lesão 皮肤癌 👍🏽  \t\n end", "", "it's 12.5 mm!!!"] {
            #expect(identical(tokenizer.decode(tokenizer.encode(text).ids), text))
        }
    }

    @Test("a long run without spaces (one BPE word of 60,000 bytes) round-trips", arguments: ["modernbert", "qwen3"])
    func longWord(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let text = String(repeating: "lesao", count: 6_000) + String(repeating: "é", count: 15_000)
        let ids = tokenizer.encode(text, addSpecialTokens: false).ids
        #expect(ids.count < text.utf8.count)
        #expect(identical(tokenizer.decode(ids), text))
    }

    @Test("ids with no token are ignored; an invalid byte sequence decodes to U+FFFD")
    func unknownIDsAndInvalidBytes() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("qwen3")
        let ids = tokenizer.encode("ok").ids
        #expect(tokenizer.decode(ids + [-1, 1_000_000]) == "ok")
        // The first byte of "é" (0xC3) alone is not UTF-8.
        let lead = try #require(tokenizer.tokenID(for: "Ã"))
        #expect(tokenizer.decode([lead]) == "\u{FFFD}")
    }
}
