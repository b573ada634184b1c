import Foundation
import PRIMAKnowledge
import PRIMATestSupport
import Testing

/// BM25 against rank-bm25's BM25Okapi (Scripts/reference/gen_bm25.py), on the mini-corpus.
@Suite struct BM25Tests {
    struct Case: Decodable {
        struct Params: Decodable { let k1: Double; let b: Double; let epsilon: Double }
        let params: Params
        let scores: [[Double]]
        let idf: [String: Double]
        let average_length: Double
    }
    struct Reference: Decodable {
        let chunk_ids: [String]
        let chunk_terms: [[String]]
        let queries: [String]
        let query_terms: [[String]]
        let cases: [Case]
    }

    static let reference = try! JSONDecoder().decode(
        Reference.self, from: Data(contentsOf: Bundle.module.url(forResource: "bm25", withExtension: "json", subdirectory: "Fixtures")!))

    @Test func termsAreTheOnesScoredByTheReference() throws {
        let r = Self.reference
        let chunks = try Chunker(tokenizer: MiniCorpus.tokenizer).chunks(of: MiniCorpus.documents)
        #expect(chunks.map(\.id) == r.chunk_ids)
        #expect(chunks.map { BM25.terms(in: $0.text) } == r.chunk_terms)
        #expect(r.queries.map(BM25.terms(in:)) == r.query_terms)
    }

    @Test func scoresAndIDFMatchRankBM25() {
        let r = Self.reference
        var worst = 0.0
        for reference in r.cases {
            let bm25 = BM25(termLists: r.chunk_terms, k1: reference.params.k1, b: reference.params.b, epsilon: reference.params.epsilon)
            #expect(abs(bm25.averageLength - reference.average_length) <= 1e-12)
            #expect(Set(bm25.idf.keys) == Set(reference.idf.keys))
            for (term, idf) in reference.idf { worst = max(worst, abs(bm25.idf[term]! - idf)) }
            for (terms, expected) in zip(r.query_terms, reference.scores) {
                for (got, want) in zip(bm25.scores(queryTerms: terms), expected) { worst = max(worst, abs(got - want) / max(1, abs(want))) }
            }
        }
        print("BM25 vs rank-bm25: worst scaled error \(worst)")
        #expect(worst <= Tolerance.bm25, "worst scaled BM25 error \(worst)")
    }

    @Test func frequentTermsGetTheFlooredIDF() {
        // "a" is in 3 of 4 chunks: ln(1.5) − ln(3.5) < 0, so its IDF becomes ε · mean IDF.
        let bm25 = BM25(termLists: [["a", "b"], ["a"], ["a", "c"], ["d"]])
        let raw = ["a": log(1.5) - log(3.5), "b": log(3.5) - log(1.5), "c": log(3.5) - log(1.5), "d": log(3.5) - log(1.5)]
        let floor = 0.25 * raw.values.reduce(0, +) / 4
        #expect(abs(bm25.idf["a"]! - floor) < 1e-12)
        #expect(bm25.scores(queryTerms: ["zzz"]) == [0, 0, 0, 0])
    }
}
