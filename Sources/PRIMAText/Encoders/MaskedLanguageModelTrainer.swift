import Foundation
import Logging
import PRIMANN
import PRIMATensor

/// PRIMA stage 1: refines a text encoder on a knowledge corpus by masked-language modelling with LoRA.
///
/// The whole model is frozen; LoRA adapters go on the encoder's attention and MLP projections; AdamW with a
/// cosine schedule after a linear warm-up updates the adapters only. Afterwards ``saveAdapters(to:)`` writes the
/// adapters keyed relative to the encoder, which ``TextEncoder/loadAdapters(from:configuration:)`` reads back.
///
/// ```swift
/// let model = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: folder)
/// let masking = try MLMMasking(tokenizer: tokenizer, vocabularySize: model.vocabularySize)
/// let trainer = try MaskedLanguageModelTrainer(model: model, masking: masking,
///                                              configuration: .init(totalSteps: 2500), seed: 0)
/// for batch in batches { let loss = try trainer.step(ids: batch.ids, mask: batch.mask) }
/// try trainer.saveAdapters(to: URL(fileURLWithPath: "text-lora.safetensors"))
/// ```
public final class MaskedLanguageModelTrainer {
    /// Hyper-parameters; defaults are the paper's stage-1 settings.
    public struct Configuration: Sendable, Equatable, Codable {
        /// LoRA rank 8 (paper); alpha 16 and dropout 0.05 **[ours]**. Empty targets mean the encoder's
        /// attention and MLP projections (``TextEncoderBackbone/projectionNames``).
        public var lora = LoRA.Configuration(rank: 8, alpha: 16, dropout: 0.05, targets: [])
        /// Peak learning rate (paper: 5e-5).
        public var learningRate: Double = 5e-5
        /// AdamW's decoupled weight decay (paper: 1e-3).
        public var weightDecay: Double = 1e-3
        /// The share of steps spent warming up linearly (10%).
        public var warmupRatio: Double = 0.1
        /// The number of optimiser steps of the cosine schedule.
        public var totalSteps: Int
        /// Gradient-norm clipping, nil for none **[ours: 1]**.
        public var maxGradientNorm: Float? = 1

        /// The paper's settings for a run of `totalSteps` steps.
        public init(totalSteps: Int) { self.totalSteps = totalSteps }
    }

    /// The model being refined.
    public let model: any MaskedLanguageModel
    /// How batches are masked.
    public let masking: MLMMasking
    /// The settings.
    public let configuration: Configuration
    /// AdamW over the adapters.
    public let optimizer: AdamW
    /// The cosine schedule with warm-up.
    public let scheduler: LearningRateScheduler
    /// The keys (relative to the encoder) of the adapted layers.
    public let adaptedLayers: [String]
    /// The stream of masks.
    public private(set) var generator: RandomGenerator

    private static let logger = Logger(label: "PRIMAText.MLM")

    /// Freezes `model`, attaches the adapters (drawn from `seed`) and sets up the optimiser.
    /// - Throws: when no layer matches the LoRA targets.
    public init(model: any MaskedLanguageModel, masking: MLMMasking, configuration: Configuration, seed: UInt64) throws {
        precondition(configuration.totalSteps > 0, "MLM refinement needs at least one step")
        precondition(masking.vocabularySize <= model.vocabularySize, "masking draws ids beyond the model's vocabulary")
        self.model = model
        self.masking = masking
        self.configuration = configuration
        var rng = RandomGenerator(seed: seed)
        var lora = configuration.lora
        if lora.targets.isEmpty { lora.targets = model.encoder.projectionNames }
        model.freeze()
        adaptedLayers = try LoRA.apply(to: model.encoder, lora, freezeBase: true, using: &rng)
        generator = rng.split()
        optimizer = AdamW(model, learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
        let warmup = LearningRateSchedule.warmupSteps(ratio: configuration.warmupRatio, totalSteps: configuration.totalSteps)
        scheduler = LearningRateScheduler(optimizer: optimizer,
                                          schedule: .cosine(warmupSteps: warmup, totalSteps: configuration.totalSteps))
    }

    /// One optimiser step on a batch of token ids `[B, L]` with attention mask `[B, L]`; returns the loss.
    /// - Throws: ``TextEncoderError`` when the loss is not finite (the adapters are left as they were).
    @discardableResult
    public func step(ids: Tensor, mask: Tensor) throws -> Float {
        model.train()
        let batch = masking.apply(ids: ids, mask: mask, using: &generator)
        guard !batch.targets.isEmpty else { return 0 }
        let loss = model.maskedLanguageModelingLoss(inputs: batch.inputs, mask: mask, labels: batch.labels, targets: batch.targets)
        let value = loss.item
        guard value.isFinite else {
            optimizer.zeroGrad()
            throw TextEncoderError(file: "MLM step \(scheduler.currentStep)", "loss is \(value); stopping before the adapters are updated")
        }
        loss.backward()
        if let maxNorm = configuration.maxGradientNorm { GradientClipping.clipGradNorm(model, maxNorm: maxNorm) }
        optimizer.step()
        optimizer.zeroGrad()
        scheduler.step()
        if scheduler.currentStep % 50 == 0 {
            Self.logger.info("MLM step \(scheduler.currentStep)/\(configuration.totalSteps): loss \(value)")
        }
        return value
    }

    /// The loss of a batch in evaluation mode, without gradients, masked by a generator seeded with `seed`
    /// (the same seed gives the same masks, so losses before and after training compare).
    public func evaluationLoss(ids: Tensor, mask: Tensor, seed: UInt64) -> Float {
        model.eval()
        var rng = RandomGenerator(seed: seed)
        let batch = masking.apply(ids: ids, mask: mask, using: &rng)
        guard !batch.targets.isEmpty else { return 0 }
        return noGrad {
            model.maskedLanguageModelingLoss(inputs: batch.inputs, mask: mask, labels: batch.labels, targets: batch.targets).item
        }
    }

    /// Writes the state of the run (adapter weights, AdamW moments, schedule step, masking and dropout generators,
    /// and `progress`) atomically; a run whose weights went NaN never overwrites the last good checkpoint.
    public func saveCheckpoint(to url: URL, progress: TrainingProgress) throws {
        try TrainingCheckpoint(model: model, trainableWeightsOnly: true, optimizer: optimizer, scheduler: scheduler,
                               generators: [Self.maskingGeneratorKey: generator], progress: progress).write(to: url)
    }

    /// Restores a state written by ``saveCheckpoint(to:progress:)`` into this trainer (same model, configuration
    /// and adapters), so the run continues exactly; returns the saved progress.
    @discardableResult
    public func restoreCheckpoint(from url: URL) throws -> TrainingProgress {
        let checkpoint = try TrainingCheckpoint(contentsOf: url)
        let generators = try checkpoint.restore(model: model, optimizer: optimizer, scheduler: scheduler, source: url.path)
        guard let masking = generators[Self.maskingGeneratorKey] else {
            throw TextEncoderError(file: url.path, "no \"\(Self.maskingGeneratorKey)\" generator: not an MLM refinement checkpoint")
        }
        generator = masking
        return checkpoint.progress
    }

    private static let maskingGeneratorKey = "mlm.masking"

    /// Writes the adapters' weights, keyed relative to the encoder (`layers.0.attn.Wqkv.lora_A.weight`), to a
    /// safetensors file.
    public func saveAdapters(to url: URL) throws {
        try SafeTensors.write(LoRA.adapterStateDict(of: model.encoder), metadata: ["format": "pt"], to: url)
    }
}
