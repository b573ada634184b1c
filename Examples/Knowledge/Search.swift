// `prima-knowledge search`: the best chunks of an index for a query.
import ArgumentParser
import Foundation
import PRIMAKnowledge

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prints the best chunks of an index for a query.")

    @Option(help: ArgumentHelp("Index folder written by `index`.", valueName: "folder")) var index: String
    @Option(help: "The query.") var query: String
    @Option(help: "Chunks to print.") var topK = 5
    @Option(help: "bm25, dense or hybrid (reciprocal-rank fusion, k = 60).") var method = "bm25"
    @Option(help: ArgumentHelp("The text encoder the index was built with (dense and hybrid).", valueName: "folder"))
    var textCheckpoint: String?
    @Option(help: "Pooling the index was built with.") var pooling = "mean"

    func validate() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        guard RetrievalMethod(rawValue: method) != nil else { throw ValidationError("--method must be bm25, dense or hybrid, got \(method)") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try KnowledgeIndex(contentsOf: URL(fileURLWithPath: index))
            let embedder = try textCheckpoint.map {
                SentenceEmbedder(encoder: try loadEncoder($0, option: "--text-checkpoint"), name: URL(fileURLWithPath: $0).lastPathComponent,
                                 pooling: SentenceEmbedder.Pooling(rawValue: pooling) ?? .mean)
            }
            for hit in try loaded.search(query, topK: topK, method: RetrievalMethod(rawValue: method)!, embedder: embedder) {
                print("\(hit.rank). \(hit.chunk.id) (\(String(format: "%.4f", hit.score))) \(hit.chunk.text)")
            }
        }
    }
}
