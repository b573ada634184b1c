import Foundation

/// The JSON of OpenAI's chat-completions request (the fields this package sets).
struct ChatCompletionsRequest: Encodable {
    let model: String
    let messages: [ChatMessage]
    let max_tokens: Int
    let temperature: Float
    let top_p: Float
    let seed: UInt64?
    let stop: [String]?
    let stream = false
}

/// The part of a chat-completions answer that is read.
struct ChatCompletionsResponse: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable { let content: String? }
        let message: Message?
        let finish_reason: String?
    }
    let choices: [Choice]?
}

/// The error bodies servers send: OpenAI/vLLM/llama.cpp `{"error": {"message": …}}`, Ollama `{"error": "…"}`.
enum ServerErrorMessage {
    static func from(_ body: Data) -> String {
        struct Nested: Decodable { struct Inner: Decodable { let message: String? }; let error: Inner }
        struct Flat: Decodable { let error: String }
        if let nested = try? JSONDecoder().decode(Nested.self, from: body), let message = nested.error.message { return message }
        if let flat = try? JSONDecoder().decode(Flat.self, from: body) { return flat.error }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return "(empty body)" }
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }
}
