import Foundation
import PRIMAData
@testable import PRIMAKnowledge
import Testing

/// A generator that plays back scripted answers (or errors) and records what it was asked.
final class ScriptedGenerator: TextGenerator, @unchecked Sendable {
    enum Step { case answer(String), failure(Error) }
    let identity = "scripted test generator"
    private let lock = NSLock()
    private var steps: [Step]
    private(set) var calls: [(messages: [ChatMessage], settings: GenerationSettings)] = []

    init(_ steps: [Step]) { self.steps = steps }

    func generate(_ messages: [ChatMessage], settings: GenerationSettings) async throws -> String {
        let step = lock.withLock { () -> Step in
            calls.append((messages, settings))
            return steps.isEmpty ? .answer("") : steps.removeFirst()
        }
        switch step {
        case .answer(let text): return text
        case .failure(let error): throw error
        }
    }
}

@Suite struct KnowledgeEntryGeneratorTests {
    let dataset = KnowledgeDataset.padUFES20
    var smoke: RiskFactor { dataset.riskFactor("smoke")! }
    let chunks = [KnowledgeChunk(id: "iarc-tobacco#3", documentID: "iarc-tobacco", title: "Tobacco", text: "Smoking raises\nthe risk of SCC.", source: "IARC"),
                  KnowledgeChunk(id: "aad-scc#0", documentID: "aad-scc", title: "SCC", text: "SCC of the lip.", source: "AAD")]
    static let stamp = Date(timeIntervalSince1970: 1_800_000_000)

    static func answer(_ codes: [String] = PADUFESDiagnosis.allCases.map(\.rawValue), summary: String = "Smoking mostly matters for SCC.") -> String {
        let paragraphs = Dictionary(uniqueKeysWithValues: codes.map { ($0, "About \($0).") })
        let data = try! JSONSerialization.data(withJSONObject: ["summary": summary, "diagnoses": paragraphs], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func padUFES20RiskFactorsCoverEverySchemaFieldOnce() {
        let covered = dataset.riskFactors.flatMap(\.fields)
        #expect(covered.sorted() == PADUFES.schema.fields.map(\.name).sorted())
        #expect(Set(dataset.riskFactors.map(\.id)).count == dataset.riskFactors.count)
        #expect(dataset.riskFactor("diameter")?.fields == ["diameter_1", "diameter_2"])
        #expect(dataset.riskFactor("background")?.fields == ["background_father", "background_mother"])
        #expect(!covered.contains("biopsed") && !covered.contains("diagnostic"))
        #expect(dataset.diagnoses.map(\.code) == ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"])
        #expect(KnowledgeDataset.aquaKeratitis.diagnoses.map(\.code) == ["fungal", "bacterial"])
        #expect(KnowledgeDataset.aquaKeratitis.riskFactor("trauma")?.description.contains("vegetative") == true)
    }

    @Test func thePromptNamesTheFactorThePassagesAndEveryDiagnosis() {
        let messages = KnowledgePromptBuilder().messages(for: smoke, in: dataset, chunks: chunks)
        #expect(messages.map(\.role) == [.system, .user])
        let user = messages[1].content
        #expect(user.contains("Risk factor: Smoking (key \"smoke\")"))
        #expect(user.contains("[iarc-tobacco#3] Smoking raises the risk of SCC.\n[aad-scc#0] SCC of the lip.\n"))
        for diagnosis in dataset.diagnoses { #expect(user.contains("- \(diagnosis.code): \(diagnosis.name)")) }
        #expect(user.contains(#"{"summary": "…", "diagnoses": {"ACK": "…", "BCC": "…", "MEL": "…", "NEV": "…", "SCC": "…", "SEK": "…"}}"#))
        let empty = KnowledgePromptBuilder().messages(for: smoke, in: dataset, chunks: [])[1].content
        #expect(empty.contains("No passages were retrieved"))
    }

    @Test func aGoodAnswerBecomesAnEntryWithProvenance() async throws {
        let fenced = "Here is the JSON:\n```json\n" + Self.answer() + "\n```"
        let generator = ScriptedGenerator([.answer(fenced)])
        let settings = GenerationSettings(maxTokens: 300, temperature: 0.3, seed: 7)
        let entry = try await KnowledgeEntryGenerator(generator: generator, settings: settings)
            .entry(for: smoke, in: dataset, chunks: chunks, now: { Self.stamp })
        #expect(entry.id == "pad-ufes-20/smoke" && entry.dataset == "pad-ufes-20" && entry.riskFactor == "smoke")
        #expect(entry.summary == "Smoking mostly matters for SCC.")
        #expect(entry.diagnoses.map(\.diagnosis) == ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"])
        #expect(entry.diagnoses[4].text == "About SCC.")
        #expect(entry.provenance == KnowledgeProvenance(retrievedChunkIDs: ["iarc-tobacco#3", "aad-scc#0"], generator: "scripted test generator",
                                                        settings: settings, createdAt: Self.stamp))
        #expect(entry.approved == nil)
        #expect(generator.calls.count == 1)
    }

    @Test func malformedAnswersAreRetriedWithTheProblemAndANewSeed() async throws {
        let generator = ScriptedGenerator([.answer("I cannot answer in JSON."), .answer(Self.answer())])
        let entry = try await KnowledgeEntryGenerator(generator: generator, settings: GenerationSettings(seed: 7))
            .entry(for: smoke, in: dataset, chunks: chunks)
        #expect(generator.calls.map(\.settings.seed) == [7, 8])
        #expect(entry.provenance.settings.seed == 8)
        let retry = generator.calls[1].messages
        #expect(retry.count == 4 && retry[2] == ChatMessage(role: .assistant, content: "I cannot answer in JSON."))
        #expect(retry[3].content.contains("no JSON object in the answer"))
    }

    @Test func aTruncatedAnswerIsRetried() async throws {
        let generator = ScriptedGenerator([.failure(TextGenerationError.tokenBudgetExhausted(generator: "g", maxTokens: 20, partialText: "{\"summary\": \"Smo")),
                                           .answer(Self.answer())])
        let entry = try await KnowledgeEntryGenerator(generator: generator).entry(for: smoke, in: dataset, chunks: [])
        #expect(entry.diagnoses.count == 6 && generator.calls.count == 2)
        #expect(generator.calls[1].messages.last?.content.contains("cut at the limit of 20 tokens") == true)
    }

    @Test func persistentlyBadAnswersAreReportedNotDropped() async throws {
        let missingMEL = Self.answer(["ACK", "BCC", "NEV", "SCC", "SEK"])
        let generator = ScriptedGenerator([.answer(missingMEL), .answer("{\"summary\": \"\"}"), .answer("{broken}")])
        let error = await #expect(throws: KnowledgeGenerationError.self) {
            try await KnowledgeEntryGenerator(generator: generator, maxAttempts: 3).entry(for: smoke, in: dataset, chunks: chunks)
        }
        guard case .unparseableAnswer("pad-ufes-20", "smoke", 3, let problems, "{broken}") = error else {
            Issue.record("unexpected \(String(describing: error))"); return
        }
        #expect(problems.count == 3)
        #expect(problems[0] == "attempt 1: missing or empty paragraph for MEL")
        #expect(problems[1].contains("\"summary\" is missing, empty"))
        #expect(problems[2].contains("invalid JSON"))
        #expect(error?.localizedDescription.contains("pad-ufes-20/smoke") == true)
    }

    @Test func generatorFailuresNameTheRiskFactor() async throws {
        let generator = ScriptedGenerator([.failure(TextGenerationError.unreachable(url: "http://x/v1", reason: "refused", attempts: 4))])
        let error = await #expect(throws: KnowledgeGenerationError.self) {
            try await KnowledgeEntryGenerator(generator: generator).entry(for: smoke, in: dataset, chunks: [])
        }
        guard case .generatorFailed("pad-ufes-20", "smoke", let message) = error else { Issue.record("unexpected"); return }
        #expect(message.contains("unreachable after 4 attempt(s): refused"))
    }

    @Test func theParserChecksEveryDiagnosis() throws {
        let parser = KnowledgeAnswerParser(dataset: dataset)
        let lower = try parser.parse("<think>hmm</think>" + Self.answer(["ack", "bcc", "mel", "nev", "scc", "sek"]))
        #expect(lower.diagnoses.map(\.diagnosis) == ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"])
        #expect(throws: KnowledgeAnswerProblem(description: "unknown diagnosis key(s) LUPUS")) {
            try parser.parse(Self.answer(PADUFESDiagnosis.allCases.map(\.rawValue) + ["LUPUS"]))
        }
        #expect(throws: KnowledgeAnswerProblem(description: "\"diagnoses\" is missing or not an object keyed by diagnosis")) {
            try parser.parse(#"{"summary": "s", "diagnoses": ["a", "b"]}"#)
        }
        #expect(throws: KnowledgeAnswerProblem(description: "no JSON object in the answer")) { try parser.parse("} no object {") }
    }

    @Test func anOpenAICompatibleEntryNeverRecordsTheAPIKey() async throws {
        let secret = "sk-entry-test-SECRET-91"
        let reply = OpenAICompatibleGeneratorTests.answer(Self.answer())
        let server = try LoopbackHTTPServer(replies: [.init(status: 200, body: reply)])
        let client = try OpenAICompatibleGenerator(
            configuration: .init(baseURL: server.baseURL, model: "m", apiKeyEnvironmentVariable: "KEY"), environment: ["KEY": secret])
        let entry = try await KnowledgeEntryGenerator(generator: client).entry(for: smoke, in: dataset, chunks: chunks)
        let encoded = String(decoding: try JSONEncoder().encode(entry), as: UTF8.self)
        #expect(encoded.contains(server.baseURL.absoluteString.replacingOccurrences(of: "/", with: "\\/")))
        #expect(!encoded.contains(secret))
        server.waitUntilDone()
        #expect(server.requests.first?.headers["authorization"] == "Bearer \(secret)")
    }
}
