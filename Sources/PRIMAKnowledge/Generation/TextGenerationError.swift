import Foundation

/// Why a ``TextGenerator`` produced no usable answer.
///
/// No case ever carries an API key: the OpenAI-compatible client removes its key from every server message
/// before building one of these.
public enum TextGenerationError: Error, Equatable, LocalizedError {
    /// The answer reached `maxTokens` without a stop token or stop text: it is cut short. `partialText` is what
    /// was produced (useful for debugging; usually not parseable).
    case tokenBudgetExhausted(generator: String, maxTokens: Int, partialText: String)
    /// The settings cannot be used (negative budget, temperature or top-p out of range, …).
    case invalidSettings(String)
    /// The rendered prompt plus the answer budget do not fit the model's context.
    case promptTooLong(promptTokens: Int, maxTokens: Int, contextLength: Int)
    /// The environment variable meant to hold the API key is unset or empty.
    case missingAPIKey(environmentVariable: String)
    /// The server answered with an HTTP error status; `message` is the server's own error message.
    case httpStatus(url: String, status: Int, message: String, attempts: Int)
    /// The server's answer is not the expected chat-completions JSON.
    case malformedResponse(url: String, problem: String)
    /// No answer within the timeout.
    case timedOut(url: String, seconds: Double, attempts: Int)
    /// The server could not be reached (refused connection, unknown host, network down).
    case unreachable(url: String, reason: String, attempts: Int)

    /// A one-line description naming the generator or URL and the problem.
    public var errorDescription: String? {
        switch self {
        case .tokenBudgetExhausted(let generator, let maxTokens, let partial):
            return "\(generator): the answer reached the limit of \(maxTokens) tokens without stopping "
                + "(\(partial.count) characters produced); raise maxTokens or tighten the prompt"
        case .invalidSettings(let problem):
            return "invalid generation settings: \(problem)"
        case .promptTooLong(let prompt, let maxTokens, let context):
            return "the prompt (\(prompt) tokens) plus maxTokens (\(maxTokens)) exceed the model's context of \(context) tokens"
        case .missingAPIKey(let variable):
            return "the environment variable \(variable), which should hold the API key, is unset or empty"
        case .httpStatus(let url, let status, let message, let attempts):
            return "\(url): HTTP \(status) after \(attempts) attempt(s): \(message)"
        case .malformedResponse(let url, let problem):
            return "\(url): malformed chat-completions answer: \(problem)"
        case .timedOut(let url, let seconds, let attempts):
            return "\(url): no answer within \(seconds) s (\(attempts) attempt(s))"
        case .unreachable(let url, let reason, let attempts):
            return "\(url): unreachable after \(attempts) attempt(s): \(reason)"
        }
    }
}

extension GenerationSettings {
    /// Throws ``TextGenerationError/invalidSettings(_:)`` for values no generator can use.
    public func validate() throws {
        guard maxTokens > 0 else { throw TextGenerationError.invalidSettings("maxTokens must be positive, got \(maxTokens)") }
        guard temperature >= 0, temperature.isFinite else {
            throw TextGenerationError.invalidSettings("temperature must be finite and ≥ 0, got \(temperature)")
        }
        guard topP > 0, topP <= 1 else { throw TextGenerationError.invalidSettings("topP must be in (0, 1], got \(topP)") }
        guard !stop.contains("") else { throw TextGenerationError.invalidSettings("a stop text is empty") }
    }
}
