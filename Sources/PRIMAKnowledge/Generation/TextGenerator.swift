/// One message of a chat conversation.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// Who speaks.
    public enum Role: String, Sendable, Codable { case system, user, assistant }
    /// The speaker.
    public var role: Role
    /// What is said.
    public var content: String

    /// A message of `role` saying `content`.
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// How a generator samples its answer.
public struct GenerationSettings: Sendable, Codable, Equatable {
    /// The longest answer, in tokens.
    public var maxTokens: Int
    /// Sampling temperature; 0 is greedy.
    public var temperature: Float
    /// Nucleus sampling threshold (1 = off).
    public var topP: Float
    /// Seed of the sampling, where the generator supports one.
    public var seed: UInt64?
    /// Texts that end the answer (not included in it).
    public var stop: [String]

    /// Settings; by default up to 1,024 tokens, temperature 0.7, top-p 0.9, seed 0.
    public init(maxTokens: Int = 1024, temperature: Float = 0.7, topP: Float = 0.9, seed: UInt64? = 0, stop: [String] = []) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
    }
}

/// Anything that answers a chat: the local Qwen3, an OpenAI-compatible endpoint, or a user's own.
public protocol TextGenerator: Sendable {
    /// What produced an answer, recorded in each corpus entry's provenance (`qwen3 /models/Qwen3-1.7B`,
    /// `openai-compatible http://127.0.0.1:8080/v1 model=llama`). Never contains a secret.
    var identity: String { get }
    /// The assistant's answer to `messages`.
    func generate(_ messages: [ChatMessage], settings: GenerationSettings) async throws -> String
}
