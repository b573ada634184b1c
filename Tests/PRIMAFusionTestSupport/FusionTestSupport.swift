import PRIMAAlign
import PRIMAFusion
import PRIMANN
import PRIMAText
import PRIMATensor

/// Tiny stage-3 models and random features for the fusion tests and the multi-process parity checks (seconds in a
/// debug build).
public enum FusionTestSupport {
    /// The classes of the tiny models.
    public static let classNames = ["alpha", "beta", "gamma"]
    /// Widths of the random image and text features, and the tiny Qwen3's hidden size.
    public static let imageWidth = 8, textWidth = 6, hiddenSize = 32
    /// The patch grid of the random image features.
    public static let grid = PatchGrid(height: 3, width: 3)

    /// The built-in tokenizer and a 2-layer Qwen3 of hidden size 32 with random weights drawn from `seed`.
    public static func languageModel(seed: UInt64 = 1) throws -> (Qwen3ForCausalLM, Tokenizer) {
        let tokenizer = try BuiltInFusionTokenizer.make(classWords: classNames)
        var config = Qwen3Config.smallFusion(vocabularySize: tokenizer.vocabularySize)
        config.hiddenSize = hiddenSize
        config.intermediateSize = 64
        config.headDim = 8
        config.initializerRange = 0.1
        return (Qwen3ForCausalLM(config: config, initialization: .random(seed: seed)), tokenizer)
    }

    /// A fusion classifier over ``languageModel(seed:)`` (seed 1); `seed` draws its adapters, projectors and markers.
    public static func classifier(seed: UInt64 = 3, lora: LoRA.Configuration? = .qwen3Fusion) throws -> FusionClassifier {
        let (model, tokenizer) = try languageModel()
        var rng = RandomGenerator(seed: seed)
        return try FusionClassifier(languageModel: model, tokenizer: tokenizer, classNames: classNames,
                                    projectors: FusionProjectorConfiguration(imageFeatureWidth: imageWidth, textFeatureWidth: textWidth,
                                                                             hiddenSize: hiddenSize),
                                    lora: lora, using: &rng)
    }

    /// Random features of `textLengths.count` samples; sample i has `textLengths[i]` real text tokens (right-padded),
    /// the id `idPrefix` followed by i, and the label `labels[i]` (default: i modulo the class count).
    public static func features(textLengths: [Int], labels: [Int]? = nil, views: Int = 1, seed: UInt64 = 5,
                                idPrefix: String = "s") throws -> FusionFeatureSet {
        var rng = RandomGenerator(seed: seed)
        let n = textLengths.count, l = textLengths.max() ?? 1
        let imageViews = (0..<views).map { _ in
            ImageFeatures(global: Tensor.randomNormal([n, imageWidth], using: &rng),
                          tokens: Tensor.randomNormal([n, grid.count, imageWidth], using: &rng), grid: grid)
        }
        var mask = [Float](repeating: 0, count: n * l)
        for (i, length) in textLengths.enumerated() { for j in 0..<length { mask[i * l + j] = 1 } }
        let maskTensor = Tensor(shape: [n, l], scalars: mask)
        let text = TextFeatures(cls: Tensor.randomNormal([n, textWidth], using: &rng),
                                tokens: Tensor.randomNormal([n, l, textWidth], using: &rng) * maskTensor.unsqueezed(-1),
                                mask: maskTensor, wordMask: maskTensor)
        return try FusionFeatureSet(ids: (0..<n).map { "\(idPrefix)\($0)" }, labels: labels ?? (0..<n).map { $0 % classNames.count },
                                    views: imageViews, text: text)
    }
}
