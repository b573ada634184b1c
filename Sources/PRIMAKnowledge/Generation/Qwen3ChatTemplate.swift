/// Qwen3's chat format: each message is `<|im_start|>role\ncontent<|im_end|>\n`, and the answer starts after
/// the generation prompt `<|im_start|>assistant\n`.
///
/// Thinking mode: Qwen3 may first write its reasoning in a `<think>…</think>` block. By default it is
/// **disabled** the way Qwen3's own template does it (`enable_thinking=False`): an empty
/// `<think>\n\n</think>\n\n` block follows the generation prompt, so the model answers directly. The knowledge
/// prompts ask for strict JSON, and reasoning would spend the token budget on text we discard. With
/// ``thinking`` on, the reasoning block is generated and ``answer(from:)`` removes it.
public struct Qwen3ChatTemplate: Sendable, Equatable {
    /// Whether the model may reason in a `<think>` block before answering.
    public var thinking: Bool

    /// A template; thinking is off by default.
    public init(thinking: Bool = false) {
        self.thinking = thinking
    }

    /// The prompt text for `messages`, ending with the generation prompt.
    public func render(_ messages: [ChatMessage]) -> String {
        var text = ""
        for message in messages {
            text += "<|im_start|>\(message.role.rawValue)\n\(message.content)<|im_end|>\n"
        }
        text += "<|im_start|>assistant\n"
        if !thinking { text += "<think>\n\n</think>\n\n" }
        return text
    }

    /// The answer without a leading `<think>…</think>` block (an unclosed block is left as is, so a cut-off
    /// reasoning is visible rather than silently emptied).
    public func answer(from generated: String) -> String {
        guard let open = generated.range(of: "<think>"),
              generated[..<open.lowerBound].allSatisfy(\.isWhitespace),
              let close = generated.range(of: "</think>", range: open.upperBound..<generated.endIndex) else {
            return generated
        }
        return String(generated[close.upperBound...].drop(while: \.isWhitespace))
    }
}
