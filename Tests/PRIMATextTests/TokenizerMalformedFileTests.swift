import Foundation
import PRIMAText
import Testing

/// Broken tokenizer files are refused with an error naming the file, the JSON key and the problem.
@Suite("Malformed tokenizer files")
struct TokenizerMalformedFileTests {
    /// The JSON object of a committed tokenizer, to break.
    private static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: TokenizerFixtures.tokenizerURL(name))) as! [String: Any]
    }

    /// The error of loading `data` written to a file named `broken-tokenizer.json`.
    private static func loadError(_ data: Data) throws -> TokenizerError {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("broken-tokenizer.json")
        try data.write(to: url)
        do {
            _ = try Tokenizer(contentsOf: url)
        } catch let error as TokenizerError {
            #expect(error.file == url.path)
            #expect(error.description.contains("broken-tokenizer.json"))
            return error
        }
        Issue.record("the broken file was accepted")
        return TokenizerError(file: "", key: "", "")
    }

    private static func loadError(_ object: [String: Any]) throws -> TokenizerError {
        try loadError(JSONSerialization.data(withJSONObject: object))
    }

    private static func modified(_ name: String, _ change: (inout [String: Any]) -> Void) throws -> [String: Any] {
        var object = try json(name)
        change(&object)
        return object
    }

    @Test("a missing file")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/prima/tokenizer.json")
        #expect(throws: TokenizerError.self) { try Tokenizer(contentsOf: url) }
        do { _ = try Tokenizer(contentsOf: url) } catch let error as TokenizerError {
            #expect(error.file == url.path)
            #expect(error.message.contains("cannot read"))
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test("text that is not JSON, and JSON that is not an object")
    func notJSON() throws {
        let error = try Self.loadError(Data("{\"model\": {\"type\": \"BPE\",".utf8))
        #expect(error.message.contains("not valid JSON"))
        let array = try Self.loadError(Data("[1, 2]".utf8))
        #expect(array.message.contains("expected"))
    }

    @Test("a vocabulary key that is not UTF-8")
    func invalidUTF8() throws {
        var data = try Data(contentsOf: TokenizerFixtures.tokenizerURL("qwen3"))
        let key = Data("\"Ġthe\":".utf8)
        let range = try #require(data.range(of: key))
        data.replaceSubrange(range, with: Data([0x22, 0xC3, 0x28, 0x22, 0x3A]))  // "\xC3(": a broken two-byte sequence
        let error = try Self.loadError(data)
        #expect(error.message.contains("not valid JSON"))
    }

    @Test("no model")
    func missingModel() throws {
        let error = try Self.loadError(Self.modified("minilm") { $0["model"] = nil })
        #expect(error.key == "model")
        #expect(error.message.contains("missing required key"))
    }

    @Test("an unknown model type")
    func unknownModelType() throws {
        let error = try Self.loadError(Self.modified("minilm") { object in
            var model = object["model"] as! [String: Any]
            model["type"] = "Unigram"
            object["model"] = model
        })
        #expect(error.key == "model.type")
        #expect(error.message.contains("unsupported model type \"Unigram\""))
        #expect(error.message.contains("WordPiece"))
    }

    @Test("a merge referencing a token that is not in the vocabulary")
    func mergeWithUnknownToken() throws {
        var count = 0
        let error = try Self.loadError(Self.modified("modernbert") { object in
            var model = object["model"] as! [String: Any]
            var merges = model["merges"] as! [[String]]
            merges.append(["Ġthe", "no-such-token"])
            count = merges.count
            model["merges"] = merges
            object["model"] = model
        })
        #expect(error.key == "model.merges[\(count - 1)]")
        #expect(error.message.contains("unknown token \"no-such-token\""))
    }

    @Test("a merge string that is not two tokens")
    func mergeStringWithThreeTokens() throws {
        let error = try Self.loadError(Self.modified("modernbert") { object in
            var model = object["model"] as! [String: Any]
            var merges = (model["merges"] as! [[String]]).map { $0.joined(separator: " ") }
            merges[5] = "a b c"
            model["merges"] = merges
            object["model"] = model
        })
        #expect(error.key == "model.merges[5]")
        #expect(error.message.contains("not two tokens"))
    }

    @Test("a merge whose result is not in the vocabulary")
    func mergeWithoutResult() throws {
        let object = try Self.json("qwen3")
        let vocab = (object["model"] as! [String: Any])["vocab"] as! [String: Int]
        let pair = try #require(["{", "}", "~", "^", "|"].flatMap { a in ["{", "}", "~", "^", "|"].map { (a, $0) } }
            .first { vocab[$0.0] != nil && vocab[$0.1] != nil && vocab[$0.0 + $0.1] == nil })
        let error = try Self.loadError(Self.modified("qwen3") { object in
            var model = object["model"] as! [String: Any]
            model["merges"] = [[pair.0, pair.1]]
            object["model"] = model
        })
        #expect(error.key == "model.merges[0]")
        #expect(error.message.contains("not in the vocabulary"))
    }

    @Test("a vocabulary of the wrong type")
    func vocabularyTypeMismatch() throws {
        let error = try Self.loadError(Self.modified("minilm") { object in
            var model = object["model"] as! [String: Any]
            model["vocab"] = ["[PAD]", "[UNK]"]
            object["model"] = model
        })
        #expect(error.key == "model.vocab")
        #expect(error.message.contains("expected"))
    }

    @Test("a WordPiece unknown token missing from the vocabulary")
    func wordPieceWithoutUnknownToken() throws {
        let error = try Self.loadError(Self.modified("minilm") { object in
            var model = object["model"] as! [String: Any]
            model["unk_token"] = "<nope>"
            object["model"] = model
        })
        #expect(error.key == "model.unk_token")
        #expect(error.message.contains("\"<nope>\""))
    }

    @Test("an unsupported split regex, normalizer, decoder or post-processor")
    func unsupportedComponents() throws {
        let regex = try Self.loadError(Self.modified("qwen3") { object in
            var pre = object["pre_tokenizer"] as! [String: Any]
            var steps = pre["pretokenizers"] as! [[String: Any]]
            steps[0]["pattern"] = ["Regex": "\\w+"]
            pre["pretokenizers"] = steps
            object["pre_tokenizer"] = pre
        })
        #expect(regex.key == "pre_tokenizer.pretokenizers[0].pattern")
        #expect(regex.message.contains("unsupported Split regex"))

        let normalizer = try Self.loadError(Self.modified("qwen3") { $0["normalizer"] = ["type": "Precompiled"] })
        #expect(normalizer.key == "normalizer.type")
        #expect(normalizer.message.contains("unsupported normalizer type \"Precompiled\""))

        let decoder = try Self.loadError(Self.modified("minilm") { $0["decoder"] = ["type": "CTC"] })
        #expect(decoder.key == "decoder.type")

        let processor = try Self.loadError(Self.modified("minilm") { $0["post_processor"] = ["type": "Mystery"] })
        #expect(processor.key == "post_processor.type")
    }

    @Test("a template special token whose id is not in the vocabulary")
    func templateTokenOutsideVocabulary() throws {
        let error = try Self.loadError(Self.modified("modernbert") { object in
            var processor = object["post_processor"] as! [String: Any]
            processor["special_tokens"] = ["[CLS]": ["id": "[CLS]", "ids": [999_999], "tokens": ["[CLS]"]],
                                           "[SEP]": ["id": "[SEP]", "ids": [1], "tokens": ["[SEP]"]]]
            object["post_processor"] = processor
        })
        #expect(error.key == "post_processor.special_tokens")
        #expect(error.message.contains("999999"))
    }

    @Test("a negative or absurd token id")
    func badTokenIDs() throws {
        let negative = try Self.loadError(Self.modified("minilm") { object in
            var model = object["model"] as! [String: Any]
            var vocab = model["vocab"] as! [String: Int]
            vocab["hello"] = -3
            model["vocab"] = vocab
            object["model"] = model
        })
        #expect(negative.key == "model.vocab")
        #expect(negative.message.contains("\"hello\" has id -3"))
        let huge = try Self.loadError(Self.modified("qwen3") { object in
            var added = object["added_tokens"] as! [[String: Any]]
            added[0]["id"] = 4_000_000_000
            object["added_tokens"] = added
        })
        #expect(huge.key == "added_tokens[0].id")
    }

    @Test("an empty added token")
    func emptyAddedToken() throws {
        let error = try Self.loadError(Self.modified("qwen3") { object in
            var added = object["added_tokens"] as! [[String: Any]]
            added[1]["content"] = ""
            object["added_tokens"] = added
        })
        #expect(error.key == "added_tokens[1].content")
    }
}
