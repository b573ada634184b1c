// `prima-knowledge generate`: retrieval-augmented generation of corpus entries through any `TextGenerator`.
import ArgumentParser
import Foundation
import PRIMAKnowledge
import PRIMAText

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes corpus entries (pending review) for a dataset's risk factors: retrieves chunks, asks a generator, parses its answer.",
        discussion: "The generator is an OpenAI-compatible endpoint (--endpoint, --model) or a local Qwen3 folder (--qwen3). "
            + "Each entry replaces one with the same id; the corpus is rewritten atomically after every entry, so an "
            + "interrupted run keeps what it finished.")

    @Option(help: ArgumentHelp("Index folder written by `index`.", valueName: "folder")) var index: String
    @Option(help: ArgumentHelp("The corpus to add the entries to (created if missing).", valueName: "file")) var corpus: String
    @Option(help: "Dataset: pad-ufes-20 or aqua.") var dataset: String
    @Option(name: .customLong("risk-factor"), help: "A risk factor id (repeat the option); default: all of the dataset's.")
    var riskFactors: [String] = []
    @Option(help: "Chunks put into each prompt.") var topK = 5
    @Option(help: "bm25, dense or hybrid (dense and hybrid need --text-checkpoint).") var method = "bm25"
    @Option(help: ArgumentHelp("The text encoder the index was built with (dense and hybrid).", valueName: "folder"))
    var textCheckpoint: String?
    @Option(help: "Base URL of an OpenAI-compatible server (http://127.0.0.1:8080/v1).") var endpoint: String?
    @Option(help: "Model name for --endpoint.") var model: String?
    @Option(help: "Environment variable holding the API key for --endpoint.") var apiKeyEnv: String?
    @Option(help: ArgumentHelp("A local Qwen3 folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    var qwen3: String?
    @Option(help: "Longest answer in tokens.") var maxTokens = 1024
    @Option(help: "Sampling temperature (0 = greedy).") var temperature: Float = 0.7
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @Option(help: "Attempts per risk factor when an answer is unusable.") var attempts = 3

    static let datasets = ["pad-ufes-20": KnowledgeDataset.padUFES20, "aqua": KnowledgeDataset.aquaKeratitis]

    func validate() throws {
        guard let known = Self.datasets[dataset] else { throw ValidationError("--dataset must be pad-ufes-20 or aqua, got \(dataset)") }
        for id in riskFactors where known.riskFactor(id) == nil {
            throw ValidationError("--risk-factor \(id) is not a risk factor of \(dataset) (\(known.riskFactors.map(\.id).joined(separator: ", ")))")
        }
        guard (endpoint == nil) != (qwen3 == nil) else { throw ValidationError("give exactly one of --endpoint and --qwen3") }
        guard endpoint == nil || model != nil else { throw ValidationError("--endpoint needs --model") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
        guard attempts >= 1 else { throw ValidationError("--attempts must be at least 1, got \(attempts)") }
        guard let retrieval = RetrievalMethod(rawValue: method) else { throw ValidationError("--method must be bm25, dense or hybrid, got \(method)") }
        guard retrieval == .bm25 || textCheckpoint != nil else { throw ValidationError("--method \(method) needs --text-checkpoint") }
    }

    func run() async throws {
        do {
            let knowledgeDataset = Self.datasets[dataset]!
            let factors = riskFactors.isEmpty ? knowledgeDataset.riskFactors : riskFactors.compactMap(knowledgeDataset.riskFactor)
            let knowledge = try KnowledgeIndex(contentsOf: URL(fileURLWithPath: index))
            let embedder = try textCheckpoint.map {
                SentenceEmbedder(encoder: try loadEncoder($0, option: "--text-checkpoint"), name: URL(fileURLWithPath: $0).lastPathComponent)
            }
            let entries = KnowledgeEntryGenerator(generator: try makeGenerator(),
                                                  settings: GenerationSettings(maxTokens: maxTokens, temperature: temperature, seed: seed),
                                                  maxAttempts: attempts)
            let url = URL(fileURLWithPath: corpus)
            var output = FileManager.default.fileExists(atPath: url.path) ? try KnowledgeCorpus(contentsOf: url) : KnowledgeCorpus()
            for (number, factor) in factors.enumerated() {
                let query = "\(factor.name): \(factor.description)"
                let hits = try knowledge.search(query, topK: topK, method: RetrievalMethod(rawValue: method)!, embedder: embedder)
                note("[\(number + 1)/\(factors.count)] \(factor.id): \(hits.count) chunks (\(hits.map(\.chunk.id).joined(separator: ", "))), asking \(entries.generator.identity)")
                var entry = try await entries.entry(for: factor, in: knowledgeDataset, chunks: hits.map(\.chunk))
                entry.provenance.query = query
                output.upsert(entry)
                try output.write(to: url)
            }
            print("\(factors.count) entries written to \(corpus), pending review")
        } catch let error as ValidationError {
            throw error
        } catch {
            try reportingErrors { throw error }
        }
    }

    func makeGenerator() throws -> any TextGenerator {
        if let qwen3 { return try Qwen3TextGenerator(contentsOf: URL(fileURLWithPath: qwen3)) }
        guard let base = URL(string: endpoint!), base.scheme != nil else { throw KnowledgeError("--endpoint \(endpoint!): not a URL") }
        return try OpenAICompatibleGenerator(configuration: OpenAICompatibleConfiguration(baseURL: base, model: model!,
                                                                                         apiKeyEnvironmentVariable: apiKeyEnv))
    }
}
