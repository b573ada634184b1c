import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAVision

/// "DINOv3 + PRIMA alignment": PRIMA's stage 2 inside the cross-validation harness. Each fold runs
/// ``AlignmentStage`` and ``SupervisedRefinementStage`` on its training split (cached in the fold's folder,
/// skipped on resume), then the harness trains the aligned image encoder (its adapters as the stages left
/// them) with a linear head and picks the best epoch by validation, like the image-only baseline.
///
/// ```swift
/// let experiment = PRIMAAlignmentExperiment(vision: vision, text: text, schema: PADUFES.schema,
///                                           alignment: .smallEncoders, training: settings)
/// let result = try harness.run(experiment)
/// result.folds[0].stages?[0].heldOutAfter["image_to_text_recall@1"]
/// ```
public struct PRIMAAlignmentExperiment: StagedFoldExperiment {
    public var name: String { "prima-alignment" }
    public var title: String { "DINOv3 + PRIMA alignment" }
    /// The frozen image backbone.
    public let vision: VisionBackbone
    /// The frozen text encoder.
    public let text: TextBackbone
    /// The image encoder's adapters (the paper: rank 32 on q/k/v/o).
    public let lora: LoRA.Configuration
    /// Stage-2 settings.
    public let alignment: AlignmentSettings
    /// The classifier's optimisation settings (also weight decay, class weights and clipping of the refinement).
    public let training: TrainingSettings
    /// How batches are made.
    public let pipeline: BatchPipeline
    /// The alignment objective (``AlignmentSettings/objective`` by default).
    public let objective: AlignmentObjective

    /// The experiment over `vision` and `text` for data of `schema`.
    public init(vision: VisionBackbone, text: TextBackbone, schema: MetadataSchema, lora: LoRA.Configuration = .dinov3(),
                alignment: AlignmentSettings, training: TrainingSettings, objective: AlignmentObjective? = nil) {
        self.vision = vision
        self.text = text
        self.lora = lora
        self.alignment = alignment
        self.training = training
        self.pipeline = vision.pipeline(schema: schema)
        self.objective = objective ?? alignment.objective
    }

    /// The alignment stage.
    public var alignmentStage: AlignmentStage {
        AlignmentStage(vision: vision, text: text, lora: lora, settings: alignment, objective: objective, pipeline: pipeline)
    }

    public var stages: [any FoldStage] {
        let alignment = alignmentStage
        var stages: [any FoldStage] = [alignment]
        if self.alignment.supervisedEpochs > 0 { stages.append(SupervisedRefinementStage(alignment: alignment, training: training)) }
        return stages
    }

    public var fingerprint: [String: String] {
        var all = training.fingerprint
        all["model.vision"] = vision.origin
        all["model.image_side"] = String(vision.imageSide)
        all["model.lora_rank"] = String(lora.rank)
        all["model.head"] = "linear-on-aligned-global"
        all["experiment.title"] = title
        return all
    }

    public func makeTrainer(for context: FoldContext, stageOutputs: [String: URL]) throws -> any FoldTrainer {
        try training.validate()
        try alignment.validate()
        guard let aligned = stageOutputs["alignment"] else {
            throw ExperimentError(.invalidOption, "\(name): the alignment stage's output is missing")
        }
        let classifier = try AlignedImageClassifier.restore(alignment: alignmentStage, context: context, aligned: aligned,
                                                            supervised: stageOutputs["supervised"], seed: context.seed)
        return ClassifierTrainer(model: classifier, settings: training, pipeline: pipeline, context: context)
    }
}
