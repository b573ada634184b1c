// `prima-knowledge index`: documents → chunks → index folder.
import ArgumentParser
import Foundation
import PRIMAKnowledge
import PRIMAText

struct Index: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chunks a folder of documents (.txt, .md, .jsonl) and writes a search index.",
        discussion: "Chunk sizes count tokens of the text encoder's tokenizer. With --text-checkpoint the chunks are also "
            + "encoded (mean-pooled, L2-normalised) for dense and hybrid search; without it the index is BM25 only.")

    @Option(help: ArgumentHelp("Folder of documents.", valueName: "folder")) var documents: String
    @Option(help: ArgumentHelp("Output folder of the index.", valueName: "folder")) var output: String
    @Option(help: ArgumentHelp("Text-encoder folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    var textCheckpoint: String?
    @Option(help: ArgumentHelp("A tokenizer.json to count chunk tokens when there is no --text-checkpoint.", valueName: "file"))
    var tokenizer: String?
    @Option(help: "Chunk size in tokens.") var chunkTokens = 200
    @Option(help: "Tokens shared by consecutive chunks.") var overlapTokens = 40
    @Option(help: "Pooling of the dense vectors: mean or cls.") var pooling = "mean"

    func validate() throws {
        guard textCheckpoint != nil || tokenizer != nil else { throw ValidationError("give --text-checkpoint or --tokenizer") }
        guard SentenceEmbedder.Pooling(rawValue: pooling) != nil else { throw ValidationError("--pooling must be mean or cls, got \(pooling)") }
    }

    func run() throws {
        try reportingErrors {
            let docs = try DocumentLoader.load(folder: URL(fileURLWithPath: documents))
            note("read \(docs.count) documents from \(documents)")
            var embedder: SentenceEmbedder?
            let countingTokenizer: Tokenizer
            if let textCheckpoint {
                let encoder = try loadEncoder(textCheckpoint, option: "--text-checkpoint")
                embedder = SentenceEmbedder(encoder: encoder, name: URL(fileURLWithPath: textCheckpoint).lastPathComponent,
                                            pooling: SentenceEmbedder.Pooling(rawValue: pooling)!)
                countingTokenizer = encoder.tokenizer!
            } else {
                countingTokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizer!))
            }
            let chunker = try Chunker(tokenizer: countingTokenizer, maxTokens: chunkTokens, overlapTokens: overlapTokens)
            let index = try KnowledgeIndex.build(documents: docs, chunker: chunker, embedder: embedder) { done, total in
                note("encoded \(done)/\(total) chunks")
            }
            try index.write(to: URL(fileURLWithPath: output))
            print("wrote \(index.chunks.count) chunks to \(output)\(embedder == nil ? " (BM25 only)" : "")")
        }
    }
}
