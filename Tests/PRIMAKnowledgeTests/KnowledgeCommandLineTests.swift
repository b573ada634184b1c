import Foundation
import PRIMAKnowledge
import PRIMANN
import PRIMATensor
import PRIMAText
import Testing

/// Runs `prima-knowledge` as a user would: good runs print progress and results; bad input ends with one
/// `error:` line and a non-zero status.
@Suite struct KnowledgeCommandLineTests {
    static func executable() throws -> URL {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
                          Bundle.main.bundleURL.deletingLastPathComponent()]
        candidates += candidates.map { $0.deletingLastPathComponent() }
        for directory in candidates {
            let url = directory.appendingPathComponent("prima-knowledge")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw KnowledgeError("prima-knowledge not found next to the tests (looked in \(candidates.map(\.path)))")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static func expectOneErrorLine(_ result: (status: Int32, stdout: String, stderr: String), mentioning text: String) {
        #expect(result.status != 0)
        // Progress lines may come first, and ArgumentParser follows a bad option with the usage.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.last?.hasPrefix("error: ") == true || lines.contains { $0.hasPrefix("Error: ") }, "\(result.stderr)")
        #expect(result.stderr.contains(text), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
    }

    @Test func indexSearchAndBadDocuments() throws {
        let scratch = ScratchDirectory()
        let tokenizerFile = scratch.file("tokenizer.json")
        try CorpusTokenizer.json(vocabulary: CorpusTokenizer.vocabulary(of: MiniCorpus.documents.map(\.text))).write(to: tokenizerFile)
        let index = scratch.file("index").path
        let built = try Self.run(["index", "--documents", MiniCorpus.folder.path, "--tokenizer", tokenizerFile.path, "--output", index])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stdout.contains("wrote 30 chunks"))
        let found = try Self.run(["search", "--index", index, "--query", "contact lens wear", "--top-k", "1"])
        #expect(found.stdout.hasPrefix("1. keratitis-2#0"), "\(found.stdout)")

        let bad = scratch.file("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try "{\"id\": \"x\", \"text\": \"ok\"}\nnot json\n".write(to: bad.appendingPathComponent("d.jsonl"), atomically: true, encoding: .utf8)
        let failed = try Self.run(["index", "--documents", bad.path, "--tokenizer", tokenizerFile.path, "--output", scratch.file("bad-index").path])
        Self.expectOneErrorLine(failed, mentioning: "d.jsonl, line 2")
        #expect(failed.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("bad-index").path))
        Self.expectOneErrorLine(try Self.run(["search", "--index", index, "--query", "x", "--top-k", "0"]), mentioning: "--top-k must be at least 1")
    }

    @Test func reviewAndRefine() throws {
        let scratch = ScratchDirectory()
        let corpus = scratch.file("corpus.jsonl")
        let entries = ["smoke", "age"].map { factor in
            KnowledgeEntry(dataset: "pad-ufes-20", riskFactor: factor, summary: "\(factor) relates to skin cancer in older patients",
                           diagnoses: [DiagnosisKnowledge(diagnosis: "BCC", text: "\(factor) raises the risk of basal cell carcinoma")],
                           provenance: KnowledgeProvenance(retrievedChunkIDs: [], generator: "test", settings: GenerationSettings()))
        }
        try KnowledgeCorpus(entries: entries).write(to: corpus)

        // A tiny random BERT checkpoint folder with a WordPiece tokenizer of the corpus texts.
        let model = scratch.file("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let texts = entries.flatMap(RefinementTexts.texts(of:))
        let tokenizer = try CorpusTokenizer.make(corpus: texts)
        try CorpusTokenizer.json(vocabulary: CorpusTokenizer.vocabulary(of: texts)).write(to: model.appendingPathComponent("tokenizer.json"))
        let config: [String: Any] = ["model_type": "bert", "vocab_size": tokenizer.vocabularySize, "hidden_size": 16, "num_hidden_layers": 1,
                                     "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64, "type_vocab_size": 2]
        try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("config.json"))
        var rng = RandomGenerator(seed: 0)
        let bert = BERTForMaskedLM(config: BERTConfig(vocabSize: tokenizer.vocabularySize, hiddenSize: 16, numHiddenLayers: 1,
                                                      numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 64), using: &rng)
        try SafeTensors.write(bert.stateDict().filter { !$0.key.contains("decoder") }, metadata: ["format": "pt"],
                              to: model.appendingPathComponent("model.safetensors"))

        let adapters = scratch.file("adapters.safetensors").path
        let refineArguments = ["refine", "--corpus", corpus.path, "--text-checkpoint", model.path, "--output", adapters, "--epochs", "1"]
        Self.expectOneErrorLine(try Self.run(refineArguments), mentioning: "no approved entries (2 pending review, 0 rejected)")
        #expect(!FileManager.default.fileExists(atPath: adapters))

        let pending = try Self.run(["review", "--corpus", corpus.path])
        #expect(pending.stdout.contains("pad-ufes-20/smoke") && pending.stdout.contains("2 pending"))
        let approved = try Self.run(["review", "--corpus", corpus.path, "--id", "pad-ufes-20/smoke", "--approve", "--reviewer", "Dr A"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(try KnowledgeCorpus(contentsOf: corpus).entries[0].approved == true)
        Self.expectOneErrorLine(try Self.run(["review", "--corpus", corpus.path, "--id", "nope", "--reject", "--reviewer", "Dr A"]),
                                mentioning: "no corpus entry has id \"nope\"")

        let refined = try Self.run(refineArguments)
        #expect(refined.status == 0, "\(refined.stderr)")
        #expect(refined.stderr.contains("epoch 1/1"), "\(refined.stderr)")
        #expect(FileManager.default.fileExists(atPath: adapters))

        try "{\"id\": 1}\n".write(to: corpus, atomically: true, encoding: .utf8)
        Self.expectOneErrorLine(try Self.run(["review", "--corpus", corpus.path]), mentioning: "corpus.jsonl, line 1")
    }

    static func chatAnswer(_ content: String) -> String {
        let escaped = String(decoding: try! JSONEncoder().encode(content), as: UTF8.self)
        return #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"#
            + escaped + #"},"finish_reason":"stop"}]}"#
    }

    @Test func generateAddsAPendingEntryThroughAnOpenAICompatibleServer() throws {
        let scratch = ScratchDirectory()
        let tokenizerFile = scratch.file("tokenizer.json")
        try CorpusTokenizer.json(vocabulary: CorpusTokenizer.vocabulary(of: MiniCorpus.documents.map(\.text))).write(to: tokenizerFile)
        let index = scratch.file("index").path
        #expect(try Self.run(["index", "--documents", MiniCorpus.folder.path, "--tokenizer", tokenizerFile.path, "--output", index]).status == 0)
        let paragraphs = Dictionary(uniqueKeysWithValues: KnowledgeDataset.padUFES20.diagnoses.map { ($0.code, "About \($0.code).") })
        let good = "Here it is: " + String(decoding: try JSONSerialization.data(withJSONObject: ["summary": "Smoking harms skin.",
                                                                                             "diagnoses": paragraphs]), as: UTF8.self)
        let server = try LoopbackHTTPServer(replies: [.init(status: 200, body: Self.chatAnswer(good)),
                                                      .init(status: 200, body: Self.chatAnswer("I cannot answer."))])
        let corpus = scratch.file("corpus.jsonl")
        let arguments = ["generate", "--index", index, "--corpus", corpus.path, "--dataset", "pad-ufes-20", "--risk-factor", "smoke",
                         "--top-k", "3", "--attempts", "1", "--endpoint", server.baseURL.absoluteString, "--model", "tiny"]
        let result = try Self.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let entry = try #require(try KnowledgeCorpus(contentsOf: corpus).entries.first)
        #expect(entry.id == "pad-ufes-20/smoke" && entry.approved == nil)
        #expect(entry.summary == "Smoking harms skin.")
        #expect(entry.diagnoses.map(\.diagnosis) == KnowledgeDataset.padUFES20.diagnoses.map(\.code))
        #expect(entry.provenance.retrievedChunkIDs.contains("smoke-1#0"), "\(entry.provenance.retrievedChunkIDs)")
        #expect(entry.provenance.generator.contains("model=tiny"))

        let before = try Data(contentsOf: corpus)
        Self.expectOneErrorLine(try Self.run(arguments), mentioning: "pad-ufes-20/smoke: no usable answer after 1 attempt")
        #expect(try Data(contentsOf: corpus) == before)
        Self.expectOneErrorLine(try Self.run(arguments.map { $0 == "smoke" ? "wine" : $0 }), mentioning: "--risk-factor wine is not a risk factor")
        server.waitUntilDone()
    }
}
