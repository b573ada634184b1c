import Foundation
import PRIMAText
import Testing

/// Ids identical to the `tokenizers` library on the whole corpus, for the real MiniLM WordPiece tokenizer and
/// byte-level BPE tokenizers with ModernBERT's and Qwen3's pipelines.
@Suite("Tokenizer parity with the tokenizers library")
struct TokenizerParityTests {
    @Test("corpus has at least 2,000 varied texts")
    func corpusSize() throws {
        let texts = try TokenizerFixtures.corpus()
        #expect(texts.count >= 2000)
        #expect(texts.contains(""))
    }

    @Test("ids with and without special tokens, every text", arguments: TokenizerFixtures.names)
    func ids(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let expected = try TokenizerFixtures.expected(name)
        let texts = try TokenizerFixtures.texts(name)
        var mismatches: [String] = []
        for (i, text) in texts.enumerated() {
            let plain = tokenizer.encode(text, addSpecialTokens: false).ids
            if plain != expected.plainIDs(i) {
                mismatches.append("#\(i) \(shown(text)) plain: got \(plain), expected \(expected.plainIDs(i))")
            }
            let full = tokenizer.encode(text).ids
            if full != expected.ids(i) {
                mismatches.append("#\(i) \(shown(text)) special: got \(full), expected \(expected.ids(i))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(6).joined(separator: "\n"))")
    }

    @Test("tokens, masks and type ids of single encodings", arguments: TokenizerFixtures.names)
    func tokens(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let expected = try TokenizerFixtures.expected(name)
        let texts = try TokenizerFixtures.texts(name)
        #expect(!expected.tokens_sample.isEmpty)
        for (key, tokens) in expected.tokens_sample {
            let encoding = tokenizer.encode(texts[Int(key)!])
            #expect(identical(encoding.tokens, tokens), "text #\(key) \(shown(texts[Int(key)!]))")
            #expect(encoding.attentionMask == Array(repeating: 1, count: tokens.count))
            #expect(encoding.typeIDs == Array(repeating: 0, count: tokens.count))
            #expect(encoding.specialTokensMask.reduce(0, +) == expected.special_prefix.count + expected.special_suffix.count)
        }
    }

    @Test("vocabulary size and token ids", arguments: TokenizerFixtures.names)
    func vocabulary(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let expected = try TokenizerFixtures.expected(name)
        #expect(tokenizer.vocabularySize == expected.vocab_size)
        for (token, id) in expected.token_ids {
            #expect(tokenizer.tokenID(for: token) == id, "\(token)")
            if let id { #expect(tokenizer.token(for: id) == token) }
        }
    }

    @Test("special token ids by name")
    func specialTokenIDs() throws {
        let minilm = try TokenizerFixtures.tokenizer("minilm")
        let bert = try TokenizerFixtures.expected("minilm")
        #expect(minilm.clsTokenID == bert.token_ids["[CLS]"]!)
        #expect(minilm.sepTokenID == bert.token_ids["[SEP]"]!)
        #expect(minilm.padTokenID == bert.token_ids["[PAD]"]!)
        #expect(minilm.maskTokenID == bert.token_ids["[MASK]"]!)
        #expect(minilm.unknownTokenID == bert.token_ids["[UNK]"]!)
        let qwen = try TokenizerFixtures.tokenizer("qwen3")
        let qwenIDs = try TokenizerFixtures.expected("qwen3")
        #expect(qwen.eosTokenID == qwenIDs.token_ids["<|endoftext|>"]!)
        #expect(qwen.clsTokenID == nil)
        #expect(qwen.isSpecialToken(qwenIDs.token_ids["<|im_start|>"]!!))
        #expect(!qwen.isSpecialToken(qwenIDs.token_ids["<think>"]!!))
    }

    @Test("merges written as \"a b\" strings give the same ids as merge pairs")
    func legacyMergeFormat() throws {
        let url = try TokenizerFixtures.tokenizerURL("modernbert")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var model = json["model"] as! [String: Any]
        model["merges"] = (model["merges"] as! [[String]]).map { $0.joined(separator: " ") }
        json["model"] = model
        let legacy = try Tokenizer(data: JSONSerialization.data(withJSONObject: json), source: "legacy.json")
        let current = try TokenizerFixtures.tokenizer("modernbert")
        for text in try TokenizerFixtures.corpus().prefix(300) {
            #expect(legacy.encode(text).ids == current.encode(text).ids)
        }
    }
}
