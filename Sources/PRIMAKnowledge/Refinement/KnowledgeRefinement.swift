import Foundation
import PRIMANN
import PRIMATensor
import PRIMAText

/// Stage 1's refinement run: masked-language modelling of the text encoder on the approved corpus texts, through
/// `MaskedLanguageModelTrainer` (LoRA rank 8, AdamW 5e-5, weight decay 1e-3, 10% warm-up then cosine).
///
/// The texts are split once (seeded) into training and held-out texts; each epoch visits the training texts in a
/// seeded order (the order of epoch e depends only on the seed and e, so a resumed run sees the same batches);
/// the held-out masked-LM loss is measured before training and after every epoch with fixed masks. A checkpoint
/// (adapters, optimiser, schedule, masking generator, position) is written atomically after every epoch and every
/// ``Settings/checkpointEvery`` steps, and `run(resume:)` continues from it.
public final class KnowledgeRefinement {
    /// Settings of a run.
    public struct Settings: Sendable, Equatable {
        /// Passes over the training texts.
        public var epochs: Int
        /// Texts per optimiser step.
        public var batchSize: Int
        /// Longest text in tokens (longer texts are cut).
        public var maxLength: Int
        /// Share of texts held out to measure the loss (at least one when there are two texts or more).
        public var heldOutFraction: Double
        /// Seed of the split, the order, the adapters and the masks.
        public var seed: UInt64
        /// Write a checkpoint every this many steps as well as after each epoch; nil for epochs only.
        public var checkpointEvery: Int?
        /// The trainer's hyper-parameters except the number of steps (set from the epochs).
        public var lora = LoRA.Configuration(rank: 8, alpha: 16, dropout: 0.05, targets: [])
        /// Peak learning rate (paper: 5e-5).
        public var learningRate: Double = 5e-5
        /// AdamW weight decay (paper: 1e-3).
        public var weightDecay: Double = 1e-3
        /// Share of steps warming up (10%).
        public var warmupRatio: Double = 0.1
        /// Share of tokens masked (PRIMA: 30%).
        public var maskingProbability: Float = 0.3

        /// Settings; the paper trains 2,500 epochs, the default here is 3 for a first look.
        public init(epochs: Int = 3, batchSize: Int = 8, maxLength: Int = 128, heldOutFraction: Double = 0.1, seed: UInt64 = 0,
                    checkpointEvery: Int? = nil) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.maxLength = maxLength
            self.heldOutFraction = heldOutFraction
            self.seed = seed
            self.checkpointEvery = checkpointEvery
        }

        /// Checks the ranges.
        /// - Throws: ``KnowledgeError`` naming the setting.
        public func validate() throws {
            guard epochs >= 1 else { throw KnowledgeError("epochs must be at least 1, got \(epochs)") }
            guard batchSize >= 1 else { throw KnowledgeError("the batch size must be at least 1, got \(batchSize)") }
            guard maxLength >= 4 else { throw KnowledgeError("the maximum length must be at least 4 tokens, got \(maxLength)") }
            guard heldOutFraction >= 0, heldOutFraction < 1 else {
                throw KnowledgeError("the held-out fraction must be in [0, 1), got \(heldOutFraction)")
            }
            guard learningRate > 0, learningRate.isFinite else { throw KnowledgeError("the learning rate must be positive, got \(learningRate)") }
            if let every = checkpointEvery, every < 1 { throw KnowledgeError("checkpoint interval must be at least 1 step, got \(every)") }
        }
    }

    /// Where a run stands, for progress output.
    public struct Progress: Sendable {
        /// The epoch (0-based).
        public var epoch: Int
        /// Optimiser steps taken so far.
        public var step: Int
        /// Total steps of the run.
        public var totalSteps: Int
        /// The last training batch's loss.
        public var loss: Float
        /// The held-out loss, at the end of an epoch only.
        public var heldOutLoss: Float?
    }

    /// What a run measured.
    public struct Report: Sendable {
        /// The held-out loss before any step (nil without held-out texts).
        public var initialHeldOutLoss: Float?
        /// The held-out loss after each epoch of this invocation.
        public var heldOutLosses: [Float]
        /// The optimiser steps taken in total.
        public var steps: Int
    }

    /// The settings.
    public let settings: Settings
    /// The texts trained on.
    public let trainingTexts: [String]
    /// The texts the loss is measured on.
    public let heldOutTexts: [String]
    /// The MLM trainer (its model carries the adapters).
    public let trainer: MaskedLanguageModelTrainer
    /// The tokenizer of the model.
    public let tokenizer: Tokenizer
    /// Where checkpoints go, nil for none.
    public let checkpointURL: URL?

    /// Batches per epoch.
    public var stepsPerEpoch: Int { (trainingTexts.count + settings.batchSize - 1) / settings.batchSize }

    /// A run on `texts` (from ``RefinementTexts``) refining `model`, whose tokenizer is `tokenizer`.
    /// - Throws: ``KnowledgeError`` for bad settings or no texts; the trainer's errors (no LoRA target, no mask token).
    public init(texts: [String], model: any MaskedLanguageModel, tokenizer: Tokenizer, settings: Settings, checkpoint: URL? = nil) throws {
        try settings.validate()
        guard !texts.isEmpty else { throw KnowledgeError("no texts to refine the text encoder on") }
        var rng = RandomGenerator(seed: settings.seed)
        let order = rng.permutation(texts.count)
        let heldOut = texts.count >= 2 && settings.heldOutFraction > 0
            ? min(texts.count - 1, max(1, Int((Double(texts.count) * settings.heldOutFraction).rounded()))) : 0
        heldOutTexts = order.prefix(heldOut).map { texts[$0] }
        trainingTexts = order.dropFirst(heldOut).map { texts[$0] }
        self.settings = settings
        self.tokenizer = tokenizer
        checkpointURL = checkpoint
        var configuration = MaskedLanguageModelTrainer.Configuration(
            totalSteps: settings.epochs * ((trainingTexts.count + settings.batchSize - 1) / settings.batchSize))
        configuration.lora = settings.lora
        configuration.learningRate = settings.learningRate
        configuration.weightDecay = settings.weightDecay
        configuration.warmupRatio = settings.warmupRatio
        let masking = try MLMMasking(tokenizer: tokenizer, vocabularySize: model.vocabularySize, probability: settings.maskingProbability)
        trainer = try MaskedLanguageModelTrainer(model: model, masking: masking, configuration: configuration, seed: settings.seed)
    }

    /// The mean held-out loss (fixed masks), nil without held-out texts.
    public func heldOutLoss() -> Float? {
        guard !heldOutTexts.isEmpty else { return nil }
        var total: Float = 0, batches = 0
        for start in stride(from: 0, to: heldOutTexts.count, by: settings.batchSize) {
            let (ids, mask) = batch(Array(heldOutTexts[start..<min(heldOutTexts.count, start + settings.batchSize)]))
            total += trainer.evaluationLoss(ids: ids, mask: mask, seed: settings.seed &+ UInt64(start))
            batches += 1
        }
        return total / Float(batches)
    }

    /// Trains for the remaining epochs; with `resume`, first restores the checkpoint if the file exists. `progress` is
    /// called after every step and at the end of every epoch (after its checkpoint); an error it throws stops the run.
    /// - Throws: checkpoint errors, `progress`'s errors, or `TextEncoderError` when the loss stops being finite.
    @discardableResult
    public func run(resume: Bool = false, progress: ((Progress) throws -> Void)? = nil) throws -> Report {
        var position = TrainingProgress()
        if resume, let url = checkpointURL, FileManager.default.fileExists(atPath: url.path) {
            position = try trainer.restoreCheckpoint(from: url)
        }
        let total = trainer.configuration.totalSteps
        var report = Report(initialHeldOutLoss: heldOutLoss(), heldOutLosses: [], steps: position.globalStep)
        while position.epoch < settings.epochs {
            var rng = RandomGenerator(seed: settings.seed &+ 0x9E37_79B9 &* UInt64(position.epoch + 1))
            let order = rng.permutation(trainingTexts.count)
            var loss: Float = 0
            while position.position < stepsPerEpoch {
                let start = position.position * settings.batchSize
                let texts = order[start..<min(order.count, start + settings.batchSize)].map { trainingTexts[$0] }
                let (ids, mask) = batch(texts)
                loss = try trainer.step(ids: ids, mask: mask)
                position.position += 1
                position.globalStep += 1
                try progress?(Progress(epoch: position.epoch, step: position.globalStep, totalSteps: total, loss: loss, heldOutLoss: nil))
                if let every = settings.checkpointEvery, position.globalStep % every == 0, position.position < stepsPerEpoch {
                    try saveCheckpoint(position)
                }
            }
            position.epoch += 1
            position.position = 0
            let heldOut = heldOutLoss()
            if let heldOut { report.heldOutLosses.append(heldOut) }
            try saveCheckpoint(position)
            try progress?(Progress(epoch: position.epoch - 1, step: position.globalStep, totalSteps: total, loss: loss, heldOutLoss: heldOut))
        }
        report.steps = position.globalStep
        return report
    }

    /// Writes the LoRA adapters (keys relative to the encoder) to a safetensors file, atomically.
    public func saveAdapters(to url: URL) throws { try trainer.saveAdapters(to: url) }

    private func saveCheckpoint(_ position: TrainingProgress) throws {
        guard let url = checkpointURL else { return }
        try trainer.saveCheckpoint(to: url, progress: position)
    }

    /// Token ids and attention mask of a batch, padded to its longest text.
    private func batch(_ texts: [String]) -> (Tensor, Tensor) {
        let encoded = tokenizer.encodeBatch(texts, padding: .longest, truncation: settings.maxLength)
        return (encoded.idsTensor(), encoded.attentionMaskTensor())
    }
}
