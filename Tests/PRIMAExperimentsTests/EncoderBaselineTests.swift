import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision
import Testing

/// Tiny encoders for the baseline tests: DINOv3 of width 16 on 32-pixel photos, BERT of width 16.
enum TinyEncoders {
    static let visionConfig = DINOv3Config(patchSize: Size2D(16), hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1,
                                           numAttentionHeads: 2, imageSize: Size2D(32), numRegisterTokens: 2, posEmbedRescale: nil)

    static var texts: [String] {
        let renderer = MetadataTextRenderer(schema: PADUFES.schema)
        return TinyPADUFES.samples.map { renderer.render($0.metadata) }
    }

    static func baselines(seed: UInt64 = 5) throws -> EncoderBaselines {
        EncoderBaselines(vision: try VisionBackbone(randomWeights: visionConfig, seed: seed),
                         text: try TextBackbone(randomWeightsSeed: seed, corpus: texts), lora: .dinov3(rank: 4))
    }

    static let settings = TrainingSettings(batchSize: 16, learningRate: 1e-2)

    /// A fold context over the tiny dataset (60% of the samples train, 20% validate, 20% test).
    static func context(seed: UInt64 = 1) -> FoldContext {
        let samples = TinyPADUFES.samples
        let (a, b) = (samples.count * 3 / 5, samples.count * 4 / 5)
        return FoldContext(fold: 0, foldCount: 2, train: Array(samples[..<a]), validation: Array(samples[a..<b]),
                           test: Array(samples[b...]), classNames: TinyPADUFES.classNames, epochs: 1, seed: seed)
    }

    /// Writes a DINOv3 checkpoint folder (config.json + model.safetensors) of random weights.
    static func writeVisionCheckpoint(to folder: URL, seed: UInt64 = 9) throws -> DINOv3Model {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var rng = RandomGenerator(seed: seed)
        let model = DINOv3Model(config: visionConfig, using: &rng)
        try JSONEncoder().encode(visionConfig).write(to: folder.appendingPathComponent("config.json"))
        try model.saveWeights(to: folder.appendingPathComponent("model.safetensors"))
        return model
    }

    /// Writes a BERT checkpoint folder (config.json with `model_type`, model.safetensors, tokenizer.json).
    static func writeTextCheckpoint(to folder: URL, seed: UInt64 = 9) throws -> BERTModel {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let vocabulary = CorpusTokenizer.vocabulary(of: texts)
        let config = BERTConfig(vocabSize: vocabulary.count, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
                                intermediateSize: 32, maxPositionEmbeddings: 256)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        json["model_type"] = "bert"
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        var rng = RandomGenerator(seed: seed)
        let model = BERTModel(config: config, pooler: false, using: &rng)
        try model.saveWeights(to: folder.appendingPathComponent("model.safetensors"))
        try CorpusTokenizer.json(vocabulary: vocabulary).write(to: folder.appendingPathComponent("tokenizer.json"))
        return model
    }
}

@Suite("Encoder baselines")
struct EncoderBaselineTests {
    @Test("both baselines train end to end through the harness, two folds, one epoch")
    func endToEnd() throws {
        let output = TemporaryDirectory()
        let baselines = try TinyEncoders.baselines()
        let harness = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        for experiment in [baselines.imageOnly(schema: PADUFES.schema, settings: TinyEncoders.settings),
                           baselines.imageAndMetadata(schema: PADUFES.schema, settings: TinyEncoders.settings, hiddenSize: 16)] {
            let result = try harness.run(experiment)
            #expect(result.folds.count == 2)
            #expect(result.folds.map(\.testCount).reduce(0, +) == TinyPADUFES.samples.count)
            for fold in result.folds {
                #expect(fold.probabilities.allSatisfy { row in row.allSatisfy(\.isFinite) && abs(row.reduce(0, +) - 1) < 1e-4 })
            }
        }
        // Every metadata text was encoded once, however many folds and epochs used it.
        #expect(baselines.text!.cache.count == Set(TinyEncoders.texts).count)
    }

    @Test("training changes only the LoRA adapters and the head, never the frozen DINOv3 weights")
    func onlyAdaptersTrain() throws {
        let baselines = try TinyEncoders.baselines()
        for experiment in [baselines.imageOnly(schema: PADUFES.schema, settings: TinyEncoders.settings),
                           baselines.imageAndMetadata(schema: PADUFES.schema, settings: TinyEncoders.settings, hiddenSize: 16)] {
            let trainer = try experiment.makeTrainer(for: TinyEncoders.context())
            let before = trainer.model.stateDict()
            _ = try trainer.trainEpoch(0) { _, _ in }
            let after = trainer.model.stateDict()
            #expect(Set(before.keys) == Set(after.keys))
            var changedAdapters = 0, changedHead = 0
            for (key, old) in before {
                let changed = old.scalars != after[key]!.scalars
                if key.hasPrefix("encoder.") && !key.contains("lora_") {
                    #expect(!changed, "\(experiment.name): frozen \(key) changed")
                } else if key.contains("lora_") {
                    if changed { changedAdapters += 1 }
                } else if changed {
                    changedHead += 1
                }
            }
            // lora_B of q, k, v and o starts at zero and must have moved; so must the head.
            #expect(before.keys.contains { $0.contains("lora_B") && $0.contains("o_proj") })
            #expect(changedAdapters >= 4, "\(experiment.name): \(changedAdapters) adapter tensors changed")
            #expect(changedHead >= 2, "\(experiment.name): \(changedHead) head tensors changed")
            let frozenEncoderKeys = trainer.model.namedParameters().filter { $0.key.hasPrefix("encoder.") && !$0.key.contains("lora_") }
            #expect(!frozenEncoderKeys.isEmpty && frozenEncoderKeys.allSatisfy { $0.parameter.isFrozen })
        }
    }

    @Test("the image+metadata head reads the text encoder's CLS: different texts give different logits")
    func textReachesHead() throws {
        let baselines = try TinyEncoders.baselines()
        let text = try #require(baselines.text)
        let texts = Array(Set(TinyEncoders.texts)).sorted().prefix(2).map { $0 }
        try text.precompute(texts)
        let rows = text.embeddings(of: texts)
        #expect(rows.shape == [2, text.hiddenSize])
        let d = text.hiddenSize
        #expect(Array(rows.scalars[0..<d]) != Array(rows.scalars[d..<(2 * d)]))
        // The cached rows equal a fresh encoding of each text alone.
        let fresh = try noGrad { try texts.flatMap { try text.encoder.encode([$0]).cls.scalars } }
        #expect(rows.scalars == fresh)
    }

    @Test("the corpus tokenizer keeps every corpus word whole and spells unknown words out")
    func corpusTokenizer() throws {
        let tokenizer = try CorpusTokenizer.make(corpus: ["Age 55. Lesion on the forearm."])
        let known = tokenizer.encode("age 55, lesion on the FOREARM")
        // "," never occurs in the corpus, so it is unknown.
        #expect(known.tokens == ["[CLS]", "age", "55", "[UNK]", "lesion", "on", "the", "forearm", "[SEP]"])
        let spelled = tokenizer.encode("neat")
        #expect(spelled.tokens == ["[CLS]", "n", "##e", "##a", "##t", "[SEP]"])
    }

    @Test("checkpoint options load Hugging Face-format folders and use their weights")
    func checkpointFolders() throws {
        let folder = TemporaryDirectory()
        let visionFolder = folder.url.appendingPathComponent("dinov3"), textFolder = folder.url.appendingPathComponent("bert")
        let savedVision = try TinyEncoders.writeVisionCheckpoint(to: visionFolder)
        let savedText = try TinyEncoders.writeTextCheckpoint(to: textFolder)

        let vision = try VisionBackbone(checkpoint: visionFolder)
        #expect(vision.config == TinyEncoders.visionConfig)
        #expect(vision.imageSide == DINOv3Preprocessing.imageSize)
        let encoder = vision.makeEncoder()
        let saved = savedVision.stateDict()
        for (key, tensor) in encoder.stateDict() { #expect(tensor.scalars == saved[key]?.scalars, "\(key)") }

        let text = try TextBackbone(checkpoint: textFolder)
        #expect(text.hiddenSize == 16)
        let ids = Tensor(shape: [1, 4], scalars: [2, 7, 9, 3])
        savedText.eval()
        let expected = noGrad { savedText.hiddenStates(ids, mask: nil) }
        let loaded = noGrad { text.encoder(ids).tokens }
        #expect(loaded.scalars == expected.scalars)

        // The command-line entry point builds the default experiments (the two baselines and PRIMA) from the folders.
        let experiments = try BaselineChoice.experiments(BaselineChoice.defaults, schema: PADUFES.schema, samples: TinyPADUFES.samples,
                                                         settings: TinyEncoders.settings, visionCheckpoint: visionFolder,
                                                         textCheckpoint: textFolder, seed: 0)
        #expect(experiments.map(\.name) == ["image-only", "image-metadata", "prima"])
        #expect(experiments[1].fingerprint["model.text"]?.hasPrefix("checkpoint:") == true)
        #expect(experiments[2].fingerprint["model.vision"]?.hasPrefix("checkpoint:") == true)
    }

    @Test("bad checkpoint folders give errors that name the folder and the problem")
    func badCheckpoints() throws {
        let folder = TemporaryDirectory()
        let visionFolder = folder.url.appendingPathComponent("dinov3"), textFolder = folder.url.appendingPathComponent("bert")
        _ = try TinyEncoders.writeVisionCheckpoint(to: visionFolder)
        _ = try TinyEncoders.writeTextCheckpoint(to: textFolder)

        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return ExperimentError.describe(error) }
        }
        // A text-encoder folder given as the vision checkpoint: its weights have other keys.
        let wrongKind = message { _ = try VisionBackbone(checkpoint: textFolder) }
        #expect(wrongKind.contains("--vision-checkpoint") && wrongKind.contains(textFolder.path), "\(wrongKind)")
        // Weights of the wrong shape.
        try FileManager.default.copyItem(at: visionFolder, to: folder.url.appendingPathComponent("wide"))
        var wide = TinyEncoders.visionConfig
        wide.hiddenSize = 32
        wide.intermediateSize = 64
        try JSONEncoder().encode(wide).write(to: folder.url.appendingPathComponent("wide/config.json"))
        let mismatch = message { _ = try VisionBackbone(checkpoint: folder.url.appendingPathComponent("wide")) }
        #expect(mismatch.contains("--vision-checkpoint") && mismatch.contains("embeddings"), "\(mismatch)")
        // A corrupt weights file.
        try Data("not safetensors".utf8).write(to: visionFolder.appendingPathComponent("model.safetensors"))
        let corrupt = message { _ = try VisionBackbone(checkpoint: visionFolder) }
        #expect(corrupt.contains("--vision-checkpoint") && corrupt.contains("model.safetensors"), "\(corrupt)")

        // A text folder without its tokenizer, and one with an unsupported model type.
        try FileManager.default.removeItem(at: textFolder.appendingPathComponent("tokenizer.json"))
        let noTokenizer = message { _ = try TextBackbone(checkpoint: textFolder) }
        #expect(noTokenizer.contains("--text-checkpoint") && noTokenizer.contains("tokenizer.json"), "\(noTokenizer)")
        try Data(#"{"model_type": "gpt2"}"#.utf8).write(to: textFolder.appendingPathComponent("config.json"))
        let unsupported = message { _ = try TextBackbone(checkpoint: textFolder) }
        #expect(unsupported.contains("--text-checkpoint") && unsupported.contains("gpt2"), "\(unsupported)")
    }
}
