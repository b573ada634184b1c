import Foundation
import PRIMAAlign
import PRIMAData
import PRIMAKnowledge
import PRIMANN
import PRIMAVision

/// The whole PRIMA method as a cross-validation experiment ("PRIMA"), or one of its ablations (``PRIMAVariant``).
///
/// - Stage 1, once per run (``KnowledgeStage``, a ``RunStage``): the text encoder refined on the knowledge
///   corpus; it sees no sample, so every fold shares it.
/// - Per fold, on the fold's training split only, each cached in the fold's folder: stage 2's alignment
///   (``AlignmentStage``, the refined text encoder frozen) and its supervised step (``SupervisedRefinementStage``).
/// - Then the classifier the harness trains and selects by validation: the aligned image encoder with a
///   linear head started from the supervised step's.
///
/// ```swift
/// let prima = try PRIMAExperiment(vision: vision, text: text, schema: PADUFES.schema, alignment: .smallEncoders,
///                                 training: settings, knowledge: KnowledgeStage.smallEncoderSettings,
///                                 knowledgeTexts: KnowledgeStage.startingCorpusTexts(classNames: PADUFES.schema.label.classes))
/// let result = try harness.run(prima)
/// ```
public struct PRIMAExperiment: StagedFoldExperiment {
    /// Which form of the method.
    public let variant: PRIMAVariant
    /// The frozen image backbone.
    public let vision: VisionBackbone
    /// The text encoder before stage 1.
    public let text: TextBackbone
    /// The image encoder's adapters (the paper: rank 32 on q/k/v/o).
    public let lora: LoRA.Configuration
    /// Stage-2 settings (alignment and supervised step).
    public let alignment: AlignmentSettings
    /// The classifier's optimisation settings (also weight decay, warm-up and clipping of the supervised step).
    public let training: TrainingSettings
    /// How batches are made.
    public let pipeline: BatchPipeline
    /// Stage 1; nil when the variant skips it.
    public let knowledge: KnowledgeStage?

    /// The experiment over `vision` and `text` for data of `schema`.
    /// - Parameters:
    ///   - variant: the whole method (default) or an ablation row.
    ///   - knowledge: stage 1's refinement settings (``KnowledgeStage/smallEncoderSettings`` for the built-in encoders).
    ///   - knowledgeTexts: the corpus texts stage 1 refines on (``KnowledgeStage/corpusTexts(_:classNames:source:)``).
    ///   - knowledgeSource: where the texts come from, for the run's fingerprint.
    public init(vision: VisionBackbone, text: TextBackbone, schema: MetadataSchema, lora: LoRA.Configuration = .dinov3(),
                alignment: AlignmentSettings, training: TrainingSettings, variant: PRIMAVariant = .full,
                knowledge: KnowledgeRefinement.Settings, knowledgeTexts: [String], knowledgeSource: String = "the shipped starting corpus") {
        self.variant = variant
        self.vision = vision
        self.text = text
        self.lora = lora
        self.alignment = alignment
        self.training = training
        pipeline = vision.pipeline(schema: schema)
        self.knowledge = variant.usesKnowledge
            ? KnowledgeStage(text: text, texts: knowledgeTexts, source: knowledgeSource, settings: knowledge) : nil
    }

    public var name: String { variant.experimentName }
    public var title: String { variant.title }

    public var runStages: [any RunStage] { knowledge.map { [$0] } ?? [] }

    /// Stage 2's alignment with the variant's objective.
    public var alignmentStage: AlignmentStage {
        AlignmentStage(vision: vision, text: text, lora: lora, settings: alignment,
                       objective: variant.objective(weights: alignment.lossWeights), pipeline: pipeline)
    }

    public var stages: [any FoldStage] {
        let stage = alignmentStage
        var stages: [any FoldStage] = [stage]
        if alignment.supervisedEpochs > 0 { stages.append(SupervisedRefinementStage(alignment: stage, training: training)) }
        return stages
    }

    public var fingerprint: [String: String] {
        var all = training.fingerprint
        all["model.vision"] = vision.origin
        all["model.image_side"] = String(vision.imageSide)
        all["model.lora_rank"] = String(lora.rank)
        all["model.head"] = "linear-on-aligned-global"
        all["experiment.title"] = title
        all["variant.ablation"] = variant.usesAlignment ? variant.ablation.label : "no-alignment"
        all["variant.knowledge"] = String(variant.usesKnowledge)
        return all
    }

    public func makeTrainer(for context: FoldContext, stageOutputs: [String: URL]) throws -> any FoldTrainer {
        try training.validate()
        try alignment.validate()
        guard let aligned = stageOutputs[alignmentStage.name] else {
            throw ExperimentError(.invalidOption, "\(name): the alignment stage's output is missing")
        }
        let classifier = try AlignedImageClassifier.restore(alignment: alignmentStage, context: context, aligned: aligned,
                                                            supervised: stageOutputs["supervised"], seed: context.seed,
                                                            earlierOutputs: stageOutputs)
        return ClassifierTrainer(model: classifier, settings: training, pipeline: pipeline, context: context)
    }
}
