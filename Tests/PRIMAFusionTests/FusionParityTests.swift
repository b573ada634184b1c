import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// The stage-3 classifier against PyTorch + transformers (Scripts/reference/gen_fusion.py): the same weights, features
/// and ids give the same class logits, class-weighted loss, and gradients of every trainable tensor (projectors,
/// markers, LoRA A and B), for a batch of three samples with different text lengths and two image views.
@Suite struct FusionParityTests {
    struct Case: Decodable {
        let vocab_size: Int, hidden_size: Int, intermediate_size: Int, num_hidden_layers: Int
        let num_attention_heads: Int, num_key_value_heads: Int, head_dim: Int, rope_theta: Float, rms_norm_eps: Float
        let image_width: Int, text_width: Int, grid: [Int], kernel: Int, stride: Int
        let lora_rank: Int, lora_alpha: Float, prompt_ids: [Int], class_ids: [Int], views: Int, lengths: [Int]
    }

    static func tensors(_ name: String) throws -> [String: Tensor] {
        let file = try SafeTensorsFile(contentsOf: Qwen3Fixtures.folder("fusion").appendingPathComponent(name))
        return try Dictionary(uniqueKeysWithValues: file.keys.map { ($0, try file.tensor($0)) })
    }

    /// The reference model with its weights loaded, and the case's inputs.
    static func load() throws -> (FusionClassifier, [ImageFeatures], TextFeatures, [String: Tensor], Case) {
        let data = try Data(contentsOf: Qwen3Fixtures.folder("fusion").appendingPathComponent("case.json"))
        let info = try JSONDecoder().decode(Case.self, from: data)
        var config = Qwen3Config.smallFusion(vocabularySize: info.vocab_size)
        config.hiddenSize = info.hidden_size
        config.intermediateSize = info.intermediate_size
        config.numHiddenLayers = info.num_hidden_layers
        config.numAttentionHeads = info.num_attention_heads
        config.numKeyValueHeads = info.num_key_value_heads
        config.headDim = info.head_dim
        config.ropeTheta = info.rope_theta
        config.rmsNormEps = info.rms_norm_eps
        let llm = Qwen3ForCausalLM(config: config, initialization: .uninitialized)
        var rng = RandomGenerator(seed: 0)
        let classifier = try FusionClassifier(
            languageModel: llm, promptTokenIDs: info.prompt_ids, classTokenIDs: info.class_ids, classNames: ["a", "b", "c"],
            specialTokens: FusionSpecialTokens(weight: Tensor.zeros([4, info.hidden_size])),
            projectors: FusionProjectorConfiguration(imageFeatureWidth: info.image_width, textFeatureWidth: info.text_width,
                                                     hiddenSize: info.hidden_size, patchKernelSize: info.kernel, patchStride: info.stride,
                                                     textKernelSize: info.kernel, textStride: info.stride),
            lora: LoRA.Configuration(rank: info.lora_rank, alpha: info.lora_alpha, targets: Qwen3ForCausalLM.loraTargets), using: &rng)
        try classifier.loadStateDict(try tensors("parameters.safetensors"), strict: true, source: "fusion/parameters.safetensors")
        let inputs = try tensors("case.safetensors")
        let grid = PatchGrid(height: info.grid[0], width: info.grid[1])
        let views = (0..<info.views).map { ImageFeatures(global: inputs["view\($0)_global"]!, tokens: inputs["view\($0)_tokens"]!, grid: grid) }
        let text = TextFeatures(cls: inputs["text_cls"]!, tokens: inputs["text_tokens"]!, mask: inputs["text_mask"]!,
                                wordMask: inputs["text_mask"]!)
        return (classifier, views, text, inputs, info)
    }

    @Test func logitsLossAndGradientsMatchPyTorch() throws {
        let (classifier, views, text, reference, info) = try Self.load()
        #expect(try classifier.prompt(views: views, text: text).lengths == info.lengths)
        let logits = try classifier.logits(views: views, text: text)
        #expect(maxScaledError(logits, reference["logits"]!) < Tolerance.modelForward)
        let loss = try classifier.loss(logits: logits, labels: reference["labels"]!, classWeights: reference["class_weights"]!)
        #expect(maxScaledError(loss.reshaped([1]), reference["loss"]!) < Tolerance.modelForward)
        loss.backward()
        let trainable = classifier.namedParameters().filter { !$0.parameter.isFrozen }
        let expectedKeys = Set(reference.keys.filter { $0.hasPrefix("grad/") }.map { String($0.dropFirst(5)) })
        #expect(Set(trainable.map(\.key)) == expectedKeys)
        for (key, parameter) in trainable {
            let grad = try #require(parameter.grad, "\(key) has no gradient")
            let error = Qwen3Fixtures.maxErrorRelativeToScale(grad, reference["grad/" + key]!)
            #expect(error < Tolerance.modelGradient, "\(key): \(error)")
        }
    }
}
