import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

/// PRIMA's alignment pre-training as a ``FoldStage`` (`alignment`): PRIMAAlign's `AlignmentModel` (DINOv3 with
/// LoRA and the frozen text encoder, each projected into a shared space) trained by its `AlignmentTrainer` with
/// `AlignmentObjective` on the fold's training split. Writes `alignment.safetensors` (the adapters, projections and τ) and `encoder-adapters.safetensors`
/// (the image encoder's adapters alone, what the later stages start from).
///
/// Its held-out metrics are cross-modal retrieval recall@1/@5 (``RetrievalMetrics``) on the fold's test
/// samples, before training (adapters at zero, projections as drawn) and after.
public struct AlignmentStage: FoldStage {
    /// The frozen image backbone.
    public let vision: VisionBackbone
    /// The frozen text encoder.
    public let text: TextBackbone
    /// The image encoder's adapters.
    public let lora: LoRA.Configuration
    /// The stage's settings.
    public let settings: AlignmentSettings
    /// The objective; ``AlignmentSettings/objective`` unless a caller passes its own (an ablation).
    public let objective: AlignmentObjective
    /// How batches are made (two augmented views per sample).
    public let pipeline: BatchPipeline

    /// The file of the whole trained network.
    public static let networkFile = "alignment.safetensors"
    /// The file of the image encoder's adapters.
    public static let adaptersFile = "encoder-adapters.safetensors"

    /// A stage over `vision` and `text`.
    public init(vision: VisionBackbone, text: TextBackbone, lora: LoRA.Configuration = .dinov3(), settings: AlignmentSettings,
                objective: AlignmentObjective? = nil, pipeline: BatchPipeline) {
        self.vision = vision
        self.text = text
        self.lora = lora
        self.settings = settings
        self.objective = objective ?? settings.objective
        self.pipeline = pipeline
    }

    public var name: String { "alignment" }

    public var fingerprint: [String: String] {
        var all = settings.fingerprint
        all["objective"] = objective.terms.isEmpty ? "none" : objective.names.joined(separator: ",")
        all["vision"] = vision.origin
        all["text"] = text.origin
        all["lora_rank"] = String(lora.rank)
        // The trainer and checkpoint layout: PRIMAAlign's AlignmentModel (older stage outputs do not load into it).
        all["network"] = "alignment-model"
        return all
    }

    /// A fresh ``AlignmentModel``: DINOv3 with LoRA adapters (drawn from `seed`, then the heads) and the frozen
    /// text encoder, each behind the harness's pooling wrapper, with single-Linear heads into the shared space.
    /// Returns the image wrapper too: its backbone's adapters are what the later stages start from.
    func makeModel(seed: UInt64, text: TextBackbone) throws -> (model: AlignmentModel, image: PooledImageEncoder, text: PooledMetadataEncoder) {
        var rng = RandomGenerator(seed: seed)
        let backbone = vision.makeEncoder()
        try backbone.applyLoRA(lora, using: &rng)
        let image = PooledImageEncoder(backbone, pooling: settings.imagePooling)
        let metadata = PooledMetadataEncoder(text.encoder, maxLength: text.maxLength, pooling: settings.textPooling)
        let linear = ProjectionHeadConfiguration(depth: 1)
        let configuration = AlignmentModelConfiguration(sharedWidth: settings.projectionWidth, imageHead: linear, textHead: linear,
                                                        temperature: settings.temperature,
                                                        learnableTemperature: settings.learnableTemperature)
        let model = try AlignmentModel(imageEncoder: image, metadataEncoder: metadata, configuration: configuration, using: &rng)
        metadata.freeze()
        return (model, image, metadata)
    }

    /// The frozen text encoder of the fold: ``text`` refined by stage 1 when a ``KnowledgeStage`` ran before
    /// (its folder among `input`'s earlier outputs), else ``text`` itself.
    func textBackbone(for input: StageInput) throws -> TextBackbone {
        guard let knowledge = input.previousOutputs[KnowledgeStage.outputName] else { return text }
        return try KnowledgeStage.refinedText(text, from: knowledge)
    }

    /// The model after this stage: drawn from the stage's seed, then the weights of `trained` (the stage's
    /// output folder) restored; nil `trained` gives the model before training (feature statistics fitted on
    /// the training split when ``AlignmentSettings/standardizesFeatures``).
    func loadModel(_ input: StageInput, trained: URL?) throws -> (model: AlignmentModel, image: PooledImageEncoder, scaling: FeatureScaling?) {
        let (model, image, metadata) = try makeModel(seed: input.seed, text: try textBackbone(for: input))
        var scaling: FeatureScaling?
        if settings.standardizesFeatures {
            let fitted = try trained.map { try FeatureScaling.read(from: $0) }
                ?? FeatureScaling.fit(image: image, text: metadata, samples: input.train, pipeline: pipeline)
            fitted.apply(image: image, text: metadata)
            scaling = fitted
        }
        if let trained {
            let url = trained.appendingPathComponent(Self.networkFile)
            do { try TrainingCheckpoint(contentsOf: url).restore(model: model, source: url.path) } catch {
                throw ExperimentError(.io, "cannot restore the aligned network from \(url.path): \(ExperimentError.describe(error))")
            }
        }
        return (model, image, scaling)
    }

    public func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord] {
        try settings.validate()
        let (model, image, scaling) = try loadModel(input, trained: nil)
        try scaling?.write(to: output)
        let metadata = ["stage": name, "epochs": String(objective.terms.isEmpty ? 0 : settings.epochs)]
        func save() throws {
            try TrainingCheckpoint(model: model, trainableWeightsOnly: true, metadata: metadata)
                .write(to: output.appendingPathComponent(Self.networkFile))
            try TrainingCheckpoint(weights: LoRA.adapterStateDict(of: image.backbone), metadata: metadata)
                .write(to: output.appendingPathComponent(Self.adaptersFile))
        }
        // No loss (the ablation without any of the four): the network is kept as drawn, adapters at zero.
        guard !objective.terms.isEmpty else {
            try save()
            return []
        }
        // Contrastive losses need negatives: full batches only (a last batch of one sample has none).
        let batchSize = min(settings.batchSize, input.train.count)
        guard batchSize >= 2 else { throw ExperimentError(.invalidOption, "alignment: \(input.train.count) training samples; need at least 2") }
        let loader = TwoViewLoader(samples: input.train, transform: pipeline.trainTransform,
                                   renderer: MetadataTextRenderer(schema: pipeline.schema), encoder: MetadataVectorEncoder(schema: pipeline.schema),
                                   configuration: .init(batchSize: batchSize, shuffle: true, seed: input.seed, dropLast: true,
                                                        workerCount: pipeline.workerCount),
                                   decode: pipeline.decode)
        let optimization = OptimizationSettings(learningRate: settings.learningRate, weightDecay: settings.weightDecay,
                                                warmupRatio: settings.warmupRatio, gradientClipNorm: settings.gradientClipNorm)
        let trainer: AlignmentTrainer
        do {
            trainer = try AlignmentTrainer(model: model, objective: objective, loader: loader,
                                           configuration: .init(epochs: settings.epochs, optimization: optimization))
        } catch let error as AlignmentError {
            throw ExperimentError(.invalidOption, "alignment: \(error)")
        }
        var history: [StageEpochRecord] = []
        do {
            // One epoch at a time, so the stage's records are reported as each epoch ends.
            for epoch in 0..<settings.epochs {
                for summary in try trainer.train(untilEpoch: epoch + 1) {
                    var losses = Dictionary(summary.meanTerms.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                    losses["total"] = summary.meanTotal
                    let record = StageEpochRecord(epoch: summary.epoch, losses: losses)
                    history.append(record)
                    onEpoch(record)
                }
            }
        } catch let error as TrainingDivergedError {
            throw ExperimentError(.diverged, "alignment, fold \(input.fold + 1), epoch \(error.epoch + 1): the \(error.term) is \(error.value). Try a lower alignment learning rate.")
        }
        try save()
        return history
    }

    public func evaluateHeldOut(_ input: StageInput, trained: URL?, samples: [DatasetSample]) throws -> [String: Double] {
        guard samples.count >= 2 else { return [:] }
        let model = try loadModel(input, trained: trained).model
        model.eval()
        let (images, texts) = try embeddings(model, samples)
        return try RetrievalMetrics.metrics(images: images, texts: texts)
    }

    /// The projected global embeddings of `samples` (first view, evaluation transform) and of their texts.
    func embeddings(_ model: AlignmentModel, _ samples: [DatasetSample]) throws -> (images: Tensor, texts: Tensor) {
        let loader = pipeline.loader(samples, batchSize: settings.batchSize, training: false, seed: 0, views: 1)
        var batches = loader.epoch(0)
        var images: [Tensor] = [], texts: [Tensor] = []
        while let batch = try batches.next() {
            try noGrad {
                images.append(try model.projectImages(batch.view1).global)
                texts.append(try model.projectTexts(batch.texts).cls)
            }
        }
        return (Tensor.concat(images, axis: 0), Tensor.concat(texts, axis: 0))
    }
}
