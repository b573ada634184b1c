import Foundation
import PRIMAData
import PRIMAKnowledge
import PRIMATensor
import PRIMAText
import Testing

@Suite struct RetrievalTests {
    static let index = try! KnowledgeIndex.build(documents: MiniCorpus.documents, chunker: try! Chunker(tokenizer: MiniCorpus.tokenizer))

    /// Measured: recall@1 0.79, recall@3 0.875, recall@5 0.92. BM25 has no stemming: "itching skin lesion" does not
    /// match "Itch is frequent…", and "skin cancer" pulls other chunks above the second pesticide chunk; dense
    /// retrieval (MiniLMKnowledgeTests) finds those.
    @Test func bm25RecallOnTheMiniCorpus() throws {
        let index = Self.index
        let at1 = try MiniCorpus.recall(at: 1) { try index.search($0, topK: 5, method: .bm25) }
        let at3 = try MiniCorpus.recall(at: 3) { try index.search($0, topK: 5, method: .bm25) }
        let at5 = try MiniCorpus.recall(at: 5) { try index.search($0, topK: 5, method: .bm25) }
        print("BM25 recall@1 \(at1) recall@3 \(at3) recall@5 \(at5)")
        #expect(at1 >= 0.75)
        #expect(at3 >= 0.85)
        #expect(at5 >= 0.9)
    }

    @Test func reciprocalRankFusionFollowsTheFormula() {
        let fused = ReciprocalRankFusion().fuse([[3, 1, 2], [1, 4]])
        #expect(fused.map(\.index) == [1, 3, 4, 2])
        #expect(abs(fused[0].score - (1.0 / 62 + 1.0 / 61)) < 1e-15)
        #expect(abs(fused[1].score - 1.0 / 61) < 1e-15)
        #expect(abs(fused[2].score - 1.0 / 62) < 1e-15)
    }

    @Test func chunksOverlapByTokens() throws {
        let words = (0..<50).map { "w\($0)" }
        let tokenizer = try CorpusTokenizer.make(corpus: [words.joined(separator: " ")])
        let chunks = try Chunker(tokenizer: tokenizer, maxTokens: 20, overlapTokens: 5)
            .chunks(of: KnowledgeDocument(id: "d", title: "t", text: words.joined(separator: " "), source: "s"))
        let pieces = chunks.map { $0.text.split(separator: " ").map(String.init) }
        #expect(chunks.map(\.id) == ["d#0", "d#1", "d#2"])
        #expect(pieces.allSatisfy { $0.count <= 20 })
        #expect(Array(pieces[0].suffix(5)) == Array(pieces[1].prefix(5)))
        #expect(pieces.last?.last == "w49")
        #expect(throws: KnowledgeError.self) { try Chunker(tokenizer: tokenizer, maxTokens: 10, overlapTokens: 10) }
    }

    @Test func indexReloadsWithoutRecomputing() throws {
        let scratch = ScratchDirectory()
        let chunks = Array(Self.index.chunks.prefix(4))
        var rng = RandomGenerator(seed: 1)
        let vectors = Tensor.randomNormal([4, 8], using: &rng).l2Normalized(axis: 1)
        let index = try KnowledgeIndex(chunks: chunks, chunking: Self.index.chunking, embeddings: vectors, embedderIdentity: "test 8-d")
        try index.write(to: scratch.url)
        let loaded = try KnowledgeIndex(contentsOf: scratch.url)
        #expect(loaded.chunks == chunks)
        #expect(loaded.embeddings?.scalars == vectors.scalars)
        #expect(loaded.embedderIdentity == "test 8-d")
        #expect(loaded.chunking == Self.index.chunking)
        #expect(throws: KnowledgeError.self) { try loaded.search("smoking", topK: 3, method: .dense) }

        // Vectors of another build next to this index.json are refused, naming the file.
        let other = ScratchDirectory()
        try KnowledgeIndex(chunks: chunks, chunking: Self.index.chunking, embeddings: vectors, embedderIdentity: "test 8-d").write(to: other.url)
        try FileManager.default.removeItem(at: scratch.file(KnowledgeIndex.embeddingsFileName))
        try FileManager.default.copyItem(at: other.file(KnowledgeIndex.embeddingsFileName), to: scratch.file(KnowledgeIndex.embeddingsFileName))
        let error = #expect(throws: DataError.self) { try KnowledgeIndex(contentsOf: scratch.url) }
        #expect(error?.description.contains("embeddings.safetensors") == true)
    }

    @Test func badDocumentsNameTheFileAndLine() throws {
        let scratch = ScratchDirectory()
        try "   \n".write(to: scratch.file("empty.md"), atomically: true, encoding: .utf8)
        var error = #expect(throws: DataError.self) { try DocumentLoader.load(folder: scratch.url) }
        #expect(error?.description.contains("empty.md") == true && error?.description.contains("empty") == true)

        try FileManager.default.removeItem(at: scratch.file("empty.md"))
        try "{\"id\": \"a\", \"text\": \"fine\"}\n{\"id\": \"b\"}\n".write(to: scratch.file("docs.jsonl"), atomically: true, encoding: .utf8)
        error = #expect(throws: DataError.self) { try DocumentLoader.load(folder: scratch.url) }
        #expect(error?.description.contains("docs.jsonl, line 2") == true, "\(String(describing: error))")
        #expect(error?.description.contains("\"text\"") == true, "\(String(describing: error))")

        try Data([0xFF, 0xFE, 0x00]).write(to: scratch.file("docs.jsonl"))
        error = #expect(throws: DataError.self) { try DocumentLoader.load(folder: scratch.url) }
        #expect(error?.description.contains("not UTF-8") == true)

        try FileManager.default.removeItem(at: scratch.file("docs.jsonl"))
        #expect(throws: DataError.self) { try DocumentLoader.load(folder: scratch.url) }
        #expect(throws: DataError.self) { try DocumentLoader.load(folder: scratch.file("missing")) }
    }

    @Test func markdownTitleAndIDs() throws {
        let scratch = ScratchDirectory()
        try FileManager.default.createDirectory(at: scratch.file("notes"), withIntermediateDirectories: true)
        try "# Sun and skin\n\nUltraviolet light damages DNA.".write(to: scratch.file("notes/sun.md"), atomically: true, encoding: .utf8)
        try "Plain text.".write(to: scratch.file("plain.txt"), atomically: true, encoding: .utf8)
        let documents = try DocumentLoader.load(folder: scratch.url)
        #expect(documents.map(\.id) == ["notes/sun", "plain"])
        #expect(documents.map(\.title) == ["Sun and skin", "plain"])
    }
}
