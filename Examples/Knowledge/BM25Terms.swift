// `prima-knowledge bm25-terms`: BM25 terms as JSON, the input of Scripts/reference/gen_bm25.py.
import ArgumentParser
import Foundation
import PRIMAKnowledge
import PRIMAText

struct BM25Terms: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bm25-terms",
        abstract: "Prints, as JSON, the BM25 terms of a document folder's chunks and of queries (input of the reference check).")

    @Option(help: ArgumentHelp("Folder of documents.", valueName: "folder")) var documents: String
    @Option(help: ArgumentHelp("tokenizer.json counting chunk tokens.", valueName: "file")) var tokenizer: String
    @Option(help: "Chunk size in tokens.") var chunkTokens = 200
    @Option(help: "Tokens shared by consecutive chunks.") var overlapTokens = 40
    @Option(name: .customLong("query"), help: "A query (repeat the option).") var queries: [String] = []

    func run() throws {
        try reportingErrors {
            let chunker = try Chunker(tokenizer: try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizer)),
                                      maxTokens: chunkTokens, overlapTokens: overlapTokens)
            let chunks = chunker.chunks(of: try DocumentLoader.load(folder: URL(fileURLWithPath: documents)))
            struct Output: Encodable { var chunk_ids: [String]; var chunk_terms: [[String]]; var queries: [String]; var query_terms: [[String]] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let out = Output(chunk_ids: chunks.map(\.id), chunk_terms: chunks.map { BM25.terms(in: $0.text) },
                             queries: queries, query_terms: queries.map(BM25.terms(in:)))
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
        }
    }
}
