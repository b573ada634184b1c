import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A ``TextGenerator`` that asks an OpenAI-compatible chat-completions server (llama.cpp, vLLM, Ollama, …).
///
/// HTTP goes through Foundation's `URLSession` (on Linux from FoundationNetworking, which ships with the Swift
/// toolchain): one blocking request per answer needs nothing more, and it keeps large event-loop HTTP stacks
/// (SwiftNIO-based clients) out of the package's dependencies.
///
/// Each request is retried up to ``OpenAICompatibleConfiguration/maxAttempts`` times on HTTP 429 and 5xx,
/// timeouts and refused connections, waiting with exponential backoff or the server's `Retry-After`. Other
/// 4xx statuses fail at once with the status and the server's message. An answer cut by the server's token
/// limit (`finish_reason: "length"`) throws ``TextGenerationError/tokenBudgetExhausted(generator:maxTokens:partialText:)``.
///
/// The API key is read once from the configured environment variable and is sent only in the
/// `Authorization` header; it is removed from server messages before they enter an error.
public final class OpenAICompatibleGenerator: TextGenerator, @unchecked Sendable {
    /// The server and retry settings.
    public let configuration: OpenAICompatibleConfiguration
    /// `openai-compatible <baseURL> model=<model>` (never the key).
    public let identity: String
    private let apiKey: APIKey?
    private let session: URLSession

    /// A client for `configuration`, reading the API key (if one is configured) from `environment`.
    /// - Throws: ``TextGenerationError/missingAPIKey(environmentVariable:)`` if the variable is unset or empty,
    ///   ``TextGenerationError/invalidSettings(_:)`` for an unusable configuration.
    public init(configuration: OpenAICompatibleConfiguration,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try configuration.validate()
        if let variable = configuration.apiKeyEnvironmentVariable {
            guard let key = environment[variable], !key.isEmpty else {
                throw TextGenerationError.missingAPIKey(environmentVariable: variable)
            }
            apiKey = APIKey(value: key)
        } else {
            apiKey = nil
        }
        self.configuration = configuration
        self.identity = "openai-compatible \(configuration.baseURL.absoluteString) model=\(configuration.model)"
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.timeout.rounded(.up) + 1
        sessionConfiguration.timeoutIntervalForResource = configuration.timeout.rounded(.up) + 1
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: sessionConfiguration)
    }

    deinit { session.invalidateAndCancel() }

    /// The server's answer to `messages`, retried as configured.
    /// - Throws: ``TextGenerationError``.
    public func generate(_ messages: [ChatMessage], settings: GenerationSettings) async throws -> String {
        try settings.validate()
        let request = try makeRequest(messages, settings: settings)
        let url = configuration.endpoint.absoluteString
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await send(request)
            switch outcome {
            case .success(let status, let body, _) where (200..<300).contains(status):
                return try parse(body, url: url, settings: settings)
            case .success(let status, let body, let retryAfter):
                let message = apiKey?.redact(ServerErrorMessage.from(body)) ?? ServerErrorMessage.from(body)
                guard status == 429 || status >= 500, attempt < configuration.maxAttempts else {
                    throw TextGenerationError.httpStatus(url: url, status: status, message: message, attempts: attempt)
                }
                try await pause(configuration.backoff(beforeRetry: attempt, retryAfter: retryAfter))
            case .timedOut:
                guard attempt < configuration.maxAttempts else {
                    throw TextGenerationError.timedOut(url: url, seconds: configuration.timeout, attempts: attempt)
                }
                try await pause(configuration.backoff(beforeRetry: attempt, retryAfter: nil))
            case .unreachable(let reason):
                guard attempt < configuration.maxAttempts else {
                    throw TextGenerationError.unreachable(url: url, reason: reason, attempts: attempt)
                }
                try await pause(configuration.backoff(beforeRetry: attempt, retryAfter: nil))
            }
        }
    }

    // MARK: - One request

    fileprivate enum Outcome {
        case success(status: Int, body: Data, retryAfter: TimeInterval?)
        case timedOut
        case unreachable(String)
    }

    private func makeRequest(_ messages: [ChatMessage], settings: GenerationSettings) throws -> URLRequest {
        var request = URLRequest(url: configuration.endpoint, timeoutInterval: configuration.timeout.rounded(.up) + 1)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey.value)", forHTTPHeaderField: "Authorization") }
        let body = ChatCompletionsRequest(model: configuration.model, messages: messages, max_tokens: settings.maxTokens,
                                          temperature: settings.temperature, top_p: settings.topP, seed: settings.seed,
                                          stop: settings.stop.isEmpty ? nil : settings.stop)
        request.httpBody = try JSONEncoder().encode(body)
        return request
    }

    /// One request with the configured timeout. FoundationNetworking rounds `URLRequest` timeouts down to
    /// whole seconds (0.4 s times out at once), so the deadline is kept here and the session's own timeout,
    /// a second longer, is only a backstop.
    private func send(_ request: URLRequest) async -> Outcome {
        let pending = PendingRequest()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                pending.start(continuation)
                let task = session.dataTask(with: request) { body, response, error in
                    pending.finish(Self.outcome(body: body, response: response, error: error))
                }
                pending.attach(task)
                task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + configuration.timeout) { pending.finish(.timedOut) }
            }
        } onCancel: {
            pending.finish(.unreachable("cancelled"))
        }
    }

    private static func outcome(body: Data?, response: URLResponse?, error: Error?) -> Outcome {
        if let error = error as? URLError {
            if error.code == .timedOut { return .timedOut }
            // URLError texts name the URL and the failure, never the request's headers.
            return .unreachable("\(error.code.rawValue) \(error.localizedDescription)")
        }
        if let error { return .unreachable(String(describing: type(of: error))) }
        guard let http = response as? HTTPURLResponse else { return .unreachable("not an HTTP response") }
        return .success(status: http.statusCode, body: body ?? Data(), retryAfter: retryAfter(http.value(forHTTPHeaderField: "Retry-After")))
    }

    private func parse(_ body: Data, url: String, settings: GenerationSettings) throws -> String {
        let response: ChatCompletionsResponse
        do {
            response = try JSONDecoder().decode(ChatCompletionsResponse.self, from: body)
        } catch {
            let start = String(decoding: body.prefix(200), as: UTF8.self)
            throw TextGenerationError.malformedResponse(url: url, problem: "not chat-completions JSON (\(Self.describe(error))); body starts: \(apiKey?.redact(start) ?? start)")
        }
        guard let choice = response.choices?.first else {
            throw TextGenerationError.malformedResponse(url: url, problem: "no choices in the answer")
        }
        guard let content = choice.message?.content else {
            throw TextGenerationError.malformedResponse(url: url, problem: "the first choice has no message content")
        }
        if choice.finish_reason == "length" {
            throw TextGenerationError.tokenBudgetExhausted(generator: identity, maxTokens: settings.maxTokens, partialText: content)
        }
        return content
    }

    private func pause(_ seconds: TimeInterval) async throws {
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }

    /// `Retry-After` as seconds: an integer, or an HTTP date (RFC 9110) from now.
    static func retryAfter(_ header: String?) -> TimeInterval? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header) { return max(seconds, 0) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: header).map { max($0.timeIntervalSinceNow, 0) }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return "invalid JSON: \(context.debugDescription)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _): return "missing key \(key.stringValue)"
        default: return String(describing: error)
        }
    }
}

/// A request in flight: resumes its continuation once (answer, deadline or cancellation, whichever comes first)
/// and cancels the data task when the answer is no longer wanted.
private final class PendingRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<OpenAICompatibleGenerator.Outcome, Never>?
    private var task: URLSessionDataTask?
    private var result: OpenAICompatibleGenerator.Outcome?

    func start(_ continuation: CheckedContinuation<OpenAICompatibleGenerator.Outcome, Never>) {
        lock.withLock {
            if let result { continuation.resume(returning: result) } else { self.continuation = continuation }
        }
    }

    func attach(_ task: URLSessionDataTask) {
        let cancelNow = lock.withLock { () -> Bool in
            self.task = task
            return result != nil
        }
        if cancelNow { task.cancel() }
    }

    func finish(_ outcome: OpenAICompatibleGenerator.Outcome) {
        let (waiting, task) = lock.withLock { () -> (CheckedContinuation<OpenAICompatibleGenerator.Outcome, Never>?, URLSessionDataTask?) in
            guard result == nil else { return (nil, nil) }
            result = outcome
            defer { continuation = nil }
            return (continuation, self.task)
        }
        waiting?.resume(returning: outcome)
        task?.cancel()
    }
}
