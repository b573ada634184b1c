import Foundation

/// A learning-rate multiplier as a function of the scheduler step, with the formulas of `transformers`
/// (`get_constant_schedule_with_warmup`, `get_linear_schedule_with_warmup`,
/// `get_cosine_schedule_with_warmup`, `get_cosine_with_min_lr_schedule_with_warmup`) and
/// `torch.optim.lr_scheduler.StepLR`. All warm-ups are linear from 0: factor `step / max(1, warmupSteps)`.
public enum LearningRateSchedule: Sendable, Codable, Equatable {
    /// Factor 1 after the warm-up.
    case constant(warmupSteps: Int)
    /// Linear decay from 1 at the end of the warm-up to 0 at `totalSteps`.
    case linear(warmupSteps: Int, totalSteps: Int)
    /// Cosine decay from 1 at the end of the warm-up to `minRatio` at `totalSteps` (half a cosine period
    /// with the default `cycles` of 0.5): `minRatio + (1 − minRatio) · ½(1 + cos(2π · cycles · progress))`.
    case cosine(warmupSteps: Int, totalSteps: Int, minRatio: Double, cycles: Double)
    /// `gamma^⌊step / stepSize⌋` (StepLR; no warm-up).
    case stepDecay(stepSize: Int, gamma: Double)

    /// Cosine decay to zero with half a period, the PRIMA default.
    public static func cosine(warmupSteps: Int, totalSteps: Int) -> LearningRateSchedule {
        .cosine(warmupSteps: warmupSteps, totalSteps: totalSteps, minRatio: 0, cycles: 0.5)
    }

    /// Warm-up steps for a warm-up fraction of the run, rounded up as `transformers` does
    /// (`math.ceil(total_steps * warmup_ratio)`).
    public static func warmupSteps(ratio: Double, totalSteps: Int) -> Int {
        Int((Double(totalSteps) * ratio).rounded(.up))
    }

    /// The multiplier of the base learning rate at scheduler step `step` (0 before the first optimiser step).
    public func factor(at step: Int) -> Double {
        func warmup(_ w: Int) -> Double? { step < w ? Double(step) / Double(Swift.max(1, w)) : nil }
        switch self {
        case .constant(let w):
            return warmup(w) ?? 1
        case .linear(let w, let total):
            if let f = warmup(w) { return f }
            return Swift.max(0, Double(total - step) / Double(Swift.max(1, total - w)))
        case .cosine(let w, let total, let minRatio, let cycles):
            if let f = warmup(w) { return f }
            let progress = Double(step - w) / Double(Swift.max(1, total - w))
            let cosine = 0.5 * (1 + Foundation.cos(Double.pi * cycles * 2 * progress))
            return Swift.max(0, cosine * (1 - minRatio) + minRatio)
        case .stepDecay(let size, let gamma):
            return Foundation.pow(gamma, Double(step / Swift.max(1, size)))
        }
    }
}

/// Drives an optimiser's learning rate along a ``LearningRateSchedule``, like PyTorch's `LambdaLR`:
/// creating it sets the rate for step 0; call ``step()`` after each optimiser step.
public final class LearningRateScheduler {
    /// The optimiser whose learning rate is set.
    public let optimizer: any Optimizer
    /// The schedule followed.
    public let schedule: LearningRateSchedule
    /// The learning rate the factors multiply.
    public let baseLearningRate: Double
    /// Scheduler steps taken so far (PyTorch's `last_epoch`); saved in checkpoints.
    public private(set) var currentStep: Int

    /// Starts the schedule at `step` (0 for a new run) from the optimiser's current learning rate, or `baseLearningRate`.
    public init(optimizer: any Optimizer, schedule: LearningRateSchedule, baseLearningRate: Double? = nil, step: Int = 0) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.baseLearningRate = baseLearningRate ?? optimizer.learningRate
        self.currentStep = step
        apply()
    }

    /// The learning rate for the current step.
    public var learningRate: Double { baseLearningRate * schedule.factor(at: currentStep) }

    /// Advances one step and sets the optimiser's learning rate.
    public func step() {
        currentStep += 1
        apply()
    }

    /// Moves to `step` (resuming) and sets the optimiser's learning rate.
    public func restore(step: Int) {
        precondition(step >= 0, "negative scheduler step")
        currentStep = step
        apply()
    }

    private func apply() { optimizer.learningRate = learningRate }
}
