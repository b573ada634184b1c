import Foundation
import PRIMAText
import Testing

/// Reading details of tokenizer files that the corpus does not reach.
@Suite("Tokenizer file reading")
struct TokenizerJSONReadingTests {
    private struct EscapedExpectation: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int]
            let decoded: String
        }
        let vocab_size: Int
        let vocab: [[IntOrString]]
        let cases: [Case]
    }

    private enum IntOrString: Decodable {
        case int(Int), string(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
    }

    @Test("escaped vocabulary keys are read exactly, canonically equivalent keys kept apart")
    func escapedKeys() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("escaped_vocabulary_tokenizer.json"))
        let expected = try JSONDecoder().decode(EscapedExpectation.self,
                                                from: Data(contentsOf: TokenizerFixtures.url("tokenizer_expected_escaped.json")))
        #expect(tokenizer.vocabularySize == expected.vocab_size)
        for entry in expected.vocab {
            guard case .string(let token) = entry[0], case .int(let id) = entry[1] else { Issue.record("bad fixture"); continue }
            #expect(tokenizer.tokenID(for: token) == id, "\(token.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(tokenizer.token(for: id).map { Array($0.unicodeScalars) } == Array(token.unicodeScalars))
        }
        for item in expected.cases {
            #expect(tokenizer.encode(item.text).ids == item.ids, "\(shown(item.text))")
            #expect(identical(tokenizer.decode(item.ids), item.decoded))
        }
        #expect(tokenizer.addedTokens.map(\.content) == ["[UNK]"])
    }

    @Test("a tokenizer is usable from several threads at once")
    func concurrentUse() async throws {
        let tokenizer = try TokenizerFixtures.tokenizer("qwen3")
        let texts = Array(try TokenizerFixtures.corpus().prefix(400))
        let serial = texts.map { tokenizer.encode($0).ids }
        let parallel = await withTaskGroup(of: (Int, [Int]).self) { group in
            for (i, text) in texts.enumerated() { group.addTask { (i, tokenizer.encode(text).ids) } }
            var out = [[Int]](repeating: [], count: texts.count)
            for await (i, ids) in group { out[i] = ids }
            return out
        }
        #expect(parallel == serial)
    }
}
