import Foundation

/// Where and how ``OpenAICompatibleGenerator`` talks to a chat-completions server (llama.cpp's `llama-server`,
/// vLLM, Ollama, or any service speaking OpenAI's `POST /v1/chat/completions`).
public struct OpenAICompatibleConfiguration: Sendable, Equatable {
    /// The API root, up to and including `/v1` (for example `http://127.0.0.1:8080/v1`).
    public var baseURL: URL
    /// The `model` field of each request.
    public var model: String
    /// The environment variable holding the API key, sent as `Authorization: Bearer …`; `nil` for servers that
    /// need none. Only the variable's *name* is stored here: the key never enters a configuration, an identity,
    /// an error, a corpus entry or a log.
    public var apiKeyEnvironmentVariable: String?
    /// Seconds to wait for each answer.
    public var timeout: TimeInterval
    /// Attempts per request (1 = no retry). Retried: HTTP 429 and 5xx, timeouts and refused connections.
    public var maxAttempts: Int
    /// Wait before the first retry; doubled at each further retry (exponential backoff).
    public var initialBackoff: TimeInterval
    /// The longest wait between attempts, also the cap of a server's `Retry-After`.
    public var maxBackoff: TimeInterval

    /// A configuration; by default no API key, a 300 s timeout (local models can be slow), 4 attempts, backoff
    /// 1 s doubling up to 30 s.
    public init(baseURL: URL, model: String, apiKeyEnvironmentVariable: String? = nil, timeout: TimeInterval = 300,
                maxAttempts: Int = 4, initialBackoff: TimeInterval = 1, maxBackoff: TimeInterval = 30) {
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The chat-completions endpoint.
    public var endpoint: URL { baseURL.appendingPathComponent("chat/completions") }

    /// The wait before retry number `retry` (1 for the first retry): the server's `Retry-After` when given,
    /// else `initialBackoff · 2^(retry-1)`, both capped at ``maxBackoff``.
    public func backoff(beforeRetry retry: Int, retryAfter: TimeInterval?) -> TimeInterval {
        let exponential = initialBackoff * pow(2, Double(max(retry - 1, 0)))
        return min(retryAfter ?? exponential, maxBackoff)
    }

    /// Throws ``TextGenerationError/invalidSettings(_:)`` for unusable values.
    public func validate() throws {
        guard let scheme = baseURL.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw TextGenerationError.invalidSettings("baseURL \(baseURL) is not an http(s) URL")
        }
        guard !model.isEmpty else { throw TextGenerationError.invalidSettings("model name is empty") }
        guard timeout > 0 else { throw TextGenerationError.invalidSettings("timeout must be positive, got \(timeout)") }
        guard maxAttempts >= 1 else { throw TextGenerationError.invalidSettings("maxAttempts must be ≥ 1, got \(maxAttempts)") }
        guard initialBackoff >= 0, maxBackoff >= 0 else { throw TextGenerationError.invalidSettings("backoff must be ≥ 0") }
    }
}
