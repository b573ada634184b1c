import Foundation
import PRIMANN

/// When a fold's training counts as diverged, and what the stop message says.
///
/// The criterion: an epoch whose mean training loss is not finite, or is above
/// ``CrossValidation/Configuration/divergenceLossFactor`` × ln K (10 × ln K by default). A classifier that
/// guesses uniformly among K classes has a cross-entropy of ln K (class-weighted too), and training starts
/// near it; a mean of 10 × ln K means the true class gets, on average, probability K⁻¹⁰ — the model is
/// confidently wrong on the training data it is fitting, which no healthy run reaches. Such a run is stopped
/// with ``ExperimentError/Kind-swift.enum/diverged`` (a non-zero exit in the example executables) rather than
/// finished and reported as if its numbers meant something.
enum Divergence {
    /// The loss above which an epoch counts as diverged, or nil when only non-finite losses do.
    static func lossLimit(classCount: Int, factor: Double?) -> Double? {
        factor.map { $0 * log(Double(max(2, classCount))) }
    }

    /// Whether an epoch's mean training loss counts as diverged.
    static func isDiverged(_ loss: Double, limit: Double?) -> Bool {
        !loss.isFinite || limit.map { loss > $0 } == true
    }

    /// The stop message: where, what, the likely cause and what is left in the fold's folder.
    static func message(experiment: String, fold: Int, epoch: Int, loss: Double, limit: Double?, classCount: Int,
                        finishedEpochs: Int, foldDirectory: URL, trainer: any FoldTrainer) -> String {
        let what: String
        if loss.isFinite, let limit {
            what = "the mean training loss is \(String(format: "%.4g", loss)), above the divergence limit of \(String(format: "%.3g", limit)) (\(String(format: "%.3g", limit / log(Double(max(2, classCount))))) × ln \(classCount), the loss of a uniform guess): the training has diverged"
        } else {
            what = "the training loss is \(loss): the training has diverged"
        }
        let kept = finishedEpochs == 0
            ? "No epoch of this fold finished, so there is no checkpoint to go back to."
            : "The checkpoint of the last good epoch (\(finishedEpochs)) is kept in \(foldDirectory.path)."
        return "\(experiment), fold \(fold + 1), epoch \(epoch + 1): \(what). \(likelyCause(trainer)) \(kept)"
    }

    /// Names the learning rate or the weight decay. AdamW's normalised step moves a weight by about the learning
    /// rate, while decoupled decay moves it by learning rate × weight decay × the weight: the decay only rivals
    /// the step once the weight decay reaches 1 (usual values are 0 to 0.1). Below that, the step size — the
    /// learning rate — is the usual culprit.
    static func likelyCause(_ trainer: any FoldTrainer) -> String {
        guard let optimizer = trainer.optimizer else { return "Likely cause: the learning rate is too high." }
        let learningRate = trainer.scheduler?.baseLearningRate ?? optimizer.learningRate
        let weightDecay = (optimizer as? Adam)?.weightDecay ?? 0
        let lr = String(format: "%g", learningRate), wd = String(format: "%g", weightDecay)
        if weightDecay >= 1 {
            return "Likely cause: the weight decay \(wd) is too strong for the learning rate \(lr) (each step scales the weights by 1 − \(String(format: "%g", learningRate * weightDecay))); lower the weight decay and start again in another output folder."
        }
        return "Likely cause: the learning rate \(lr) is too high; lower it (weight decay \(wd) is not the cause) and start again in another output folder."
    }
}
