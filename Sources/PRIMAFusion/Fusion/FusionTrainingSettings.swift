import PRIMAAlign

/// How stage 3 trains: run length, batch size, optimiser (AdamW with warm-up and cosine decay, clipping), data order
/// and class weighting.
public struct FusionTrainingSettings: Codable, Sendable, Equatable {
    /// Epochs; the schedule spans them (paper: 80).
    public var epochs: Int
    /// Samples per optimiser step; the last batch of an epoch may be smaller.
    public var batchSize: Int
    /// Learning rate, weight decay, warm-up fraction and gradient clipping.
    public var optimization: OptimizationSettings
    /// Seed of the per-epoch shuffling (epoch `e` uses a generator seeded from `shuffleSeed` and `e`, so a resumed run
    /// sees the same batches).
    public var shuffleSeed: UInt64
    /// Weigh the cross-entropy by `N / (C · n_c)` from the training labels (scikit-learn's "balanced"), else unweighted.
    public var balancesClasses: Bool

    /// Settings from their parts.
    public init(epochs: Int, batchSize: Int, optimization: OptimizationSettings, shuffleSeed: UInt64 = 0, balancesClasses: Bool = true) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimization = optimization
        self.shuffleSeed = shuffleSeed
        self.balancesClasses = balancesClasses
    }

    /// The paper's stage 3: AdamW lr 1e-5, weight decay 3e-2, 80 epochs; **[ours]** batch 8, 10% warm-up, clipping at 1.
    public static var paper: FusionTrainingSettings {
        FusionTrainingSettings(epochs: 80, batchSize: 8,
                               optimization: OptimizationSettings(learningRate: 1e-5, weightDecay: 3e-2, warmupRatio: 0.1, gradientClipNorm: 1))
    }

    /// **[ours]** The built-in run with the small random Qwen3 (``Qwen3Config/smallFusion(vocabularySize:)``): nothing is
    /// pretrained, so a larger learning rate (1e-3) and fewer epochs (15); weight decay as the paper, batch 8.
    public static var small: FusionTrainingSettings {
        FusionTrainingSettings(epochs: 15, batchSize: 8,
                               optimization: OptimizationSettings(learningRate: 1e-3, weightDecay: 3e-2, warmupRatio: 0.1, gradientClipNorm: 1))
    }

    /// Throws ``FusionError`` naming the first invalid field.
    public func validate() throws {
        let source = "fusion training settings"
        guard epochs > 0 else { throw FusionError(source, "epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw FusionError(source, "batchSize must be positive, got \(batchSize)") }
        let o = optimization
        guard o.learningRate > 0, o.learningRate.isFinite else { throw FusionError(source, "learningRate must be positive, got \(o.learningRate)") }
        guard o.weightDecay >= 0, o.weightDecay.isFinite else { throw FusionError(source, "weightDecay must be ≥ 0, got \(o.weightDecay)") }
        guard (0...1).contains(o.warmupRatio) else { throw FusionError(source, "warmupRatio must lie in [0, 1], got \(o.warmupRatio)") }
        if let clip = o.gradientClipNorm, !(clip > 0 && clip.isFinite) {
            throw FusionError(source, "gradientClipNorm must be positive, got \(clip)")
        }
    }
}

/// One completed stage-3 epoch: the training loss and, with a validation set, its loss and macro F1.
public struct FusionEpochSummary: Codable, Sendable, Equatable {
    /// Epoch (0-based).
    public var epoch: Int
    /// Optimiser steps in the epoch.
    public var steps: Int
    /// Mean training loss of the epoch's steps, by name (`weighted_cross_entropy`, or `cross_entropy` unweighted).
    public var losses: [LossTermValue]
    /// The validation set's loss (same weighting as training), nil without a validation set.
    public var validationLoss: Double?
    /// The validation set's macro F1 over all classes, nil without a validation set.
    public var validationMacroF1: Double?

    /// A summary from its parts.
    public init(epoch: Int, steps: Int, losses: [LossTermValue], validationLoss: Double? = nil, validationMacroF1: Double? = nil) {
        self.epoch = epoch
        self.steps = steps
        self.losses = losses
        self.validationLoss = validationLoss
        self.validationMacroF1 = validationMacroF1
    }

    /// The mean training loss (the first named loss).
    public var meanLoss: Double { losses.first?.value ?? .nan }
}
