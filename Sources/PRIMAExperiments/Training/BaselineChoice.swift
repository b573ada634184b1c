import Foundation
import PRIMAData
import PRIMANN
import PRIMAKnowledge

/// The experiments a user picks on the command line: the paper's two baselines (Table 1), PRIMA, and PRIMA's
/// stage 2 alone.
public enum BaselineChoice: String, Sendable, CaseIterable, Codable {
    /// DINOv3 with LoRA and a linear head ("DINOv3 + LoRA"), ``DINOv3Classifier``.
    case imageOnly = "image-only"
    /// DINOv3 features and the text encoder's CLS of the metadata text through an MLP ("+ Metadata via MLP"),
    /// ``DINOv3MetadataClassifier``.
    case imageMetadata = "image-metadata"
    /// PRIMA's stage 2 ("DINOv3 + PRIMA alignment"), ``PRIMAAlignmentExperiment``: alignment pre-training and
    /// supervised refinement on each fold's training split, then the aligned encoder with a linear head.
    case primaAlignment = "prima-alignment"
    /// The whole method ("PRIMA"), ``PRIMAExperiment``: stage 1 once per run (the text encoder refined on the
    /// shipped knowledge corpus, or a corpus file), then per fold stage 2 (alignment and supervised step) on the training split and
    /// the aligned encoder with a linear head.
    case prima = "prima"

    /// What runs when the user picks nothing: the two encoder baselines and PRIMA.
    public static let defaults: [BaselineChoice] = [.imageOnly, .imageMetadata, .prima]

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
    ///   - alignment: the stage-2 settings of ``primaAlignment`` and ``prima``; nil for ``AlignmentSettings/paper``
    ///     when a vision checkpoint is given, else ``AlignmentSettings/smallEncoders``.
    ///   - knowledge: stage 1's settings of ``prima``; nil for ``KnowledgeStage/paperSettings`` when a text
    ///     checkpoint is given, else ``KnowledgeStage/smallEncoderSettings``.
    ///   - knowledgeCorpus: a knowledge corpus file (JSON Lines) whose approved entries about the dataset's classes
    ///     stage 1 refines on (``KnowledgeStage/corpusTexts(contentsOf:classNames:)``); nil for the shipped starting
    ///     corpus. The built-in tokenizer's vocabulary still comes from the metadata and the shipped corpus, so that
    ///     the baselines never depend on it (words it lacks are split into characters).
    ///   - fusion: stage 3's settings of ``prima``; nil for ``FusionSettings/small`` (the built-in Qwen3, seeded from `seed`)
    ///     with its frozen weights stored as `frozenWeights`.
    ///   - ablations: also run these variants of ``prima`` (Table 3's rows: ``PRIMAVariant/ablations``), each its
    ///     own experiment, after the chosen ones.
    ///   - frozenWeights: storage of the frozen Linear weights of DINOv3 and the text encoder in every experiment
    ///     (`Module.storeFrozenWeights(as:)`: `.bfloat16` halves them; adapters and heads stay float32). Stage 3's
    ///     Qwen3 follows `fusion`'s own ``FusionSettings/frozenWeights``.
    /// - Throws: ``ExperimentError`` `.invalidOption` for a checkpoint folder that cannot be used, or a knowledge
    ///   corpus that cannot be read or has no approved entry about the classes (naming the file and line).
    public static func experiments(_ choices: [BaselineChoice], schema: MetadataSchema, samples: [DatasetSample],
                                   settings: TrainingSettings, visionCheckpoint: URL? = nil, textCheckpoint: URL? = nil,
                                   seed: UInt64, appendMetadataVector: Bool = false,
                                   alignment: AlignmentSettings? = nil, knowledge: KnowledgeRefinement.Settings? = nil,
                                   knowledgeCorpus: URL? = nil,
                                   fusion: FusionSettings? = nil, ablations: [PRIMAVariant] = [],
                                   frozenWeights: WeightPrecision = .float32) throws -> [any FoldExperiment] {
        let classNames = schema.label.classes
        let needsText = choices.contains(.imageMetadata) || choices.contains(.primaAlignment) || choices.contains(.prima) || !ablations.isEmpty
        let needsKnowledge = choices.contains(.prima) || ablations.contains(where: \.usesKnowledge)
        // The shipped corpus about the dataset's classes: stage 1's texts (without a corpus file), and words of the
        // built-in tokenizer. (The same texts whichever experiments run and whichever corpus stage 1 reads, so that
        // the baselines' tokenizer never depends on either.)
        let corpusTexts: [String]?
        if needsKnowledge && knowledgeCorpus == nil {
            corpusTexts = try KnowledgeStage.startingCorpusTexts(classNames: classNames)
        } else {
            corpusTexts = textCheckpoint == nil ? try? KnowledgeStage.startingCorpusTexts(classNames: classNames) : nil
        }
        // A corpus file is read only when stage 1 runs; its absolute path names it in the stage's fingerprint.
        let knowledgeFile = knowledgeCorpus?.standardizedFileURL
        var knowledgeTexts = corpusTexts ?? []
        if let knowledgeFile, needsKnowledge {
            knowledgeTexts = try KnowledgeStage.corpusTexts(contentsOf: knowledgeFile, classNames: classNames)
        }
        var encoders: EncoderBaselines?
        func loadEncoders() throws -> EncoderBaselines {
            if let encoders { return encoders }
            let vision = try visionCheckpoint.map { try VisionBackbone(checkpoint: $0, frozenWeights: frozenWeights) }
                ?? VisionBackbone(randomWeights: VisionBackbone.smallConfig, seed: seed, frozenWeights: frozenWeights)
            var text: TextBackbone?
            if needsText {
                let renderer = MetadataTextRenderer(schema: schema)
                // The built-in tokenizer knows the words of the metadata texts and of the knowledge corpus.
                text = try textCheckpoint.map { try TextBackbone(checkpoint: $0, frozenWeights: frozenWeights) }
                    ?? TextBackbone(randomWeightsSeed: seed &+ 1, corpus: samples.map { renderer.render($0.metadata) } + (corpusTexts ?? []),
                                    frozenWeights: frozenWeights)
            }
            let made = EncoderBaselines(vision: vision, text: text)
            encoders = made
            return made
        }
        func prima(_ variant: PRIMAVariant) throws -> PRIMAExperiment {
            // Class words that do not fit the classes or share a first token fail here, before any fold trains.
            if let fusion {
                try fusion.validate()
                try fusion.checkClassTokens(classNames: schema.label.classes)
            }
            let encoders = try loadEncoders()
            return PRIMAExperiment(vision: encoders.vision, text: encoders.text!, schema: schema, lora: encoders.lora,
                                   alignment: alignment ?? (visionCheckpoint == nil ? .smallEncoders : .paper), training: settings,
                                   variant: variant,
                                   knowledge: knowledge ?? (textCheckpoint == nil ? KnowledgeStage.smallEncoderSettings : KnowledgeStage.paperSettings),
                                   knowledgeTexts: knowledgeTexts, knowledgeSource: knowledgeFile?.path ?? KnowledgeStage.shippedCorpusSource,
                                   fusion: fusion ?? {
                                       var small = FusionSettings(training: .small, languageModelSeed: seed &+ 2)
                                       small.frozenWeights = frozenWeights
                                       return small
                                   }())
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
            case .prima:
                out.append(try prima(.full))
            }
        }
        for variant in ablations where !out.contains(where: { $0.name == variant.experimentName }) {
            out.append(try prima(variant))
        }
        return out
    }
}
