import Foundation
import PRIMAAlign
import PRIMAData
import PRIMAExperiments
import PRIMANN
import PRIMAText
import PRIMATensor

/// Small seeded models and data for the multi-process checks: every rank builds exactly the same ones.
enum MPIFixtures {
    /// `count` samples with one virtual photo each (decoded by ``decode``), PADUFES metadata and 3 classes.
    static func samples(count: Int) -> [DatasetSample] {
        let regions = ["FACE", "ARM", "BACK", "NOSE", "CHEST", "HAND"]
        return (0..<count).map { i in
            DatasetSample(id: "S\(i)", patientID: "P\(i)", imagePaths: [URL(fileURLWithPath: "/virtual/\(i).png")], label: i % 3,
                          metadata: ["age": .number(Double(20 + 3 * i)), "region": .category(regions[i % regions.count]),
                                     "smoke": .bool(i % 2 == 0), "itch": .bool(i % 3 == 0), "diagnostic": .category("BCC")])
        }
    }

    /// Photo `i`: an 8×8 image of seeded random colours.
    static let decode: @Sendable (URL) throws -> RGBImage = { url in
        guard let k = UInt64(url.deletingPathExtension().lastPathComponent) else {
            throw DataError(.invalidArgument, "\(url.path): not a virtual photo")
        }
        var rng = RandomGenerator(seed: 1000 + k)
        return RGBImage(width: 8, height: 8, pixels: (0..<192).map { _ in UInt8(rng.nextInt(in: 0..<256)) })
    }

    /// A random brightness as the augmentation, so the check covers the per-sample augmentation streams.
    static let brightness: ImageTransform = { image, rng in
        image.tensor * (0.5 + Float(rng.nextInt(in: 0..<100)) / 100)
    }

    static let renderer = MetadataTextRenderer(schema: PADUFES.schema)

    static func loader(_ samples: [DatasetSample], batchSize: Int, seed: UInt64 = 3) -> TwoViewLoader {
        TwoViewLoader(samples: samples, transform: brightness, renderer: renderer, encoder: MetadataVectorEncoder(schema: PADUFES.schema),
                      configuration: .init(batchSize: batchSize, shuffle: true, seed: seed, dropLast: true, prefetchDepth: 1, workerCount: 1),
                      decode: decode)
    }

    /// A frozen one-layer BERT of width 32 (no dropout) whose vocabulary is every word of `samples`' texts.
    static func textEncoder(for samples: [DatasetSample]) throws -> TextEncoder {
        var vocabulary = ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3]
        let words = Set(samples.flatMap { renderer.render($0.metadata).split(separator: " ").map(String.init) })
        for word in words.sorted() { vocabulary[word] = vocabulary.count }
        let special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].enumerated().map { id, token in
            ["id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] as [String: Any]
        }
        let file: [String: Any] = [
            "version": "1.0", "added_tokens": special, "normalizer": NSNull(), "pre_tokenizer": ["type": "WhitespaceSplit"],
            "post_processor": ["type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]], "decoder": NSNull(),
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                      "vocab": vocabulary],
        ]
        let tokenizer = try Tokenizer(data: JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]), source: "<mpi check tokenizer>")
        var config = BERTConfig(vocabSize: tokenizer.vocabularySize, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2,
                                intermediateSize: 64, maxPositionEmbeddings: 64)
        config.hiddenDropoutProb = 0
        config.attentionProbsDropoutProb = 0
        var rng = RandomGenerator(seed: 11)
        let encoder = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: tokenizer)
        for (key, p) in encoder.namedParameters() where p.shape.count == 2 && !key.contains("LayerNorm") {
            p.value = Tensor.randomNormal(p.shape, using: &rng) * (key.contains("embeddings") ? 1 : 1 / Float(p.shape[1]).squareRoot())
        }
        encoder.freeze()
        encoder.eval()
        return encoder
    }

    /// A stage-2 model: a small convolutional image encoder trained fully, the frozen BERT, projection heads.
    /// `seed` differs per rank in the checks, so only the broadcast of rank 0's weights makes them agree.
    static func alignmentModel(samples: [DatasetSample], seed: UInt64) throws -> AlignmentModel {
        var rng = RandomGenerator(seed: seed)
        let model = try AlignmentModel(imageEncoder: PatchEncoder(width: 16, using: &rng), metadataEncoder: try textEncoder(for: samples),
                                       configuration: .init(sharedWidth: 16, temperature: 0.1, learnableTemperature: true), using: &rng)
        try StageTwoSetup.prepare(model, image: .full, using: &rng)
        return model
    }

    /// The values of every trainable parameter, in module order.
    static func trainableValues(_ model: Module) -> [(key: String, values: [Float])] {
        model.namedParameters().filter { !$0.parameter.isFrozen }.map { ($0.key, $0.parameter.value.scalars) }
    }
}

/// 4×4 patches → local tokens; their mean, projected, is the global feature.
final class PatchEncoder: Module, ImageEncoder {
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
        let maps = patchEmbed(pixels).gelu()
        let (b, h, w) = (maps.shape[0], maps.shape[2], maps.shape[3])
        let tokens = maps.reshaped([b, width, h * w]).transposed(1, 2)
        return ImageFeatures(global: projection(tokens.mean(axis: 1)), tokens: tokens, grid: PatchGrid(height: h, width: w))
    }
}

/// A baseline-shaped classifier: the first view's pixels and the metadata features, each through a Linear.
final class PixelMetadataClassifier: Module, BatchClassifier {
    @Key("image") var image: Linear
    @Key("metadata") var metadata: Linear
    let classCount: Int

    init(metadataWidth: Int, classCount: Int, seed: UInt64) {
        self.classCount = classCount
        var rng = RandomGenerator(seed: seed)
        super.init()
        image = Linear(192, classCount, using: &rng)
        metadata = Linear(metadataWidth, classCount, using: &rng)
    }

    func logits(for batch: TwoViewBatch) -> Tensor {
        image(batch.view1.reshaped([batch.view1.shape[0], 192])) + metadata(batch.metadataFeatures(classCount: classCount))
    }
}
