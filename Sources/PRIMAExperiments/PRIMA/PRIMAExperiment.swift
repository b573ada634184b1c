import Foundation
import PRIMAAlign
import PRIMAData
import PRIMAFusion
import PRIMAKnowledge
import PRIMANN
import PRIMATensor
import PRIMAVision

/// The whole PRIMA method as a cross-validation experiment ("PRIMA"), or one of its ablations (``PRIMAVariant``).
///
/// - Stage 1, once per run (``KnowledgeStage``, a ``RunStage``): the text encoder refined on the knowledge
///   corpus; it sees no sample, so every fold shares it.
/// - Per fold, on the fold's training split only, each cached in the fold's folder: stage 2's alignment
///   (``AlignmentStage``, the refined text encoder frozen) and its supervised step (``SupervisedRefinementStage``).
/// - Then the classifier the harness trains and selects by validation: stage 3 (``FusionSettings``), a Qwen3 with
///   LoRA reading the frozen stage-2 features of image and metadata (computed once per fold), trained by
///   PRIMAFusion's `FusionTrainer`; or, without fusion settings, the aligned image encoder with a linear head
///   started from the supervised step's.
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
    /// Stage 3; nil for a linear head on the aligned image encoder instead.
    public let fusion: FusionSettings?

    /// The experiment over `vision` and `text` for data of `schema`.
    /// - Parameters:
    ///   - vision: the frozen image backbone.
    ///   - text: the text encoder before stage 1.
    ///   - schema: the dataset's metadata columns.
    ///   - lora: the image encoder's adapters (the paper: rank 32 on q/k/v/o).
    ///   - alignment: stage-2 settings (alignment and supervised step).
    ///   - training: the classifier's optimisation settings.
    ///   - variant: the whole method (default) or an ablation row.
    ///   - knowledge: stage 1's refinement settings (``KnowledgeStage/smallEncoderSettings`` for the built-in encoders).
    ///   - knowledgeTexts: the corpus texts stage 1 refines on (``KnowledgeStage/startingCorpusTexts(classNames:)``, or
    ///     ``KnowledgeStage/corpusTexts(contentsOf:classNames:)`` for a corpus file).
    ///   - knowledgeSource: where the texts come from, for the run's fingerprint (the file's absolute path).
    ///   - fusion: stage 3's settings (``FusionSettings/small`` for the built-in Qwen3); nil ends with a linear head
    ///     on the aligned image encoder instead.
    public init(vision: VisionBackbone, text: TextBackbone, schema: MetadataSchema, lora: LoRA.Configuration = .dinov3(),
                alignment: AlignmentSettings, training: TrainingSettings, variant: PRIMAVariant = .full,
                knowledge: KnowledgeRefinement.Settings, knowledgeTexts: [String], knowledgeSource: String = KnowledgeStage.shippedCorpusSource,
                fusion: FusionSettings?) {
        self.fusion = fusion
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
        if let fusion {
            for (key, value) in fusion.fingerprint { all["fusion." + key] = value }
            all["model.head"] = "qwen3-fusion"
        } else {
            all["model.head"] = "linear-on-aligned-global"
        }
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
        guard let fusion else {
            let classifier = try AlignedImageClassifier.restore(alignment: alignmentStage, context: context, aligned: aligned,
                                                                supervised: stageOutputs["supervised"], seed: context.seed,
                                                                earlierOutputs: stageOutputs)
            return ClassifierTrainer(model: classifier, settings: training, pipeline: pipeline, context: context)
        }
        return try makeFusionTrainer(fusion, context: context, aligned: aligned, stageOutputs: stageOutputs)
    }

    /// Stage 3 of a fold: the features of the fold's three splits under the stage-2 network (the supervised step's
    /// adapters when it ran), read from the fold folder's ``FusionFeatureCache`` when it holds them for these stages
    /// and samples, else computed once and saved there; then a fusion classifier over them.
    private func makeFusionTrainer(_ fusion: FusionSettings, context: FoldContext, aligned: URL,
                                   stageOutputs: [String: URL]) throws -> any FoldTrainer {
        try fusion.validate()
        let splits = [context.train, context.validation, context.test]
        let cache = try context.directory.map {
            FusionFeatureCache(folder: $0, key: try fusionFeatureKey(views: fusion.views, splits: splits, stageOutputs: stageOutputs))
        }
        let sets: [FusionFeatureSet]
        let cached: Bool
        if let saved = cache?.load(ids: splits.map { $0.map(\.id) }) {
            sets = saved
            cached = true
        } else {
            let input = StageInput(fold: context.fold, train: context.train, classNames: context.classNames, seed: context.seed,
                                   previousOutputs: stageOutputs)
            let (model, image, _) = try alignmentStage.loadModel(input, trained: aligned)
            if let supervised = stageOutputs["supervised"] {
                try AlignedEncoder.loadAdapters(into: image.backbone, from: supervised.appendingPathComponent(AlignmentStage.adaptersFile))
            }
            sets = try splits.map { try FusionFeatures.compute($0, model: model, image: image, views: fusion.views, pipeline: pipeline) }
            try cache?.store(sets)
            cached = false
        }
        let (languageModel, tokenizer) = try fusion.makeLanguageModel(classNames: context.classNames)
        var rng = RandomGenerator(seed: context.seed)
        var settings = fusion.training
        settings.shuffleSeed = context.seed
        settings.balancesClasses = training.classWeighting != .none
        do {
            // The encoders' widths, read off the features (the same whether computed or read back).
            let projectors = FusionProjectorConfiguration(imageFeatureWidth: sets[0].views[0].global.shape[1],
                                                          textFeatureWidth: sets[0].text.cls.shape[1],
                                                          hiddenSize: languageModel.config.hiddenSize)
            let classifier = try FusionClassifier(languageModel: languageModel, tokenizer: tokenizer, classNames: context.classNames,
                                                  classWords: try fusion.classWords(for: context.classNames), projectors: projectors, lora: fusion.lora, using: &rng)
            classifier.languageModel.storeFrozenWeights(as: fusion.frozenWeights)
            return FusionFoldTrainer(trainer: try FusionTrainer(classifier: classifier, training: sets[0], settings: settings),
                                     featureSets: sets, featuresWereCached: cached, scratchFiles: cache.map { [$0.url] } ?? [])
        } catch let error as FusionError {
            throw ExperimentError(.invalidOption, "stage 3: \(error)")
        }
    }

    /// The key of a fold's stage-3 features (``FusionFeatureCache``): everything that makes them — the settings of
    /// the stages before stage 3 and the bytes of their output folders, the image side and views, and each sample's
    /// id, label, photo paths and metadata text as the text encoder reads it.
    func fusionFeatureKey(views: Int, splits: [[DatasetSample]], stageOutputs: [String: URL]) throws -> String {
        var digest = ContentDigest()
        digest.add("views=\(views)\nimage_side=\(vision.imageSide)\nvision=\(vision.origin)\n")
        let settings = runStages.map { ($0.name, $0.fingerprint) } + stages.map { ($0.name, $0.fingerprint) }
        for (name, fingerprint) in settings {
            for (key, value) in fingerprint.sorted(by: { $0.key < $1.key }) { digest.add("\(name).\(key)=\(value)\n") }
        }
        let manager = FileManager.default
        for (name, folder) in stageOutputs.sorted(by: { $0.key < $1.key }) {
            let files: [String]
            do { files = try manager.contentsOfDirectory(atPath: folder.path).sorted() } catch {
                throw ExperimentError(.io, "cannot list the stage output \(folder.path): \(error.localizedDescription)")
            }
            for file in files {
                let url = folder.appendingPathComponent(file)
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                digest.add("output \(name)/\(file)\n")
                try digest.add(contentsOf: url)
            }
        }
        let renderer = MetadataTextRenderer(schema: pipeline.schema)
        for (index, split) in splits.enumerated() {
            digest.add("split \(index)\n")
            for sample in split {
                digest.add("\(sample.id)|\(sample.label)|\(sample.imagePaths.map(\.path).joined(separator: ","))|\(renderer.render(sample.metadata))\n")
            }
        }
        return digest.hex
    }
}
