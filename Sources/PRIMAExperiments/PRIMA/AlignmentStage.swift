import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

/// PRIMA's alignment pre-training as a ``FoldStage`` (`alignment`): DINOv3 with LoRA and the frozen text
/// encoder, both projected into a shared space, trained with ``AlignmentObjective`` on the fold's training
/// split. Writes `alignment.safetensors` (the adapters, projections and τ) and `encoder-adapters.safetensors`
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
        all["objective"] = objective.names.joined(separator: ",")
        all["vision"] = vision.origin
        all["text"] = text.origin
        all["lora_rank"] = String(lora.rank)
        return all
    }

    /// A fresh network (frozen weights, adapters and projections drawn from `seed`).
    func makeNetwork(seed: UInt64) throws -> AlignmentNetwork {
        var rng = RandomGenerator(seed: seed)
        return try AlignmentNetwork(encoder: vision.makeEncoder(), textWidth: text.hiddenSize, lora: lora,
                                    projectionWidth: settings.projectionWidth, temperature: settings.temperature,
                                    learnableTemperature: settings.learnableTemperature, imagePooling: settings.imagePooling,
                                    textPooling: settings.textPooling,
                                    using: &rng)
    }

    /// The network after this stage: drawn from the stage's seed, then the weights of `trained` (the stage's
    /// output folder) restored; nil `trained` gives the network before training.
    func loadNetwork(_ input: StageInput, trained: URL?) throws -> AlignmentNetwork {
        let network = try makeNetwork(seed: input.seed)
        if settings.standardizesFeatures {
            network.scaling = try trained.map { try FeatureScaling.read(from: $0) }
                ?? FeatureScaling.fit(network, samples: input.train, pipeline: pipeline, textFeatures: textFeatures)
        }
        if let trained {
            let url = trained.appendingPathComponent(Self.networkFile)
            do { try TrainingCheckpoint(contentsOf: url).restore(model: network, source: url.path) } catch {
                throw ExperimentError(.io, "cannot restore the aligned network from \(url.path): \(ExperimentError.describe(error))")
            }
        }
        return network
    }

    /// The frozen text encoder's features of `texts`.
    func textFeatures(_ texts: [String]) throws -> TextFeatures {
        try noGrad { try text.encoder.encode(texts, maxLength: text.maxLength) }
    }

    public func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord] {
        try settings.validate()
        let network = try loadNetwork(input, trained: nil)
        try network.scaling?.write(to: output)
        // Contrastive losses need negatives: full batches only (a last batch of one sample has none).
        let batchSize = min(settings.batchSize, input.train.count)
        guard batchSize >= 2 else { throw ExperimentError(.invalidOption, "alignment: \(input.train.count) training samples; need at least 2") }
        let loader = TwoViewLoader(samples: input.train, transform: pipeline.trainTransform,
                                   renderer: MetadataTextRenderer(schema: pipeline.schema), encoder: MetadataVectorEncoder(schema: pipeline.schema),
                                   configuration: .init(batchSize: batchSize, shuffle: true, seed: input.seed, dropLast: true,
                                                        workerCount: pipeline.workerCount),
                                   decode: pipeline.decode)
        let optimizer = AdamW(network, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        let totalSteps = loader.batchCount * settings.epochs
        let warmup = LearningRateSchedule.warmupSteps(ratio: settings.warmupRatio, totalSteps: totalSteps)
        let scheduler = LearningRateScheduler(optimizer: optimizer, schedule: .cosine(warmupSteps: warmup, totalSteps: totalSteps))
        var history: [StageEpochRecord] = []
        network.train()
        for epoch in 0..<settings.epochs {
            var sums: [String: Double] = [:], steps = 0
            var batches = loader.epoch(epoch)
            while let batch = try batches.next() {
                let value = try objective.evaluate(network.inputs(batch, text: textFeatures(batch.texts)))
                let total = Double(value.total.item)
                guard total.isFinite else {
                    throw ExperimentError(.diverged, "alignment, fold \(input.fold + 1), epoch \(epoch + 1): the loss is \(total) (\(value.terms.map { "\($0.name) \($0.value)" }.joined(separator: ", "))). Try a lower alignment learning rate.")
                }
                value.total.backward()
                if let clip = settings.gradientClipNorm { GradientClipping.clipGradNorm(network, maxNorm: clip) }
                optimizer.step()
                optimizer.zeroGrad()
                scheduler.step()
                sums["total", default: 0] += total
                for term in value.terms { sums[term.name, default: 0] += term.value }
                steps += 1
            }
            let record = StageEpochRecord(epoch: epoch, losses: sums.mapValues { $0 / Double(max(1, steps)) })
            history.append(record)
            onEpoch(record)
        }
        let metadata = ["stage": name, "epochs": String(settings.epochs)]
        try TrainingCheckpoint(model: network, trainableWeightsOnly: true, metadata: metadata)
            .write(to: output.appendingPathComponent(Self.networkFile))
        try TrainingCheckpoint(weights: LoRA.adapterStateDict(of: network.encoder), metadata: metadata)
            .write(to: output.appendingPathComponent(Self.adaptersFile))
        return history
    }

    public func evaluateHeldOut(_ input: StageInput, trained: URL?, samples: [DatasetSample]) throws -> [String: Double] {
        guard samples.count >= 2 else { return [:] }
        let network = try loadNetwork(input, trained: trained)
        network.eval()
        let (images, texts) = try embeddings(network, samples)
        return try RetrievalMetrics.metrics(images: images, texts: texts)
    }

    /// The projected global embeddings of `samples` (first view, evaluation transform) and of their texts.
    func embeddings(_ network: AlignmentNetwork, _ samples: [DatasetSample]) throws -> (images: Tensor, texts: Tensor) {
        let loader = pipeline.loader(samples, batchSize: settings.batchSize, training: false, seed: 0)
        var batches = loader.epoch(0)
        var images: [Tensor] = [], texts: [Tensor] = []
        while let batch = try batches.next() {
            let raw = try textFeatures(batch.texts)
            noGrad {
                images.append(network.image(batch.view1).global)
                texts.append(network.text(raw).cls)
            }
        }
        return (Tensor.concat(images, axis: 0), Tensor.concat(texts, axis: 0))
    }
}
