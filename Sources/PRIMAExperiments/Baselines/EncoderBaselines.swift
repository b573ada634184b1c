import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAVision

/// The paper's two baselines (Table 1) over one frozen DINOv3 and one frozen text encoder:
/// ``DINOv3Classifier`` ("DINOv3 + LoRA") and ``DINOv3MetadataClassifier`` ("+ Metadata via MLP").
///
/// ```swift
/// let baselines = EncoderBaselines(vision: try VisionBackbone(checkpoint: dinoFolder),
///                                  text: try TextBackbone(checkpoint: bertFolder))
/// let experiments = [baselines.imageOnly(schema: PADUFES.schema, settings: settings),
///                    baselines.imageAndMetadata(schema: PADUFES.schema, settings: settings)]
/// ```
public struct EncoderBaselines: Sendable {
    /// The frozen image encoder's weights and preprocessing.
    public let vision: VisionBackbone
    /// The frozen text encoder (needed by ``imageAndMetadata(schema:settings:hiddenSize:dropout:appendMetadataVector:)`` only).
    public let text: TextBackbone?
    /// The LoRA adapters of the image encoder (the paper: rank 32 on q/k/v/o).
    public var lora: LoRA.Configuration
    /// Average the CLS of both views (see ``DINOv3Classifier/averagesViews``).
    public var averagesViews: Bool

    /// Baselines over `vision` and `text`.
    public init(vision: VisionBackbone, text: TextBackbone?, lora: LoRA.Configuration = .dinov3(), averagesViews: Bool = false) {
        self.vision = vision
        self.text = text
        self.lora = lora
        self.averagesViews = averagesViews
    }

    /// The built-in default: ``VisionBackbone/smallConfig`` and ``TextBackbone/smallConfig(vocabularySize:)`` with
    /// random weights drawn from `seed`, the tokenizer made from the metadata texts of `samples`.
    public static func smallRandom(seed: UInt64, samples: [DatasetSample], schema: MetadataSchema) throws -> EncoderBaselines {
        let renderer = MetadataTextRenderer(schema: schema)
        return EncoderBaselines(vision: try VisionBackbone(randomWeights: VisionBackbone.smallConfig, seed: seed),
                                text: try TextBackbone(randomWeightsSeed: seed &+ 1, corpus: samples.map { renderer.render($0.metadata) }))
    }

    var fingerprint: [String: String] {
        ["vision": vision.origin, "image_side": String(vision.imageSide), "lora_rank": String(lora.rank),
         "lora_alpha": String(lora.alpha), "lora_targets": lora.targets.joined(separator: ","), "views": averagesViews ? "mean-of-2" : "view-1"]
    }

    /// "DINOv3 + LoRA": CLS → linear head.
    public func imageOnly(schema: MetadataSchema, settings: TrainingSettings) -> ClassifierExperiment {
        let (vision, lora, averagesViews) = (vision, lora, averagesViews)
        return ClassifierExperiment(name: "image-only", title: "DINOv3 + LoRA", settings: settings, pipeline: vision.pipeline(schema: schema),
                                    modelFingerprint: fingerprint.merging(["head": "linear"]) { $1 },
                                    testTimeReevaluation: .ignoresMetadata) { context in
            var rng = RandomGenerator(seed: context.seed)
            return try DINOv3Classifier(encoder: vision.makeEncoder(), lora: lora, classCount: context.classCount,
                                        averagesViews: averagesViews, using: &rng)
        }
    }

    /// "+ Metadata via MLP": image CLS ⊕ the text encoder's CLS of the metadata text → MLP.
    /// - Parameters:
    ///   - schema: the dataset's metadata fields, rendered as text for the text encoder.
    ///   - settings: the training settings.
    ///   - hiddenSize: the MLP's hidden width.
    ///   - dropout: dropout after the MLP's hidden activation.
    ///   - appendMetadataVector: **[ours]** also feed the metadata vector (label slots removed) to the head.
    /// - Precondition: the baselines have a text encoder.
    public func imageAndMetadata(schema: MetadataSchema, settings: TrainingSettings, hiddenSize: Int = 128, dropout: Float = 0.1,
                                 appendMetadataVector: Bool = false) -> ClassifierExperiment {
        guard let text else { preconditionFailure("the image+metadata baseline needs a text encoder") }
        let (vision, lora, averagesViews) = (vision, lora, averagesViews)
        let classCount = schema.label.classes.count
        let vectorWidth = appendMetadataVector ? MetadataVectorEncoder(schema: schema).dimension - classCount : nil
        let renderer = MetadataTextRenderer(schema: schema)
        let title = appendMetadataVector ? "+ Metadata via MLP (text CLS + vector)" : "+ Metadata via MLP"
        var modelFingerprint = fingerprint.merging(["text": text.origin, "text_max_length": String(text.maxLength),
                                                    "head": "mlp-\(hiddenSize)", "dropout": String(dropout),
                                                    "metadata_vector": appendMetadataVector ? "appended" : "no"]) { $1 }
        modelFingerprint["text_pooling"] = "cls"
        return ClassifierExperiment(name: "image-metadata", title: title, settings: settings, pipeline: vision.pipeline(schema: schema),
                                    modelFingerprint: modelFingerprint, testTimeReevaluation: .rebuildTrainer) { context in
            // The frozen text encoder sees each text once; training then only looks the embeddings up (by text,
            // so altered test metadata gets its own embeddings).
            try text.precompute((context.train + context.validation + context.test).map { renderer.render($0.metadata) })
            var rng = RandomGenerator(seed: context.seed)
            return try DINOv3MetadataClassifier(encoder: vision.makeEncoder(), text: text, lora: lora, classCount: context.classCount,
                                                hiddenSize: hiddenSize, dropout: dropout, metadataVectorWidth: vectorWidth,
                                                averagesViews: averagesViews, using: &rng)
        }
    }
}
