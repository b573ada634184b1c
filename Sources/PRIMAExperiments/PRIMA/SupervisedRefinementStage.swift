import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAVision

/// PRIMA's supervised refinement after the alignment, as a ``FoldStage`` (`supervised`): the aligned image
/// encoder (its adapters from the `alignment` stage) with a linear classification head, trained with
/// class-weighted cross-entropy on the fold's training split. Writes `encoder-adapters.safetensors` and
/// `classifier.safetensors` (adapters and head).
public struct SupervisedRefinementStage: FoldStage {
    /// The frozen image backbone.
    public let vision: VisionBackbone
    /// The image encoder's adapters (as in the alignment stage).
    public let lora: LoRA.Configuration
    /// Epochs, learning rate and batch size of the refinement (other settings as `training`).
    public let settings: AlignmentSettings
    /// Weight decay, warm-up, class weights and clipping.
    public let training: TrainingSettings
    /// How batches are made.
    public let pipeline: BatchPipeline

    /// The file of the refined classifier (adapters and head).
    public static let classifierFile = "classifier.safetensors"

    /// A refinement stage.
    public init(vision: VisionBackbone, lora: LoRA.Configuration = .dinov3(), settings: AlignmentSettings, training: TrainingSettings,
                pipeline: BatchPipeline) {
        self.vision = vision
        self.lora = lora
        self.settings = settings
        self.training = training
        self.pipeline = pipeline
    }

    public var name: String { "supervised" }

    public var fingerprint: [String: String] {
        ["epochs": String(settings.supervisedEpochs), "learning_rate": String(settings.supervisedLearningRate),
         "class_weighting": training.classWeighting.rawValue, "batch_size": String(training.batchSize)]
    }

    public func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord] {
        guard let aligned = input.previousOutputs["alignment"] else {
            throw ExperimentError(.invalidOption, "the supervised refinement needs the alignment stage before it")
        }
        var rng = RandomGenerator(seed: input.seed)
        let classifier = try DINOv3Classifier(encoder: vision.makeEncoder(), lora: lora, classCount: input.classNames.count, using: &rng)
        try AlignedEncoder.loadAdapters(into: classifier.encoder, from: aligned.appendingPathComponent(AlignmentStage.adaptersFile))
        var refinement = training
        refinement.learningRate = settings.supervisedLearningRate
        let context = FoldContext(fold: input.fold, foldCount: 1, train: input.train, validation: [], test: [],
                                  classNames: input.classNames, epochs: settings.supervisedEpochs, seed: input.seed)
        let trainer = ClassifierTrainer(model: classifier, settings: refinement, pipeline: pipeline, context: context)
        var history: [StageEpochRecord] = []
        for epoch in 0..<settings.supervisedEpochs {
            let loss = try trainer.trainEpoch(epoch) { _, _ in }
            guard loss.isFinite else {
                throw ExperimentError(.diverged, "supervised refinement, fold \(input.fold + 1), epoch \(epoch + 1): the loss is \(loss). Try a lower supervised learning rate.")
            }
            let record = StageEpochRecord(epoch: epoch, losses: ["cross_entropy": loss])
            history.append(record)
            onEpoch(record)
        }
        let metadata = ["stage": name, "epochs": String(settings.supervisedEpochs)]
        try TrainingCheckpoint(model: classifier, trainableWeightsOnly: true, metadata: metadata)
            .write(to: output.appendingPathComponent(Self.classifierFile))
        try TrainingCheckpoint(weights: LoRA.adapterStateDict(of: classifier.encoder), metadata: metadata)
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
}
