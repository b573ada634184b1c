import Foundation
import PRIMAFusion
@testable import PRIMAKnowledge
import PRIMAText
import Testing

/// The local Qwen3 generator on a tiny random Qwen3 with a Qwen3-style byte-level BPE tokenizer
/// (Fixtures/qwen3_bpe_tokenizer.json, a copy of PRIMATextTests' fixture: 2,372 merges-vocabulary tokens plus
/// Qwen3's special tokens).
@Suite struct Qwen3TextGeneratorTests {
    static let tokenizer = try! Tokenizer(contentsOf: Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("qwen3_bpe_tokenizer.json"))
    let messages = [ChatMessage(role: .system, content: "You describe risk factors."),
                    ChatMessage(role: .user, content: "Age 55, lesion on the forearm.")]

    static func model(eos: [Int] = [], context: Int = 256) -> Qwen3ForCausalLM {
        var config = Qwen3Config()
        config.vocabSize = tokenizer.vocabularySize
        config.hiddenSize = 32
        config.intermediateSize = 64
        config.numHiddenLayers = 2
        config.numAttentionHeads = 4
        config.numKeyValueHeads = 2
        config.headDim = 8
        config.maxPositionEmbeddings = context
        config.tieWordEmbeddings = true
        config.useSlidingWindow = false
        config.eosTokenIDs = eos
        // A wider initialisation than Qwen3's 0.02 so that the random logits are far from uniform.
        config.initializerRange = 0.5
        return Qwen3ForCausalLM(config: config, initialization: .random(seed: 21))
    }

    static func generator(_ model: Qwen3ForCausalLM = model(), thinking: Bool = false) throws -> Qwen3TextGenerator {
        try Qwen3TextGenerator(model: model, tokenizer: tokenizer, name: "tiny-random", template: Qwen3ChatTemplate(thinking: thinking))
    }

    @Test func chatTemplateMatchesQwen3() {
        let off = Qwen3ChatTemplate().render(messages)
        #expect(off == "<|im_start|>system\nYou describe risk factors.<|im_end|>\n<|im_start|>user\nAge 55, lesion on the forearm.<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n")
        #expect(Qwen3ChatTemplate(thinking: true).render(messages).hasSuffix("<|im_end|>\n<|im_start|>assistant\n"))
        let ids = Self.tokenizer.encode(off, addSpecialTokens: false).ids
        #expect(ids.first == Self.tokenizer.tokenID(for: "<|im_start|>"))
        #expect(ids.filter { $0 == Self.tokenizer.tokenID(for: "<|im_end|>") }.count == 2)
        let template = Qwen3ChatTemplate(thinking: true)
        #expect(template.answer(from: "<think>\nweigh it\n</think>\n\n{\"a\": 1}") == "{\"a\": 1}")
        #expect(template.answer(from: "<think>cut off") == "<think>cut off")
        #expect(template.answer(from: "{\"a\": \"<think>\"}") == "{\"a\": \"<think>\"}")
    }

    @Test func greedyDecodingMatchesPRIMAFusionsGenerate() throws {
        let model = Self.model()
        let generator = try Self.generator(model)
        let completion = try generator.complete(messages, settings: GenerationSettings(maxTokens: 12, temperature: 0))
        let prompt = Self.tokenizer.encode(Qwen3ChatTemplate().render(messages), addSpecialTokens: false).ids
        let reference = model.generate(prompts: [prompt], options: GenerationOptions(maxNewTokens: 12))[0]
        #expect(completion.tokenIDs == reference)
        #expect(completion.finish == .tokenBudget)
        #expect(completion.text == Self.tokenizer.decode(reference))
        #expect(generator.identity == "qwen3 tiny-random thinking=off")
    }

    @Test func samplingIsReproducibleWithASeed() throws {
        let generator = try Self.generator()
        let settings = GenerationSettings(maxTokens: 16, temperature: 1.5, topP: 0.95, seed: 3)
        let first = try generator.complete(messages, settings: settings)
        #expect(try generator.complete(messages, settings: settings) == first)
        var other = settings
        other.seed = 4
        #expect(try generator.complete(messages, settings: other).tokenIDs != first.tokenIDs)
        let greedy = try generator.complete(messages, settings: GenerationSettings(maxTokens: 16, temperature: 0))
        #expect(greedy.tokenIDs != first.tokenIDs)
    }

    @Test func stopTokensEndTheAnswerAndAreLeftOut() async throws {
        let free = try Self.generator().complete(messages, settings: GenerationSettings(maxTokens: 10, temperature: 0))
        let stop = free.tokenIDs[3]
        let generator = try Self.generator(Self.model(eos: [stop]))
        #expect(generator.stopTokenIDs.isSuperset(of: [Self.tokenizer.tokenID(for: "<|im_end|>")!,
                                                         Self.tokenizer.tokenID(for: "<|endoftext|>")!, stop]))
        let stopped = try generator.complete(messages, settings: GenerationSettings(maxTokens: 10, temperature: 0))
        let firstStop = free.tokenIDs.firstIndex(of: stop)!
        #expect(stopped.tokenIDs == Array(free.tokenIDs[..<firstStop]))
        #expect(stopped.finish == .stopToken)
        #expect(try await generator.generate(messages, settings: GenerationSettings(maxTokens: 10, temperature: 0)) == stopped.text)
    }

    @Test func stopTextsEndTheAnswerAndAreLeftOut() throws {
        let generator = try Self.generator()
        let free = try generator.complete(messages, settings: GenerationSettings(maxTokens: 12, temperature: 0))
        // Two characters from the middle of the free answer (not a replacement character of a split byte sequence).
        let characters = Array(free.text)
        let start = try #require((characters.count / 2..<characters.count - 1).first { !characters[$0...($0 + 1)].contains("\u{FFFD}") })
        let stopText = String(characters[start...(start + 1)])
        let stopped = try generator.complete(messages, settings: GenerationSettings(maxTokens: 12, temperature: 0, stop: ["§never§", stopText]))
        #expect(stopped.finish == .stopText)
        #expect(!stopped.text.contains(stopText) && free.text.hasPrefix(stopped.text))
        #expect(stopped.tokenIDs.count < free.tokenIDs.count && free.tokenIDs.starts(with: stopped.tokenIDs))
    }

    @Test func theTokenBudgetBoundsTheAnswer() async throws {
        let generator = try Self.generator()
        let settings = GenerationSettings(maxTokens: 5, temperature: 0.9, seed: 1)
        let completion = try generator.complete(messages, settings: settings)
        #expect(completion.tokenIDs.count == 5 && completion.finish == .tokenBudget)
        await #expect(throws: TextGenerationError.tokenBudgetExhausted(generator: generator.identity, maxTokens: 5, partialText: completion.text)) {
            try await generator.generate(messages, settings: settings)
        }
        #expect(throws: TextGenerationError.self) {
            try generator.complete(messages, settings: GenerationSettings(maxTokens: 250))
        }
        #expect(throws: TextGenerationError.self) {
            try generator.complete(messages, settings: GenerationSettings(maxTokens: 0))
        }
    }

    @Test func aTokenizerWithoutChatTokensIsRejected() throws {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("qwen3_bpe_tokenizer.json")
        var json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        json["added_tokens"] = (json["added_tokens"] as? [[String: Any]])?.filter { $0["content"] as? String != "<|im_end|>" }
        let plain = try Tokenizer(data: JSONSerialization.data(withJSONObject: json), source: "no-chat.json")
        #expect(throws: TextGenerationError.self) {
            try Qwen3TextGenerator(model: Self.model(), tokenizer: plain, name: "x")
        }
    }
}
