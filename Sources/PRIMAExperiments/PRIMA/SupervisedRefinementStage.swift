import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor

/// PRIMA's supervised refinement after the alignment, as a ``FoldStage`` (`supervised`): PRIMAAlign's
/// `SupervisedRefinementTrainer` on the network the `alignment` stage trained (its image encoder's adapters
/// and a new linear head on the encoder's global feature; projection heads and τ frozen), class-weighted
/// cross-entropy on the fold's training split only.
///
/// Writes `encoder-adapters.safetensors` (the refined image adapters, what the classifier and stage 3 start
/// from), `classifier.safetensors` (the head) and `refinement.safetensors` (the trainer's own checkpoint:
/// weights, optimiser, history).
public struct SupervisedRefinementStage: FoldStage {
    /// The alignment stage before this one: it rebuilds the aligned network (encoders, scaling, heads).
    public let alignment: AlignmentStage
    /// Weight decay, warm-up and clipping of the refinement (epochs and learning rate come from
    /// ``AlignmentSettings/supervisedEpochs`` and ``AlignmentSettings/supervisedLearningRate``).
    public let training: TrainingSettings

    /// The file of the classification head.
    public static let classifierFile = "classifier.safetensors"
    /// The file of the trainer's checkpoint (`SupervisedRefinementTrainer/checkpoint()`).
    public static let checkpointFile = "refinement.safetensors"

    /// A refinement of what `alignment` trained.
    public init(alignment: AlignmentStage, training: TrainingSettings) {
        self.alignment = alignment
        self.training = training
    }

    public var name: String { "supervised" }

    /// The alignment settings that hold the refinement's length and learning rate.
    var settings: AlignmentSettings { alignment.settings }

    public var fingerprint: [String: String] {
        ["epochs": String(settings.supervisedEpochs), "learning_rate": String(settings.supervisedLearningRate),
         "class_weighting": "balanced", "batch_size": String(training.batchSize), "weight_decay": String(training.weightDecay),
         "warmup_ratio": String(training.warmupRatio), "gradient_clip_norm": training.gradientClipNorm.map { String($0) } ?? "none",
         "trainer": "PRIMAAlign.SupervisedRefinementTrainer", "views": "both"]
    }

    public func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord] {
        guard let aligned = input.previousOutputs[alignment.name] else {
            throw ExperimentError(.invalidOption, "the supervised refinement needs the alignment stage before it")
        }
        guard settings.supervisedEpochs >= 1 else {
            throw ExperimentError(.invalidOption, "supervised refinement: need at least 1 epoch, got \(settings.supervisedEpochs)")
        }
        let (model, image, _) = try alignment.loadModel(input, trained: aligned)
        let pipeline = alignment.pipeline
        let loader = TwoViewLoader(samples: input.train, transform: pipeline.trainTransform,
                                   renderer: MetadataTextRenderer(schema: pipeline.schema), encoder: MetadataVectorEncoder(schema: pipeline.schema),
                                   configuration: .init(batchSize: max(1, min(training.batchSize, input.train.count)), shuffle: true,
                                                        seed: input.seed, dropLast: false, workerCount: pipeline.workerCount),
                                   decode: pipeline.decode)
        let optimization = OptimizationSettings(learningRate: settings.supervisedLearningRate, weightDecay: training.weightDecay,
                                                warmupRatio: training.warmupRatio, gradientClipNorm: training.gradientClipNorm)
        var rng = RandomGenerator(seed: input.seed)
        let trainer: SupervisedRefinementTrainer
        do {
            trainer = try SupervisedRefinementTrainer(model: model, classCount: input.classNames.count, loader: loader,
                                                      configuration: .init(epochs: settings.supervisedEpochs, optimization: optimization),
                                                      using: &rng)
        } catch let error as AlignmentError {
            throw ExperimentError(.invalidOption, "supervised refinement: \(error)")
        }
        var history: [StageEpochRecord] = []
        do {
            for epoch in 0..<settings.supervisedEpochs {
                for summary in try trainer.train(untilEpoch: epoch + 1) {
                    let record = StageEpochRecord(epoch: summary.epoch, losses: ["cross_entropy": summary.meanTotal])
                    history.append(record)
                    onEpoch(record)
                }
            }
        } catch let error as TrainingDivergedError {
            throw ExperimentError(.diverged, "supervised refinement, fold \(input.fold + 1), epoch \(error.epoch + 1): the \(error.term) is \(error.value). Try a lower supervised learning rate.")
        }
        let metadata = ["stage": name, "epochs": String(settings.supervisedEpochs)]
        try trainer.checkpoint().write(to: output.appendingPathComponent(Self.checkpointFile))
        try TrainingCheckpoint(weights: trainer.classifier.stateDict(), metadata: metadata)
            .write(to: output.appendingPathComponent(Self.classifierFile))
        try TrainingCheckpoint(weights: LoRA.adapterStateDict(of: image.backbone), metadata: metadata)
            .write(to: output.appendingPathComponent(AlignmentStage.adaptersFile))
        return history
    }
}

/// Moving an image encoder's adapters between the stages' networks.
enum AlignedEncoder {
    /// Loads the adapter weights saved in `url` into `encoder`, which must carry adapters of the same layout.
    /// - Throws: ``ExperimentError`` `.io` when the file is unreadable or its keys do not match the adapters.
    static func loadAdapters(into encoder: Module, from url: URL) throws {
        do {
            let saved = try TrainingCheckpoint(contentsOf: url).weights
            let expected = Set(LoRA.adapterStateDict(of: encoder).keys)
            guard Set(saved.keys) == expected else {
                throw ExperimentError(.io, "\(url.path) holds adapters for other layers (\(saved.count) tensors, \(expected.count) expected)")
            }
            try encoder.loadStateDict(saved, strict: false, source: url.path)
        } catch let error as ExperimentError { throw error } catch {
            throw ExperimentError(.io, "cannot load the encoder adapters from \(url.path): \(ExperimentError.describe(error))")
        }
    }

    /// Loads a saved module's weights (`TrainingCheckpoint` file) strictly into `module`.
    static func loadWeights(into module: Module, from url: URL, what: String) throws {
        do { try module.loadStateDict(try TrainingCheckpoint(contentsOf: url).weights, strict: true, source: url.path) } catch {
            throw ExperimentError(.io, "cannot load the \(what) from \(url.path): \(ExperimentError.describe(error))")
        }
    }
}
