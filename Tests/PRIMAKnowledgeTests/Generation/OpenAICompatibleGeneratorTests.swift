import Foundation
@testable import PRIMAKnowledge
import Testing

/// The chat-completions client against a scripted server on 127.0.0.1.
@Suite struct OpenAICompatibleGeneratorTests {
    static let secret = "sk-test-7f3a9c-DO-NOT-LEAK"
    static let environment = ["PRIMA_TEST_API_KEY": secret]
    let messages = [ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: "Say hi.")]

    static func answer(_ content: String, finish: String = "stop") -> String {
        let escaped = String(decoding: try! JSONEncoder().encode(content), as: UTF8.self)
        return #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"#
            + escaped + #"},"finish_reason":""# + finish + #""}]}"#
    }

    func client(_ server: LoopbackHTTPServer, attempts: Int = 3, timeout: Double = 5) throws -> OpenAICompatibleGenerator {
        try client(baseURL: server.baseURL, attempts: attempts, timeout: timeout)
    }

    func client(baseURL: URL, attempts: Int = 3, timeout: Double = 5) throws -> OpenAICompatibleGenerator {
        try OpenAICompatibleGenerator(
            configuration: OpenAICompatibleConfiguration(baseURL: baseURL, model: "tiny-model",
                                                         apiKeyEnvironmentVariable: "PRIMA_TEST_API_KEY", timeout: timeout,
                                                         maxAttempts: attempts, initialBackoff: 0.01, maxBackoff: 2),
            environment: Self.environment)
    }

    /// Asserts that no textual form of `value` contains the key.
    func expectNoSecret(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        var dumped = ""
        dump(value, to: &dumped)
        for text in [String(describing: value), String(reflecting: value), dumped, "\(value)"] {
            #expect(!text.contains(Self.secret), "key leaked: \(text)", sourceLocation: sourceLocation)
        }
        if let error = value as? Error {
            #expect(!error.localizedDescription.contains(Self.secret), sourceLocation: sourceLocation)
        }
    }

    @Test func sendsTheRequestAndReturnsTheAnswer() async throws {
        let server = try LoopbackHTTPServer(replies: [.init(status: 200, body: Self.answer("Hello there."))])
        let generator = try client(server)
        let settings = GenerationSettings(maxTokens: 64, temperature: 0.2, topP: 0.8, seed: 11, stop: ["END"])
        #expect(try await generator.generate(messages, settings: settings) == "Hello there.")
        server.waitUntilDone()
        let request = try #require(server.requests.first)
        #expect(request.requestLine == "POST /v1/chat/completions HTTP/1.1")
        #expect(request.headers["authorization"] == "Bearer \(Self.secret)")
        let body = try #require(JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(body["model"] as? String == "tiny-model")
        #expect(body["max_tokens"] as? Int == 64)
        #expect(body["seed"] as? Int == 11)
        #expect(body["stop"] as? [String] == ["END"])
        #expect((body["messages"] as? [[String: String]])?.last == ["role": "user", "content": "Say hi."])
        #expect(generator.identity == "openai-compatible \(server.baseURL.absoluteString) model=tiny-model")
        expectNoSecret(generator)
        expectNoSecret(generator.configuration)
    }

    @Test func retriesA429AfterTheServersRetryAfter() async throws {
        let server = try LoopbackHTTPServer(replies: [
            .init(status: 429, headers: ["Retry-After": "1"], body: #"{"error":{"message":"slow down"}}"#),
            .init(status: 200, body: Self.answer("ok")),
        ])
        let start = Date()
        #expect(try await client(server).generate(messages, settings: GenerationSettings()) == "ok")
        #expect(Date().timeIntervalSince(start) >= 0.95, "Retry-After: 1 not honoured")
        server.waitUntilDone()
        #expect(server.requests.count == 2)
    }

    @Test func serverErrorsAreRetriedThenReportedWithTheServersMessage() async throws {
        let failure = LoopbackHTTPServer.Reply(status: 503, body: #"{"error":{"message":"model is loading"}}"#)
        let server = try LoopbackHTTPServer(replies: [failure, failure, failure])
        let error = await #expect(throws: TextGenerationError.self) {
            try await client(server, attempts: 3).generate(messages, settings: GenerationSettings())
        }
        #expect(error == .httpStatus(url: server.baseURL.absoluteString + "/chat/completions", status: 503,
                                     message: "model is loading", attempts: 3))
        server.waitUntilDone()
        #expect(server.requests.count == 3)
    }

    @Test func clientErrorsFailAtOnceAndNeverEchoTheKey() async throws {
        // OpenAI's own 401 message quotes the key it received.
        let server = try LoopbackHTTPServer(replies: [
            .init(status: 401, body: #"{"error":{"message":"Incorrect API key provided: \#(Self.secret)."}}"#),
        ])
        let error = await #expect(throws: TextGenerationError.self) {
            try await client(server).generate(messages, settings: GenerationSettings())
        }
        guard case .httpStatus(_, 401, let message, 1) = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(message == "Incorrect API key provided: <redacted>.")
        expectNoSecret(error as Any)
        server.waitUntilDone()
        #expect(server.requests.count == 1)
    }

    @Test(arguments: [
        ("{not json", "not chat-completions JSON"),
        (#"{"choices":[]}"#, "no choices"),
        (#"{"object":"chat.completion"}"#, "no choices"),
        (#"{"choices":[{"message":{"role":"assistant"},"finish_reason":"stop"}]}"#, "no message content"),
        (#"{"choices":"many"}"#, "not chat-completions JSON"),
    ])
    func malformedAnswersAreReported(body: String, problem: String) async throws {
        let server = try LoopbackHTTPServer(replies: [.init(status: 200, body: body)])
        let error = await #expect(throws: TextGenerationError.self) {
            try await client(server).generate(messages, settings: GenerationSettings())
        }
        guard case .malformedResponse(_, let reported) = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(reported.contains(problem), "\(reported)")
    }

    @Test func aLengthCutAnswerIsReportedAsTruncated() async throws {
        let server = try LoopbackHTTPServer(replies: [.init(status: 200, body: Self.answer("{\"summary\": \"half", finish: "length"))])
        let error = await #expect(throws: TextGenerationError.self) {
            try await client(server).generate(messages, settings: GenerationSettings(maxTokens: 5))
        }
        guard case .tokenBudgetExhausted(_, 5, let partial) = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(partial == "{\"summary\": \"half")
    }

    @Test func slowAnswersTimeOutAndAreRetried() async throws {
        // The slow replies' threads finish (and close their sockets) on their own after the test.
        let slow = LoopbackHTTPServer.Reply(status: 200, body: Self.answer("late"), delay: 6)
        let server = try LoopbackHTTPServer(replies: [slow, .init(status: 200, body: Self.answer("in time"))])
        // "in time" proves the first attempt was abandoned before the slow answer came.
        #expect(try await client(server, attempts: 2, timeout: 1.5).generate(messages, settings: GenerationSettings()) == "in time")

        // A fractional timeout is kept (FoundationNetworking alone would round 0.4 s down to an immediate failure).
        let stuck = try LoopbackHTTPServer(replies: [slow, slow])
        let start = Date()
        let error = await #expect(throws: TextGenerationError.self) {
            try await client(stuck, attempts: 2, timeout: 0.4).generate(messages, settings: GenerationSettings())
        }
        #expect(error == .timedOut(url: stuck.baseURL.absoluteString + "/chat/completions", seconds: 0.4, attempts: 2))
        #expect(Date().timeIntervalSince(start) >= 0.8)
    }

    @Test func anUnreachableHostIsReportedAfterTheRetries() async throws {
        let url = URL(string: "http://127.0.0.1:\(try LoopbackHTTPServer.closedPort())/v1")!
        let error = await #expect(throws: TextGenerationError.self) {
            try await client(baseURL: url, attempts: 2).generate(messages, settings: GenerationSettings())
        }
        guard case .unreachable(_, _, 2) = error else { Issue.record("unexpected \(String(describing: error))"); return }
        expectNoSecret(error as Any)
    }

    @Test func configurationProblemsAreClearErrors() throws {
        let url = URL(string: "http://127.0.0.1:1/v1")!
        #expect(throws: TextGenerationError.missingAPIKey(environmentVariable: "PRIMA_UNSET_KEY")) {
            try OpenAICompatibleGenerator(configuration: .init(baseURL: url, model: "m", apiKeyEnvironmentVariable: "PRIMA_UNSET_KEY"),
                                          environment: [:])
        }
        #expect(throws: TextGenerationError.self) {
            try OpenAICompatibleGenerator(configuration: .init(baseURL: URL(string: "ftp://host/v1")!, model: "m"), environment: [:])
        }
        #expect(throws: TextGenerationError.self) {
            try OpenAICompatibleGenerator(configuration: .init(baseURL: url, model: "m", maxAttempts: 0), environment: [:])
        }
        // A server without keys needs no variable.
        _ = try OpenAICompatibleGenerator(configuration: .init(baseURL: url, model: "m"), environment: [:])
    }

    @Test func backoffDoublesAndHonoursRetryAfterUpToTheCap() {
        let configuration = OpenAICompatibleConfiguration(baseURL: URL(string: "http://h/v1")!, model: "m",
                                                          initialBackoff: 0.5, maxBackoff: 3)
        #expect([1, 2, 3, 4].map { configuration.backoff(beforeRetry: $0, retryAfter: nil) } == [0.5, 1, 2, 3])
        #expect(configuration.backoff(beforeRetry: 1, retryAfter: 2) == 2)
        #expect(configuration.backoff(beforeRetry: 1, retryAfter: 60) == 3)
        #expect(OpenAICompatibleGenerator.retryAfter("7") == 7)
        #expect(OpenAICompatibleGenerator.retryAfter("soon") == nil)
        let date = OpenAICompatibleGenerator.retryAfter("Thu, 01 Jan 2099 00:00:00 GMT")
        #expect(date.map { $0 > 1e9 } == true)
    }
}
