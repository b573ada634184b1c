import Foundation
import PRIMAFusion
import PRIMAText
import PRIMATensor

/// How a local generation ended.
public enum GenerationFinish: String, Sendable, Codable, Equatable {
    /// A stop token (`<|im_end|>`, `<|endoftext|>`, the config's end-of-sequence ids) was produced.
    case stopToken
    /// One of ``GenerationSettings/stop`` appeared in the text.
    case stopText
    /// ``GenerationSettings/maxTokens`` tokens were produced without a stop: the text is truncated.
    case tokenBudget
}

/// One local answer with the details the ``TextGenerator`` protocol leaves out.
public struct Qwen3Completion: Sendable, Equatable {
    /// The answer (stop token and stop text excluded, the `<think>` block removed).
    public let text: String
    /// The generated token ids, stop token excluded.
    public let tokenIDs: [Int]
    /// Why generation ended; ``GenerationFinish/tokenBudget`` means the text is truncated.
    public let finish: GenerationFinish
    /// The sampling seed used (drawn at random when the settings had none).
    public let seed: UInt64
}

/// A ``TextGenerator`` running a Qwen3 checkpoint on this machine (PRIMAFusion's model and KV cache).
///
/// The chat is rendered with ``Qwen3ChatTemplate``, encoded by the checkpoint's byte-level BPE tokenizer and
/// decoded one token at a time: greedy at temperature 0, otherwise a seeded draw with top-p
/// (PRIMAFusion's `TokenSampler`), so equal settings and seed give equal answers. Generation stops at
/// `<|im_end|>`, `<|endoftext|>`, the config's end-of-sequence ids or a ``GenerationSettings/stop`` text;
/// at ``GenerationSettings/maxTokens`` ``generate(_:settings:)`` throws
/// ``TextGenerationError/tokenBudgetExhausted(generator:maxTokens:partialText:)`` (``complete(_:settings:)``
/// returns the truncated text flagged instead).
///
/// Calls are serialised: one model, one generation at a time.
public final class Qwen3TextGenerator: TextGenerator, @unchecked Sendable {
    /// The model (not thread-safe; guarded by `lock`).
    private let model: Qwen3ForCausalLM
    /// The checkpoint's tokenizer.
    public let tokenizer: Tokenizer
    /// The chat format.
    public let template: Qwen3ChatTemplate
    /// Token ids that end the answer.
    public let stopTokenIDs: Set<Int>
    /// `qwen3 <name> thinking=on|off`.
    public let identity: String
    private let lock = NSLock()

    /// A generator over `model` and its `tokenizer`.
    /// - Parameters:
    ///   - model: the Qwen3 causal language model.
    ///   - tokenizer: its tokenizer (must have the chat tokens).
    ///   - name: how the model is named in ``identity`` (a path or a hub id).
    ///   - template: the chat format (thinking off by default).
    /// - Throws: ``TextGenerationError/invalidSettings(_:)`` if the tokenizer has no `<|im_end|>` token.
    public init(model: Qwen3ForCausalLM, tokenizer: Tokenizer, name: String, template: Qwen3ChatTemplate = Qwen3ChatTemplate()) throws {
        guard let imEnd = tokenizer.tokenID(for: "<|im_end|>") else {
            throw TextGenerationError.invalidSettings("the tokenizer \(tokenizer.source) has no <|im_end|> token: not a Qwen3 chat tokenizer")
        }
        var stops: Set<Int> = [imEnd]
        if let end = tokenizer.tokenID(for: "<|endoftext|>") { stops.insert(end) }
        stops.formUnion(model.config.eosTokenIDs)
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.stopTokenIDs = stops
        self.identity = "qwen3 \(name) thinking=\(template.thinking ? "on" : "off")"
    }

    /// Loads a Hugging Face Qwen3 folder (`config.json`, `model.safetensors`, `tokenizer.json`).
    public convenience init(contentsOf directory: URL, template: Qwen3ChatTemplate = Qwen3ChatTemplate()) throws {
        let model = try Qwen3ForCausalLM(contentsOf: directory)
        let tokenizer = try Tokenizer(contentsOf: directory.appendingPathComponent("tokenizer.json"))
        try self.init(model: model, tokenizer: tokenizer, name: directory.lastPathComponent, template: template)
    }

    /// The answer to `messages`.
    /// - Throws: ``TextGenerationError/tokenBudgetExhausted(generator:maxTokens:partialText:)`` when the budget is
    ///   spent, other ``TextGenerationError`` cases for bad settings or a prompt too long for the context.
    public func generate(_ messages: [ChatMessage], settings: GenerationSettings) async throws -> String {
        let completion = try complete(messages, settings: settings)
        if completion.finish == .tokenBudget {
            throw TextGenerationError.tokenBudgetExhausted(generator: identity, maxTokens: settings.maxTokens, partialText: completion.text)
        }
        return completion.text
    }

    /// The answer to `messages` with its tokens and how it ended (a budget-truncated answer is returned, flagged).
    public func complete(_ messages: [ChatMessage], settings: GenerationSettings) throws -> Qwen3Completion {
        try settings.validate()
        let prompt = tokenizer.encode(template.render(messages), addSpecialTokens: false).ids
        let context = model.config.maxPositionEmbeddings
        guard prompt.count + settings.maxTokens <= context else {
            throw TextGenerationError.promptTooLong(promptTokens: prompt.count, maxTokens: settings.maxTokens, contextLength: context)
        }
        let strategy: GenerationOptions.Strategy = settings.temperature == 0
            ? .greedy : .sample(temperature: settings.temperature, topK: nil, topP: settings.topP < 1 ? settings.topP : nil)
        let seed = settings.seed ?? UInt64.random(in: 0...UInt64.max)
        lock.lock()
        defer { lock.unlock() }
        let (ids, finish, text) = decode(prompt: prompt, strategy: strategy, seed: seed, settings: settings)
        return Qwen3Completion(text: template.answer(from: text), tokenIDs: ids, finish: finish, seed: seed)
    }

    /// Token-by-token decoding with the KV cache; checks the stop texts after every token.
    private func decode(prompt: [Int], strategy: GenerationOptions.Strategy, seed: UInt64,
                        settings: GenerationSettings) -> ([Int], GenerationFinish, String) {
        noGrad {
            let cache = Qwen3KVCache(config: model.config, batch: 1, capacity: prompt.count + settings.maxTokens)
            var logits = model(tokenIDs: Tensor(shape: [1, prompt.count], scalars: prompt.map(Float.init)),
                               positionIDs: Tensor(shape: [1, prompt.count], scalars: (0..<prompt.count).map(Float.init)),
                               cache: cache, logits: .lastToken).logits!
            var sampler = TokenSampler(strategy: strategy, seed: seed)
            var generated: [Int] = []
            for _ in 0..<settings.maxTokens {
                let token = sampler.next(logits: logits)[0]
                if stopTokenIDs.contains(token) { return (generated, .stopToken, tokenizer.decode(generated)) }
                generated.append(token)
                if !settings.stop.isEmpty {
                    let text = tokenizer.decode(generated)
                    if let cut = Self.firstStop(settings.stop, in: text) { return (generated, .stopText, String(text[..<cut])) }
                }
                if generated.count == settings.maxTokens { break }
                let position = Float(prompt.count + generated.count - 1)
                logits = model(tokenIDs: Tensor(shape: [1, 1], scalars: [Float(token)]),
                               positionIDs: Tensor(shape: [1, 1], scalars: [position]), cache: cache, logits: .lastToken).logits!
            }
            return (generated, .tokenBudget, tokenizer.decode(generated))
        }
    }

    /// Where the earliest stop text begins in `text`.
    static func firstStop(_ stops: [String], in text: String) -> String.Index? {
        stops.compactMap { text.range(of: $0)?.lowerBound }.min()
    }
}
