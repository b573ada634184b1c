import Foundation
import PRIMAData

/// What a running cross-validation reports to its observer (``CrossValidation/observer``).
public enum ProgressEvent: Sendable {
    /// A fold begins; `resumedAtEpoch` is set when it continues from a saved epoch checkpoint.
    case foldStarted(FoldPosition, sizes: (train: Int, validation: Int, test: Int), resumedAtEpoch: Int?)
    /// A fold was already complete in the output folder; its saved result is used.
    case foldSkipped(FoldPosition)
    /// One optimiser step.
    case step(StepProgress)
    /// An epoch ended and was saved.
    case epochFinished(FoldPosition, record: EpochRecord, epochs: Int, isBest: Bool, eta: TimeInterval?)
    /// An earlier stage of a fold (``FoldStage``) begins training on the fold's training split.
    case stageStarted(FoldPosition, stage: String)
    /// An epoch of an earlier stage ended.
    case stageEpochFinished(FoldPosition, stage: String, record: StageEpochRecord)
    /// An earlier stage ended, or was found complete in the fold's folder (`skipped`).
    case stageFinished(FoldPosition, record: StageRecord, skipped: Bool)
    /// A stage run once per run (``RunStage``, before the folds) begins.
    case runStageStarted(experiment: String, stage: String)
    /// An epoch of a run stage ended.
    case runStageEpochFinished(experiment: String, stage: String, record: StageEpochRecord)
    /// A run stage ended, or was found complete in the output folder (`skipped`).
    case runStageFinished(experiment: String, record: StageRecord, skipped: Bool)
    /// A fold ended: its test metrics (of the best epoch's weights).
    case foldFinished(FoldPosition, result: FoldResult)
}

/// Which experiment and fold an event belongs to.
public struct FoldPosition: Sendable, Equatable {
    /// The experiment's name.
    public let experiment: String
    /// The fold, 0-based.
    public let fold: Int
    /// Number of folds.
    public let foldCount: Int

    /// A position.
    public init(experiment: String, fold: Int, foldCount: Int) {
        self.experiment = experiment
        self.fold = fold
        self.foldCount = foldCount
    }
}

/// One optimiser step: where it is in the run, its loss, and the estimated time left.
public struct StepProgress: Sendable {
    /// Experiment and fold.
    public let position: FoldPosition
    /// Epoch (0-based) and number of epochs.
    public let epoch, epochCount: Int
    /// Step within the epoch (0-based) and steps per epoch.
    public let step, stepCount: Int
    /// The step's training loss.
    public let loss: Double
    /// Estimated seconds until the experiment's last fold ends; `nil` until there is a first measurement.
    public let eta: TimeInterval?
}

/// Estimates the time left from the steps done so far in this process (validation and test time included,
/// since it is measured per step of wall-clock time).
struct ETAEstimator {
    private let start = Date()
    private var stepsDone = 0

    mutating func recordStep() { stepsDone += 1 }

    /// Seconds left for `remainingSteps` at the rate measured so far.
    func eta(remainingSteps: Int) -> TimeInterval? {
        guard stepsDone > 0 else { return nil }
        return Date().timeIntervalSince(start) / Double(stepsDone) * Double(max(0, remainingSteps))
    }
}

/// `"4m12s"`, `"1h03m"`, `"38s"`.
public func formatDuration(_ seconds: TimeInterval) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
}
