import PRIMAText

/// A prompt's continuation: the new token ids and their text.
public struct GeneratedText: Sendable, Equatable {
    /// The generated token ids (up to and including a stop token).
    public let tokenIDs: [Int]
    /// The ids decoded by the tokenizer, special tokens skipped.
    public let text: String

    /// A continuation with its ids and text.
    public init(tokenIDs: [Int], text: String) {
        self.tokenIDs = tokenIDs
        self.text = text
    }
}

extension Qwen3ForCausalLM {
    /// Generates continuations of text prompts: each prompt is encoded with `tokenizer` (Qwen3's byte-level
    /// BPE `tokenizer.json`, with its own special-token settings), the batch decoded with
    /// ``generate(prompts:options:)``, and the new ids decoded back to text.
    public func generate(texts: [String], tokenizer: Tokenizer,
                         options: GenerationOptions = GenerationOptions()) -> [GeneratedText] {
        let prompts = texts.map { tokenizer.encode($0).ids }
        return generate(prompts: prompts, options: options).map {
            GeneratedText(tokenIDs: $0, text: tokenizer.decode($0, skipSpecialTokens: true))
        }
    }
}
