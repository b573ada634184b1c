// `prima-knowledge generate`: retrieval-augmented generation of one corpus entry through any `TextGenerator`.
import ArgumentParser
import Foundation
import PRIMAKnowledge
import PRIMAText

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes one corpus entry (pending review) for a risk factor: retrieves chunks, asks a generator, parses its answer.",
        discussion: "The generator is an OpenAI-compatible endpoint (--endpoint, --model) or a local Qwen3 folder (--qwen3). "
            + "The prompt asks for JSON {\"summary\": …, \"diagnoses\": {\"<diagnosis>\": \"<paragraph>\", …}} [ours, interim]. "
            + "The entry replaces one with the same id and is written atomically.")

    @Option(help: ArgumentHelp("Index folder written by `index`.", valueName: "folder")) var index: String
    @Option(help: ArgumentHelp("The corpus to add the entry to (created if missing).", valueName: "file")) var corpus: String
    @Option(help: "Dataset name (pad-ufes-20).") var dataset: String
    @Option(help: "Risk factor, as the metadata names it.") var riskFactor: String
    @Option(name: .customLong("diagnosis"), help: "A diagnosis of the dataset (repeat the option).") var diagnoses: [String] = []
    @Option(help: "Retrieval query (default: the risk factor and the diagnoses).") var query: String?
    @Option(help: "Chunks put into the prompt.") var topK = 5
    @Option(help: "Base URL of an OpenAI-compatible server (http://127.0.0.1:8080/v1).") var endpoint: String?
    @Option(help: "Model name for --endpoint.") var model: String?
    @Option(help: "Environment variable holding the API key for --endpoint.") var apiKeyEnv: String?
    @Option(help: ArgumentHelp("A local Qwen3 folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    var qwen3: String?
    @Option(help: "Longest answer in tokens.") var maxTokens = 1024
    @Option(help: "Sampling temperature (0 = greedy).") var temperature: Float = 0.7
    @Option(help: "Sampling seed.") var seed: UInt64 = 0

    func validate() throws {
        guard !diagnoses.isEmpty else { throw ValidationError("give at least one --diagnosis") }
        guard (endpoint == nil) != (qwen3 == nil) else { throw ValidationError("give exactly one of --endpoint and --qwen3") }
        guard endpoint == nil || model != nil else { throw ValidationError("--endpoint needs --model") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
    }

    func run() async throws {
        do {
            let knowledge = try KnowledgeIndex(contentsOf: URL(fileURLWithPath: index))
            let question = query ?? "\(riskFactor) \(diagnoses.joined(separator: " "))"
            let hits = try knowledge.search(question, topK: topK, method: .bm25)
            note("retrieved \(hits.count) chunks: \(hits.map(\.chunk.id).joined(separator: ", "))")
            let generator = try makeGenerator()
            let settings = GenerationSettings(maxTokens: maxTokens, temperature: temperature, seed: seed)
            note("asking \(generator.identity)")
            let answer = try await generator.generate(InterimPrompt.messages(dataset: dataset, riskFactor: riskFactor,
                                                                             diagnoses: diagnoses, chunks: hits.map(\.chunk)),
                                                      settings: settings)
            let parsed = try InterimPrompt.parse(answer, diagnoses: diagnoses)
            let entry = KnowledgeEntry(dataset: dataset, riskFactor: riskFactor, summary: parsed.summary, diagnoses: parsed.diagnoses,
                                       provenance: KnowledgeProvenance(retrievedChunkIDs: hits.map(\.chunk.id), generator: generator.identity,
                                                                       settings: settings, query: question))
            let url = URL(fileURLWithPath: corpus)
            var existing = FileManager.default.fileExists(atPath: url.path) ? try KnowledgeCorpus(contentsOf: url) : KnowledgeCorpus()
            existing.upsert(entry)
            try existing.write(to: url)
            print("\(entry.id): written to \(corpus), pending review")
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

/// **[ours, interim]** The prompt and answer format `generate` uses until the library's own prompt builder exists:
/// the excerpts with their chunk ids, and a request for one JSON object.
enum InterimPrompt {
    static func messages(dataset: String, riskFactor: String, diagnoses: [String], chunks: [KnowledgeChunk]) -> [ChatMessage] {
        let excerpts = chunks.map { "[\($0.id)] \($0.title): \($0.text)" }.joined(separator: "\n")
        return [
            ChatMessage(role: .system, content: "You are a clinician summarising medical literature accurately and concisely."),
            ChatMessage(role: .user, content: """
                Dataset: \(dataset). Risk factor: \(riskFactor). Diagnoses: \(diagnoses.joined(separator: ", ")).
                Literature excerpts:
                \(excerpts)
                Using the excerpts and established medical knowledge, describe how the risk factor relates to the \
                diagnoses. Answer with one JSON object only: {"summary": "<one paragraph>", "diagnoses": \
                {\(diagnoses.map { "\"\($0)\": \"<one paragraph>\"" }.joined(separator: ", "))}}
                """),
        ]
    }

    /// The summary and one paragraph per diagnosis, in the order asked.
    static func parse(_ answer: String, diagnoses: [String]) throws -> (summary: String, diagnoses: [DiagnosisKnowledge]) {
        guard let open = answer.firstIndex(of: "{"), let close = answer.lastIndex(of: "}"), open < close,
              let object = try? JSONSerialization.jsonObject(with: Data(answer[open...close].utf8)) as? [String: Any] else {
            throw KnowledgeError("the generator's answer is not a JSON object: \(answer.prefix(200))")
        }
        guard let summary = object["summary"] as? String, !summary.isEmpty else {
            throw KnowledgeError("the generator's answer has no \"summary\" text")
        }
        let paragraphs = object["diagnoses"] as? [String: Any] ?? [:]
        return (summary, try diagnoses.map { name in
            guard let text = paragraphs[name] as? String, !text.isEmpty else {
                throw KnowledgeError("the generator's answer has no paragraph for diagnosis \"\(name)\"")
            }
            return DiagnosisKnowledge(diagnosis: name, text: text)
        })
    }
}
