import Foundation
import PRIMATestSupport
import PRIMAText
import Testing

/// Tokenizer files whose numbers would trap an integer conversion, allocate gigabytes or corrupt memory
/// are refused at load time with a ``TokenizerError`` naming the key; duplicate vocabulary entries and JSON
/// syntax errors are reported with the token or the line and column. Before these checks, the first group
/// crashed the process (SIGILL) while the model was being built.
@Suite("Hostile tokenizer files")
struct TokenizerHostileFileTests {
    private static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: TokenizerFixtures.tokenizerURL(name))) as! [String: Any]
    }

    /// The error of loading `data`, which must be refused.
    private static func loadError(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) -> TokenizerError? {
        let error = #expect(throws: TokenizerError.self, sourceLocation: sourceLocation) {
            try Tokenizer(data: data, source: "hostile.json")
        }
        #expect(error?.file == "hostile.json", sourceLocation: sourceLocation)
        return error
    }

    private static func loadError(_ name: String, sourceLocation: SourceLocation = #_sourceLocation,
                                  _ change: (inout [String: Any]) -> Void) throws -> TokenizerError? {
        var object = try json(name)
        change(&object)
        return loadError(try JSONSerialization.data(withJSONObject: object), sourceLocation: sourceLocation)
    }

    private static func setVocab(_ object: inout [String: Any], _ token: String, _ id: Int) {
        var model = object["model"] as! [String: Any]
        var vocab = model["vocab"] as! [String: Int]
        vocab[token] = id
        model["vocab"] = vocab
        object["model"] = model
    }

    @Test("WordPiece vocabulary ids beyond Int32 or negative")
    func wordPieceIDsOutOfRange() throws {
        for id in [3_000_000_000, Int(Int32.max), -1, Int.min] {
            let error = try Self.loadError("minilm") { Self.setVocab(&$0, "hello", id) }
            #expect(error?.key == "model.vocab")
            #expect(error?.message.contains("\"hello\" has id \(id)") == true, "\(error.map(String.init(describing:)) ?? "")")
        }
    }

    @Test("BPE vocabulary ids used by merges beyond Int32 or negative")
    func bpeMergeIDsOutOfRange() throws {
        // "Ġ" and "t" start the first merges of the ModernBERT fixture.
        for (token, id) in [("Ġ", 5_000_000_000), ("t", -7), ("Ġt", 1 << 40)] {
            let error = try Self.loadError("modernbert") { Self.setVocab(&$0, token, id) }
            #expect(error?.key == "model.vocab")
            #expect(error?.message.contains("has id \(id)") == true, "\(error.map(String.init(describing:)) ?? "")")
        }
    }

    @Test("an id too large for 64 bits is located in the file")
    func idBeyondInt64() throws {
        var text = String(decoding: try Data(contentsOf: TokenizerFixtures.tokenizerURL("minilm")), as: UTF8.self)
        let range = try #require(text.range(of: "\"[UNK]\":100,"))
        text.replaceSubrange(range, with: "\"[UNK]\":99999999999999999999999,")
        let error = Self.loadError(Data(text.utf8))
        #expect(error?.message.contains("99999999999999999999999") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.message.contains("line ") == true)
    }

    @Test("a vocabulary token listed twice")
    func duplicateVocabularyToken() throws {
        var text = String(decoding: try Data(contentsOf: TokenizerFixtures.tokenizerURL("minilm")), as: UTF8.self)
        let range = try #require(text.range(of: "\"vocab\":{"))
        text.insert(contentsOf: "\"hello\": 3, ", at: range.upperBound)
        let error = Self.loadError(Data(text.utf8))
        #expect(error?.key == "model.vocab")
        #expect(error?.message.contains("\"hello\" is listed twice") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test("padding with a huge fixed length or multiple, or a pad id that is no token")
    func hostilePadding() throws {
        let fixed = try Self.loadError("minilm") { $0["padding"] = ["strategy": ["Fixed": 1 << 40], "pad_id": 0, "pad_token": "[PAD]"] }
        #expect(fixed?.key == "padding.strategy")
        #expect(fixed?.message.contains("1099511627776") == true)
        for multiple in [1 << 40, 0, -8, Int.max] {
            let error = try Self.loadError("minilm") { object in
                object["padding"] = ["strategy": "BatchLongest", "pad_to_multiple_of": multiple, "pad_id": 0, "pad_token": "[PAD]"]
            }
            #expect(error?.key == "padding.pad_to_multiple_of", "\(multiple)")
        }
        for padID in [-1, 1 << 40, 30_000_000] {
            let error = try Self.loadError("minilm") { object in
                object["padding"] = ["strategy": "BatchLongest", "pad_id": padID, "pad_token": "[PAD]"]
            }
            #expect(error?.key == "padding.pad_id", "\(padID)")
        }
    }

    @Test("truncation to a huge length")
    func hostileTruncation() throws {
        let error = try Self.loadError("minilm") { $0["truncation"] = ["max_length": Int.max, "strategy": "LongestFirst", "stride": 0] }
        #expect(error?.key == "truncation.max_length")
    }

    @Test("the largest accepted padding still encodes")
    func paddingAtTheLimitEncodes() throws {
        var object = try Self.json("minilm")
        object["padding"] = ["strategy": ["Fixed": 24], "pad_to_multiple_of": 16, "pad_id": 0, "pad_token": "[PAD]"]
        let tokenizer = try Tokenizer(data: try JSONSerialization.data(withJSONObject: object))
        #expect(tokenizer.encode("a short text").count == 32)
    }

    @Test("JSON syntax errors name the line and column")
    func syntaxErrorLocation() throws {
        let text = "{\n  \"model\": {\"type\": \"WordPiece\",\n    \"vocab\": {\"a\": 0,, \"b\": 1}\n  }\n}"
        let error = Self.loadError(Data(text.utf8))
        #expect(error?.message.contains("line 3, column 22") == true, "\(error.map(String.init(describing:)) ?? "")")
        let cut = Self.loadError(Data("{\"model\": {\"type\": \"BPE\"".utf8))
        #expect(cut?.message.contains("end of the file") == true, "\(cut.map(String.init(describing:)) ?? "")")
        let deep = Self.loadError(Data(("{\"normalizer\": " + String(repeating: "[", count: 100_000)).utf8))
        #expect(deep?.message.contains("nesting deeper") == true, "\(deep.map(String.init(describing:)) ?? "")")
    }

    /// Mutated tokenizer files (WordPiece and BPE, with padding and truncation set) either load — and then
    /// encode a text — or throw; a trap would end the test process.
    @Test("fuzz: mutated tokenizer files load or throw")
    func fuzzTokenizerFiles() throws {
        var withPadding = try Self.json("minilm")
        withPadding["padding"] = ["strategy": ["Fixed": 12], "pad_to_multiple_of": 8, "pad_id": 0, "pad_token": "[PAD]"]
        withPadding["truncation"] = ["max_length": 10, "strategy": "LongestFirst", "stride": 0]
        var model = withPadding["model"] as! [String: Any]
        model["vocab"] = (model["vocab"] as! [String: Int]).filter { $0.value < 120 || $0.key == "hello" }
        withPadding["model"] = model
        // Qwen3's byte-level BPE cut to its first 400 tokens and the merges among them.
        var bpe = try Self.json("qwen3")
        var bpeModel = bpe["model"] as! [String: Any]
        let kept = (bpeModel["vocab"] as! [String: Int]).filter { $0.value < 400 }
        bpeModel["vocab"] = kept
        bpeModel["merges"] = (bpeModel["merges"] as! [[String]]).filter { kept[$0[0]] != nil && kept[$0[1]] != nil && kept[$0[0] + $0[1]] != nil }
        bpe["model"] = bpeModel
        bpe["added_tokens"] = []
        let seeds = [try JSONSerialization.data(withJSONObject: withPadding),
                     try Data(contentsOf: TokenizerFixtures.url("escaped_vocabulary_tokenizer.json")),
                     try JSONSerialization.data(withJSONObject: bpe)]
        let run = FuzzRun.run(seeds: seeds, iterations: 300, seed: 12) { data in
            let tokenizer = try Tokenizer(data: data)
            let encoding = tokenizer.encode("Hello, world: a lesion of 3 mm.")
            _ = tokenizer.decode(encoding.ids)
        }
        print("tokenizer.json fuzz: \(run.summary)")
        #expect(run.parsed + run.refused == 300)
        #expect(run.refused > 0 && run.parsed > 0, "the mutations should both break and spare files: \(run.summary)")
        #expect(run.slowest.seconds < 5, "\(run.summary)")
    }
}
