import Foundation
import PRIMAData

/// The paper's two baselines (Table 1) and PRIMA's stage 2, as a user picks them on the command line.
public enum BaselineChoice: String, Sendable, CaseIterable, Codable {
    /// DINOv3 with LoRA and a linear head ("DINOv3 + LoRA"), ``DINOv3Classifier``.
    case imageOnly = "image-only"
    /// DINOv3 features and the text encoder's CLS of the metadata text through an MLP ("+ Metadata via MLP"),
    /// ``DINOv3MetadataClassifier``.
    case imageMetadata = "image-metadata"
    /// PRIMA's stage 2 ("DINOv3 + PRIMA alignment"), ``PRIMAAlignmentExperiment``: alignment pre-training and
    /// supervised refinement on each fold's training split, then the aligned encoder with a linear head.
    case primaAlignment = "prima-alignment"

    /// What runs when the user picks nothing: the two encoder baselines.
    public static let defaults: [BaselineChoice] = [.imageOnly, .imageMetadata]

    /// The experiments of `choices`, in order. The encoders are loaded (or drawn at random) once, only when a
    /// choice needs them.
    /// - Parameters:
    ///   - choices: the baselines to run, in order.
    ///   - schema: the dataset's metadata fields.
    ///   - samples: the whole dataset (its metadata texts make the default tokenizer's vocabulary).
    ///   - settings: the training settings shared by the experiments.
    ///   - visionCheckpoint: a Hugging Face DINOv3 folder; nil for ``VisionBackbone/smallConfig`` with random weights.
    ///   - textCheckpoint: a Hugging Face ModernBERT/BERT folder; nil for ``TextBackbone/smallConfig(vocabularySize:)``
    ///     with random weights and a `CorpusTokenizer` (PRIMAText).
    ///   - seed: seeds the random encoder weights.
    ///   - appendMetadataVector: see ``EncoderBaselines/imageAndMetadata(schema:settings:hiddenSize:dropout:appendMetadataVector:)``.
    ///   - alignment: the settings of ``primaAlignment``; nil for ``AlignmentSettings/paper`` when a vision
    ///     checkpoint is given, else ``AlignmentSettings/smallEncoders``.
    /// - Throws: ``ExperimentError`` `.invalidOption` for a checkpoint folder that cannot be used.
    public static func experiments(_ choices: [BaselineChoice], schema: MetadataSchema, samples: [DatasetSample],
                                   settings: TrainingSettings, visionCheckpoint: URL? = nil, textCheckpoint: URL? = nil,
                                   seed: UInt64, appendMetadataVector: Bool = false,
                                   alignment: AlignmentSettings? = nil) throws -> [any FoldExperiment] {
        var encoders: EncoderBaselines?
        func loadEncoders() throws -> EncoderBaselines {
            if let encoders { return encoders }
            let vision = try visionCheckpoint.map { try VisionBackbone(checkpoint: $0) }
                ?? VisionBackbone(randomWeights: VisionBackbone.smallConfig, seed: seed)
            var text: TextBackbone?
            if choices.contains(.imageMetadata) || choices.contains(.primaAlignment) {
                let renderer = MetadataTextRenderer(schema: schema)
                text = try textCheckpoint.map { try TextBackbone(checkpoint: $0) }
                    ?? TextBackbone(randomWeightsSeed: seed &+ 1, corpus: samples.map { renderer.render($0.metadata) })
            }
            let made = EncoderBaselines(vision: vision, text: text)
            encoders = made
            return made
        }
        var out: [any FoldExperiment] = []
        for choice in choices {
            switch choice {
            case .imageOnly: out.append(try loadEncoders().imageOnly(schema: schema, settings: settings))
            case .imageMetadata:
                out.append(try loadEncoders().imageAndMetadata(schema: schema, settings: settings, appendMetadataVector: appendMetadataVector))
            case .primaAlignment:
                let encoders = try loadEncoders()
                let stage2 = alignment ?? (visionCheckpoint == nil ? .smallEncoders : .paper)
                out.append(PRIMAAlignmentExperiment(vision: encoders.vision, text: encoders.text!, schema: schema,
                                                    lora: encoders.lora, alignment: stage2, training: settings))
            }
        }
        return out
    }
}
