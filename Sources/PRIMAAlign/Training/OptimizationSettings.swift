import PRIMANN
import PRIMATensor

/// The optimiser settings every PRIMA training stage uses: AdamW, linear warm-up over a fraction of the steps
/// then cosine decay to zero, and gradient clipping by global norm.
public struct OptimizationSettings: Sendable, Codable, Equatable {
    /// Peak learning rate (paper, stage 2: 3e-5).
    public var learningRate: Double
    /// AdamW's decoupled weight decay (paper, stage 2: 1e-3).
    public var weightDecay: Double
    /// Fraction of the steps spent in the linear warm-up (paper: 10%).
    public var warmupRatio: Double
    /// Largest global gradient norm before clipping, nil for no clipping (**[ours]** 1.0).
    public var gradientClipNorm: Float?

    /// Settings; the defaults are the paper's stage-2 values.
    public init(learningRate: Double = 3e-5, weightDecay: Double = 1e-3, warmupRatio: Double = 0.1, gradientClipNorm: Float? = 1) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupRatio = warmupRatio
        self.gradientClipNorm = gradientClipNorm
    }

    /// Throws ``AlignmentError`` naming `stage` and the offending field.
    func validate(_ stage: String) throws {
        guard learningRate > 0, learningRate.isFinite else { throw AlignmentError(stage, "learningRate must be positive, got \(learningRate)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw AlignmentError(stage, "weightDecay must be ≥ 0, got \(weightDecay)") }
        guard (0...1).contains(warmupRatio) else { throw AlignmentError(stage, "warmupRatio must lie in [0, 1], got \(warmupRatio)") }
        if let clip = gradientClipNorm, !(clip > 0 && clip.isFinite) {
            throw AlignmentError(stage, "gradientClipNorm must be positive, got \(clip)")
        }
    }
}

/// A training run met a non-finite loss or gradient and stopped before changing any weight; the last
/// checkpoint written (if any) is the state after the last good epoch.
public struct TrainingDivergedError: Error, CustomStringConvertible, Sendable {
    /// The stage (`alignment`, `supervised refinement`).
    public let stage: String
    /// The loss term that went non-finite (`image_consistency`, `cross_entropy`), or `gradient norm`.
    public let term: String
    /// Its value (NaN or ±∞).
    public let value: Double
    /// Epoch (0-based) and step within the epoch (0-based).
    public let epoch: Int, step: Int
    /// The last good checkpoint left in place, if the run writes checkpoints.
    public let lastCheckpoint: String?

    /// An error of `stage` at `epoch`/`step` (0-based) where `term` became `value`; `lastCheckpoint` is the intact
    /// checkpoint left in place, if any. Public so that other stages' trainers (stage 3) report divergence alike.
    public init(stage: String, term: String, value: Double, epoch: Int, step: Int, lastCheckpoint: String?) {
        self.stage = stage
        self.term = term
        self.value = value
        self.epoch = epoch
        self.step = step
        self.lastCheckpoint = lastCheckpoint
    }

    /// Which term went non-finite, where, the likely causes and where to resume from.
    public var description: String {
        "\(stage): \(term) is \(value) at epoch \(epoch + 1), step \(step + 1); training stopped before the update. "
            + "Likely causes: a learning rate too high for the batch (diverging weights; lower it or clip gradients harder), "
            + "a learnable temperature collapsing towards 0, a text with no word tokens, or NaN/Inf in the input pixels or metadata vectors. "
            + (lastCheckpoint.map { "The last good checkpoint is intact: \($0)." } ?? "No checkpoint was being written.")
    }
}

/// AdamW + warm-up/cosine schedule + clipping over a fixed set of parameters, shared by the stage-2 trainers.
final class OptimizationLoop {
    let optimizer: AdamW
    let scheduler: LearningRateScheduler
    let settings: OptimizationSettings
    let parameters: [Parameter]

    /// An optimiser over `parameters` for a run of `totalSteps` steps.
    init(parameters: [(key: String, parameter: Parameter)], settings: OptimizationSettings, totalSteps: Int) {
        self.settings = settings
        self.parameters = parameters.map(\.parameter)
        optimizer = AdamW(parameters: parameters, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        let warmup = LearningRateSchedule.warmupSteps(ratio: settings.warmupRatio, totalSteps: totalSteps)
        scheduler = LearningRateScheduler(optimizer: optimizer, schedule: .cosine(warmupSteps: warmup, totalSteps: totalSteps),
                                          baseLearningRate: settings.learningRate)
    }

    /// The learning rate of the next step.
    var learningRate: Double { optimizer.learningRate }

    /// Back-propagates `loss`, clips, and — when the gradient norm is finite — steps the optimiser and the
    /// schedule. Returns the gradient norm before clipping; a non-finite norm leaves every weight unchanged.
    func step(_ loss: Tensor) -> Float {
        loss.backward()
        defer { optimizer.zeroGrad() }
        let norm = GradientClipping.clipGradNorm(parameters, maxNorm: settings.gradientClipNorm ?? .infinity)
        guard norm.isFinite else { return norm }
        optimizer.step()
        scheduler.step()
        return norm
    }
}
