// prima-knowledge: stage 1 of PRIMA from the command line — index literature, search it, generate and review the
// knowledge corpus, and refine the text encoder on the approved entries.
import ArgumentParser
import Foundation
import PRIMAData
import PRIMAKnowledge
import PRIMANN
import PRIMAText

/// Runs `body`; any error becomes one `error: …` line on standard error and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ValidationError {
        throw error
    } catch {
        let text: String
        switch error {
        case let error as DataError: text = error.description
        case let error as KnowledgeError: text = error.message
        default: text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        }
        FileHandle.standardError.write(Data("error: \(text.replacingOccurrences(of: "\n", with: " "))\n".utf8))
        throw ExitCode.failure
    }
}

/// A progress line on standard error.
func note(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }

/// The text encoder of a checkpoint folder, with a clear message when it is not one.
func loadEncoder(_ folder: String, option: String) throws -> TextEncoder {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(option) \(folder): no such folder")
    }
    return try TextEncoder(contentsOf: URL(fileURLWithPath: folder))
}

@main
struct KnowledgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prima-knowledge",
        abstract: "Stage 1 of PRIMA: knowledge base, corpus review and text-encoder refinement.",
        subcommands: [Index.self, Search.self, Generate.self, Review.self, Refine.self, BM25Terms.self])
}

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

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists corpus entries pending review, or approves or rejects one (the file is rewritten atomically).")

    @Option(help: ArgumentHelp("The knowledge corpus (JSON Lines).", valueName: "file")) var corpus: String
    @Option(help: "The entry to review; without it, the pending entries are listed.") var id: String?
    @Flag(help: "Approve the entry.") var approve = false
    @Flag(help: "Reject the entry.") var reject = false
    @Option(help: "Who reviews.") var reviewer: String?
    @Option(help: "Remarks kept with the entry.") var notes: String?

    func validate() throws {
        if id == nil {
            guard !approve, !reject else { throw ValidationError("--approve and --reject need --id") }
        } else {
            guard approve != reject else { throw ValidationError("give exactly one of --approve and --reject with --id") }
            guard let reviewer, !reviewer.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reviewer is required with --id") }
        }
    }

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: corpus)
            guard let id else {
                let loaded = try KnowledgeCorpus(contentsOf: url)
                for entry in loaded.pendingEntries {
                    print("\(entry.id)\t\(entry.diagnoses.count) diagnoses\t\(entry.summary.prefix(80))")
                }
                print("\(loaded.pendingEntries.count) pending, \(loaded.approvedEntries.count) approved, "
                      + "\(loaded.entries.count - loaded.pendingEntries.count - loaded.approvedEntries.count) rejected")
                return
            }
            try KnowledgeCorpus.review(file: url, id: id, verdict: approve ? .approve : .reject, reviewer: reviewer!, notes: notes)
            print("\(id): \(approve ? "approved" : "rejected") by \(reviewer!)")
        }
    }
}

struct Refine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refines the text encoder by masked-language modelling (LoRA rank 8) on the approved corpus entries.",
        discussion: "AdamW with 10% linear warm-up then cosine decay. A checkpoint is written after every epoch; "
            + "with --resume an interrupted run continues from it. The adapters are written to --output.")

    @Option(help: ArgumentHelp("The knowledge corpus (JSON Lines); default: the shipped starting corpus.", valueName: "file"))
    var corpus: String?
    @Option(help: ArgumentHelp("Masked-LM checkpoint folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    var textCheckpoint: String
    @Option(help: ArgumentHelp("Adapter file to write (safetensors).", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("Training checkpoint file.", valueName: "file")) var checkpoint: String?
    @Flag(help: "Continue from --checkpoint if it exists.") var resume = false
    @Option(help: "Epochs (the paper trains 2,500).") var epochs = 3
    @Option(help: "Texts per step.") var batchSize = 8
    @Option(help: "Longest text in tokens.") var maxLength = 128
    @Option(help: "Peak learning rate (paper: 5e-5).") var learningRate = 5e-5
    @Option(help: "Share of texts held out to measure the loss.") var heldOutFraction = 0.1
    @Option(help: "Seed.") var seed: UInt64 = 0

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be a positive number") }
        guard (0..<1).contains(heldOutFraction) else { throw ValidationError("--held-out-fraction must be in [0, 1)") }
        guard !resume || checkpoint != nil else { throw ValidationError("--resume needs --checkpoint") }
    }

    func run() throws {
        try reportingErrors {
            guard let corpusURL = corpus.map({ URL(fileURLWithPath: $0) }) ?? KnowledgeCorpus.startingCorpusURL else {
                throw KnowledgeError("the shipped starting corpus is missing; give --corpus")
            }
            let texts = try RefinementTexts.texts(of: try KnowledgeCorpus(contentsOf: corpusURL), source: corpusURL.path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: textCheckpoint, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw KnowledgeError("--text-checkpoint \(textCheckpoint): no such folder")
            }
            let folder = URL(fileURLWithPath: textCheckpoint)
            let model = try TextEncoderArchitecture.loadMaskedLanguageModel(from: folder)
            let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
            var settings = KnowledgeRefinement.Settings(epochs: epochs, batchSize: batchSize, maxLength: maxLength,
                                                        heldOutFraction: heldOutFraction, seed: seed)
            settings.learningRate = learningRate
            let run = try KnowledgeRefinement(texts: texts, model: model, tokenizer: tokenizer, settings: settings,
                                              checkpoint: checkpoint.map { URL(fileURLWithPath: $0) })
            note("\(run.trainingTexts.count) training texts, \(run.heldOutTexts.count) held out, \(run.stepsPerEpoch) steps per epoch")
            let report = try run.run(resume: resume) { progress in
                if let heldOut = progress.heldOutLoss {
                    note("epoch \(progress.epoch + 1)/\(epochs): step \(progress.step)/\(progress.totalSteps), held-out loss \(heldOut)")
                }
            }
            try run.saveAdapters(to: URL(fileURLWithPath: output))
            let before = report.initialHeldOutLoss.map { String($0) } ?? "n/a"
            let after = report.heldOutLosses.last.map { String($0) } ?? "n/a"
            print("held-out MLM loss \(before) -> \(after) after \(report.steps) steps; adapters written to \(output)")
        }
    }
}

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

