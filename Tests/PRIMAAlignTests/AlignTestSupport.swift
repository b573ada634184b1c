import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMAText
import PRIMATensor
import Testing

/// A tiny convolutional image encoder defined only here, not DINOv3: a strided convolution cuts the image into
/// 4×4 patches (the local tokens, with their grid), a Linear `proj` maps their mean to the global feature.
final class TinyConvEncoder: Module, ImageEncoder {
    @Key("patch_embed") var patchEmbed: Conv2d
    @Key("proj") var projection: Linear
    let width: Int

    init(width: Int, using rng: inout RandomGenerator) {
        self.width = width
        super.init()
        patchEmbed = Conv2d(inputChannels: 3, outputChannels: width, kernelSize: Size2D(4), stride: Size2D(4), using: &rng)
        projection = Linear(width, width, using: &rng)
    }

    var featureWidth: Int { width }

    func encodeImages(_ pixels: Tensor) -> ImageFeatures {
        let maps = patchEmbed(pixels).gelu()  // [B, D, h, w]
        let (b, h, w) = (maps.shape[0], maps.shape[2], maps.shape[3])
        let tokens = maps.reshaped([b, width, h * w]).transposed(1, 2)  // [B, K, D]
        return ImageFeatures(global: projection(tokens.mean(axis: 1)), tokens: tokens, grid: PatchGrid(height: h, width: w))
    }
}

/// A loss defined only here: mean squared distance between each view's normalised global feature and the
/// normalised text feature of the same sample (no negatives; enough to show a user's loss trains).
struct PairedDistanceLoss: AlignmentLoss {
    var name: String { "paired_distance" }
    func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let text = inputs.text.cls.l2Normalized(axis: 1)
        let terms = inputs.views.map { view in (view.global.l2Normalized(axis: 1) - text).pow(2).sum(axis: 1).mean() }
        return (terms[0] + terms[1]) * 0.5
    }
}

/// A loss that turns NaN from a chosen call on, to test the stop on divergence.
final class PoisonedLoss: AlignmentLoss, @unchecked Sendable {
    let base: any AlignmentLoss
    let poisonFromCall: Int
    private(set) var calls = 0
    init(_ base: any AlignmentLoss, poisonFromCall: Int) {
        self.base = base
        self.poisonFromCall = poisonFromCall
    }
    var name: String { "poisoned" }
    func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        calls += 1
        let value = try base.loss(inputs)
        return calls >= poisonFromCall ? value * Float.nan : value
    }
}

/// A symmetric InfoNCE over the global features (view 1 against the text), written here so that the trainer's
/// tests do not depend on the library's losses.
struct TestContrastiveLoss: AlignmentLoss {
    var name: String { "test_contrastive" }
    func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let n = inputs.batchSize
        let targets = Tensor((0..<n).map(Float.init))
        let text = inputs.text.cls.l2Normalized(axis: 1)
        var total: Tensor? = nil
        for view in inputs.views {
            let logits = Tensor.matmul(view.global.l2Normalized(axis: 1), text, transposeB: true) / inputs.temperature.reshaped([])
            let both = Tensor.crossEntropy(logits: logits, targets: targets) + Tensor.crossEntropy(logits: logits.transposed(0, 1), targets: targets)
            total = total.map { $0 + both } ?? both
        }
        return total! * 0.25
    }
}

/// Synthetic samples, texts, a tokenizer and a tiny BERT for the stage-2 tests.
enum AlignFixtures {
    /// Samples whose single photo is virtual: photo `i` decodes to an 8×8 image whose four 4×4 quadrants have
    /// seeded random colours, except the top-left one, which shows the class of the default 3-class labelling.
    static func samples(count: Int, classes: Int = 3) -> [DatasetSample] {
        let regions = ["FACE", "ARM", "BACK", "NOSE", "CHEST", "HAND"]
        return (0..<count).map { i in
            DatasetSample(id: "S\(i)", patientID: "P\(i)", imagePaths: [URL(fileURLWithPath: "/virtual/\(i).png")], label: i % classes,
                          metadata: ["age": .number(Double(20 + 3 * i)), "region": .category(regions[i % regions.count]),
                                     "smoke": .bool(i % 2 == 0), "itch": .bool(i % 3 == 0), "diagnostic": .category("BCC")])
        }
    }

    static let decodeVirtual: @Sendable (URL) throws -> RGBImage = { url in
        let k = UInt64(url.deletingPathExtension().lastPathComponent)!
        var rng = RandomGenerator(seed: 1000 + k)
        var colours = (0..<12).map { _ in UInt8(rng.nextInt(in: 0..<256)) }
        colours[0...2] = [[250, 30, 30], [30, 250, 30], [30, 30, 250]][Int(k % 3)][...]  // the class (label k % 3) shows top left
        let pixels = (0..<64).flatMap { p -> [UInt8] in
            let quadrant = (p / 8 / 4) * 2 + (p % 8) / 4
            return Array(colours[(3 * quadrant)..<(3 * quadrant + 3)])
        }
        return RGBImage(width: 8, height: 8, pixels: pixels)
    }

    static let renderer = MetadataTextRenderer(schema: PADUFES.schema)

    static func loader(_ samples: [DatasetSample], batchSize: Int = 4, seed: UInt64 = 3, shuffle: Bool = true) -> TwoViewLoader {
        TwoViewLoader(samples: samples, transform: { image, _ in image.tensor }, renderer: renderer,
                      encoder: MetadataVectorEncoder(schema: PADUFES.schema),
                      configuration: .init(batchSize: batchSize, shuffle: shuffle, seed: seed, dropLast: true, prefetchDepth: 1, workerCount: 1),
                      decode: decodeVirtual)
    }

    /// A `tokenizer.json`: whitespace split, every word of `texts` a token, `[CLS] … [SEP]` around each text.
    static func tokenizer(for texts: [String]) throws -> Tokenizer {
        var vocabulary = ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3]
        for word in Set(texts.flatMap { $0.split(separator: " ").map(String.init) }).sorted() { vocabulary[word] = vocabulary.count }
        let special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].enumerated().map { id, token in
            ["id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] as [String: Any]
        }
        let file: [String: Any] = [
            "version": "1.0", "added_tokens": special, "normalizer": NSNull(),
            "pre_tokenizer": ["type": "WhitespaceSplit"],
            "post_processor": ["type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]],
            "decoder": NSNull(),
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                      "vocab": vocabulary],
        ]
        return try Tokenizer(data: JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]), source: "<test tokenizer>")
    }

    /// A frozen 1-layer BERT of width 32 with seeded random weights and the tokenizer of `samples`' texts.
    static func textEncoder(for samples: [DatasetSample], seed: UInt64 = 11) throws -> TextEncoder {
        let texts = samples.map { renderer.render($0.metadata) }
        let tokenizer = try tokenizer(for: texts)
        var config = BERTConfig(vocabSize: tokenizer.vocabularySize, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2,
                                intermediateSize: 64, maxPositionEmbeddings: 64)
        config.hiddenDropoutProb = 0
        config.attentionProbsDropoutProb = 0
        var rng = RandomGenerator(seed: seed)
        let encoder = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: tokenizer)
        // BERT's initialisation (std 0.02) gives every text nearly the same CLS (cosine 0.99999 here): redraw the
        // matrices with std 1/√fan-in and the embeddings with std 1, so that the CLS depends on the words.
        for (key, p) in encoder.namedParameters() where p.shape.count == 2 && !key.contains("LayerNorm") {
            let std = key.contains("embeddings") ? 1 : 1 / Float(p.shape[1]).squareRoot()
            p.value = Tensor.randomNormal(p.shape, using: &rng) * std
        }
        encoder.freeze()
        encoder.eval()
        return encoder
    }

    /// A stage-2 model over a ``TinyConvEncoder`` and the tiny BERT, prepared with `image`.
    static func model(samples: [DatasetSample], image: ImageEncoderTraining = .full, sharedWidth: Int = 16,
                      learnableTemperature: Bool = false, seed: UInt64 = 5) throws -> AlignmentModel {
        var rng = RandomGenerator(seed: seed)
        let encoder = TinyConvEncoder(width: 24, using: &rng)
        let model = try AlignmentModel(imageEncoder: encoder, metadataEncoder: try textEncoder(for: samples),
                                       configuration: .init(sharedWidth: sharedWidth, temperature: 0.1, learnableTemperature: learnableTemperature),
                                       using: &rng)
        try StageTwoSetup.prepare(model, image: image, using: &rng)
        return model
    }

    /// The values of every trainable parameter, by key.
    static func trainableState(_ model: Module) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters().filter { !$0.parameter.isFrozen }.map { ($0.key, $0.parameter.value.scalars) })
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-align-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
