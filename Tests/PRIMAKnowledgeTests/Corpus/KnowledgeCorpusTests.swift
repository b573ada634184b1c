import Foundation
import PRIMAData
import PRIMAKnowledge
import Testing

@Suite struct KnowledgeCorpusTests {
    static func entry(_ factor: String, approved: Bool? = nil) -> KnowledgeEntry {
        KnowledgeEntry(dataset: "pad-ufes-20", riskFactor: factor, summary: "\(factor) summary",
                       diagnoses: [DiagnosisKnowledge(diagnosis: "BCC", text: "\(factor) and BCC")],
                       provenance: KnowledgeProvenance(retrievedChunkIDs: ["sun-1#0"], generator: "test", settings: GenerationSettings(),
                                                       createdAt: Date(timeIntervalSince1970: 1_800_000_000)),
                       approved: approved)
    }

    @Test func shippedStartingCorpusReads() throws {
        let url = try #require(KnowledgeCorpus.startingCorpusURL)
        let corpus = try KnowledgeCorpus(contentsOf: url)
        #expect(!corpus.approvedEntries.isEmpty)
        #expect(!(try RefinementTexts.texts(of: corpus, source: url.path)).isEmpty)
    }

    @Test func roundTripKeepsPendingFieldsAsNull() throws {
        let corpus = KnowledgeCorpus(entries: [Self.entry("smoke"), Self.entry("age", approved: true)])
        let text = try corpus.jsonLines()
        #expect(text.split(separator: "\n").count == 2)
        #expect(text.contains("\"approved\":null") && text.contains("\"created_at\":\"2027-01-15T08:00:00Z\""))
        #expect(try KnowledgeCorpus(jsonLines: text, source: "mem") == corpus)
    }

    @Test func badLineNamesFileAndLine() {
        let good = try! KnowledgeCorpus(entries: [Self.entry("smoke")]).jsonLines()
        let error = #expect(throws: DataError.self) { try KnowledgeCorpus(jsonLines: good + "\n{\"id\": 3}\n", source: "corpus.jsonl") }
        #expect(error?.description.hasPrefix("corpus.jsonl, line 3: ") == true, "\(String(describing: error))")
        let duplicate = #expect(throws: DataError.self) { try KnowledgeCorpus(jsonLines: good + good, source: "c.jsonl") }
        #expect(duplicate?.description.contains("line 2") == true)
        #expect(throws: DataError.self) { try KnowledgeCorpus(jsonLines: "\n\n", source: "empty.jsonl") }
    }

    @Test func reviewRewritesTheFileAndNothingOnError() throws {
        let scratch = ScratchDirectory()
        let url = scratch.file("corpus.jsonl")
        try KnowledgeCorpus(entries: [Self.entry("smoke"), Self.entry("age")]).write(to: url)
        try KnowledgeCorpus.review(file: url, id: "pad-ufes-20/smoke", verdict: .approve, reviewer: "Dr A", notes: "checked")
        try KnowledgeCorpus.review(file: url, id: "pad-ufes-20/age", verdict: .reject, reviewer: "Dr A")
        let reviewed = try KnowledgeCorpus(contentsOf: url)
        #expect(reviewed.entries.map(\.approved) == [true, false])
        #expect(reviewed.entries[0].reviewer == "Dr A" && reviewed.entries[0].notes == "checked")
        #expect(reviewed.pendingEntries.isEmpty)

        let before = try Data(contentsOf: url)
        #expect(throws: KnowledgeError.self) { try KnowledgeCorpus.review(file: url, id: "nope", verdict: .approve, reviewer: "Dr A") }
        #expect(throws: KnowledgeError.self) { try KnowledgeCorpus.review(file: url, id: "pad-ufes-20/age", verdict: .approve, reviewer: " ") }
        #expect(try Data(contentsOf: url) == before)
    }

    @Test func refinementNeedsApprovedEntries() {
        let corpus = KnowledgeCorpus(entries: [Self.entry("smoke"), Self.entry("age", approved: false)])
        let error = #expect(throws: KnowledgeError.self) { try RefinementTexts.texts(of: corpus, source: "c.jsonl") }
        #expect(error?.message.contains("no approved entries (1 pending review, 1 rejected)") == true)
        #expect(RefinementTexts.texts(of: Self.entry("smoke")) == ["smoke: smoke summary", "smoke and BCC: smoke and BCC"])
    }
}
