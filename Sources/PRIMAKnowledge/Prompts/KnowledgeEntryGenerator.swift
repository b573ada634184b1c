import Foundation

/// Why no entry could be generated for a risk factor.
public enum KnowledgeGenerationError: Error, Equatable, LocalizedError {
    /// Every attempt's answer was unusable; `problems` lists each attempt's problem, `lastAnswer` the last text.
    case unparseableAnswer(dataset: String, riskFactor: String, attempts: Int, problems: [String], lastAnswer: String)
    /// The generator itself failed (server unreachable, HTTP error, …) with `message`.
    case generatorFailed(dataset: String, riskFactor: String, message: String)

    /// A one-line description naming `dataset/riskFactor` and the problems.
    public var errorDescription: String? {
        switch self {
        case .unparseableAnswer(let dataset, let riskFactor, let attempts, let problems, _):
            return "\(dataset)/\(riskFactor): no usable answer after \(attempts) attempt(s): \(problems.joined(separator: "; "))"
        case .generatorFailed(let dataset, let riskFactor, let message):
            return "\(dataset)/\(riskFactor): the generator failed: \(message)"
        }
    }
}

/// Generates one corpus entry per risk factor: prompt, answer, parse, and provenance.
///
/// An unusable answer (not the requested JSON, a missing paragraph, or cut by the token budget) is retried up
/// to ``maxAttempts`` times in all: the conversation continues with the bad answer and a message naming the
/// problem, and the seed is advanced so that a sampling generator does not repeat itself. After the last
/// attempt the risk factor is reported with every problem (never dropped). The entry records the retrieved
/// chunk ids, the generator's identity, the settings of the successful attempt and the time; it is pending
/// review (`approved == nil`).
public struct KnowledgeEntryGenerator: Sendable {
    /// Who answers.
    public var generator: any TextGenerator
    /// The sampling settings of the first attempt.
    public var settings: GenerationSettings
    /// Attempts per risk factor (≥ 1).
    public var maxAttempts: Int
    /// The prompt wording.
    public var promptBuilder: KnowledgePromptBuilder

    /// A generator of entries; by default 3 attempts per risk factor.
    public init(generator: any TextGenerator, settings: GenerationSettings = GenerationSettings(),
                maxAttempts: Int = 3, promptBuilder: KnowledgePromptBuilder = KnowledgePromptBuilder()) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.generator = generator
        self.settings = settings
        self.maxAttempts = maxAttempts
        self.promptBuilder = promptBuilder
    }

    /// The entry for `riskFactor` of `dataset`, from the retrieved `chunks` (best first).
    /// - Throws: ``KnowledgeGenerationError``.
    public func entry(for riskFactor: RiskFactor, in dataset: KnowledgeDataset, chunks: [KnowledgeChunk],
                      now: @Sendable () -> Date = Date.init) async throws -> KnowledgeEntry {
        let parser = KnowledgeAnswerParser(dataset: dataset)
        var messages = promptBuilder.messages(for: riskFactor, in: dataset, chunks: chunks)
        var problems: [String] = []
        var lastAnswer = ""
        for attempt in 0..<maxAttempts {
            var attemptSettings = settings
            attemptSettings.seed = settings.seed.map { $0 &+ UInt64(attempt) }
            let answer: String
            do {
                answer = try await generator.generate(messages, settings: attemptSettings)
            } catch TextGenerationError.tokenBudgetExhausted(_, let maxTokens, let partial) {
                let problem = "the answer was cut at the limit of \(maxTokens) tokens"
                problems.append("attempt \(attempt + 1): \(problem)")
                lastAnswer = partial
                messages += [ChatMessage(role: .assistant, content: partial),
                             promptBuilder.correction(for: problem + "; write shorter paragraphs", dataset: dataset)]
                continue
            } catch {
                throw KnowledgeGenerationError.generatorFailed(dataset: dataset.id, riskFactor: riskFactor.id,
                                                               message: (error as? LocalizedError)?.errorDescription ?? String(describing: error))
            }
            do {
                let parsed = try parser.parse(answer)
                let provenance = KnowledgeProvenance(retrievedChunkIDs: chunks.map(\.id), generator: generator.identity,
                                                     settings: attemptSettings, createdAt: now())
                return KnowledgeEntry(dataset: dataset.id, riskFactor: riskFactor.id, summary: parsed.summary,
                                      diagnoses: parsed.diagnoses, provenance: provenance)
            } catch let problem as KnowledgeAnswerProblem {
                problems.append("attempt \(attempt + 1): \(problem.description)")
                lastAnswer = answer
                messages += [ChatMessage(role: .assistant, content: answer), promptBuilder.correction(for: problem.description, dataset: dataset)]
            }
        }
        throw KnowledgeGenerationError.unparseableAnswer(dataset: dataset.id, riskFactor: riskFactor.id, attempts: maxAttempts,
                                                         problems: problems, lastAnswer: lastAnswer)
    }

    /// Entries for every risk factor of `dataset`, each with the chunks `retrieve` returns for it.
    /// Stops at the first risk factor that fails, naming it.
    public func entries(for dataset: KnowledgeDataset,
                        retrieve: (RiskFactor) async throws -> [KnowledgeChunk]) async throws -> [KnowledgeEntry] {
        var entries: [KnowledgeEntry] = []
        for factor in dataset.riskFactors {
            entries.append(try await entry(for: factor, in: dataset, chunks: try await retrieve(factor)))
        }
        return entries
    }
}
