import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor

/// Everything a fold's trainer gets: its three splits, the classes, the run's length and its seed.
public struct FoldContext: Sendable {
    /// The fold, 0-based: its samples are the test split.
    public let fold: Int
    /// Number of folds k.
    public let foldCount: Int
    /// Samples to train on (the other folds, less the validation split).
    public let train: [DatasetSample]
    /// Samples that choose the best epoch (carved from the other folds, patient-disjoint from `train`).
    public let validation: [DatasetSample]
    /// The held-out fold.
    public let test: [DatasetSample]
    /// Class names, indexed by `DatasetSample.label`.
    public let classNames: [String]
    /// Training epochs.
    public let epochs: Int
    /// The fold's seed (derived from the run's seed and the fold): seeds model initialisation, shuffling and
    /// augmentation.
    public let seed: UInt64
    /// The fold's folder in the run, where a multi-stage trainer may keep what an earlier stage produced
    /// (PRIMA's aligned encoders before the classification stage) so that a resumed fold need not redo it.
    /// The harness writes `checkpoint.safetensors`, `best.safetensors` and `result.json` there; `nil` outside a run.
    public let directory: URL?

    /// A context; the harness makes these, tests may too.
    public init(fold: Int, foldCount: Int, train: [DatasetSample], validation: [DatasetSample], test: [DatasetSample],
                classNames: [String], epochs: Int, seed: UInt64, directory: URL? = nil) {
        self.fold = fold
        self.foldCount = foldCount
        self.train = train
        self.validation = validation
        self.test = test
        self.classNames = classNames
        self.epochs = epochs
        self.seed = seed
        self.directory = directory
    }

    /// Number of classes K.
    public var classCount: Int { classNames.count }

    /// Training samples per class.
    public var trainClassCounts: [Int] {
        train.reduce(into: [Int](repeating: 0, count: classCount)) { $0[$1.label] += 1 }
    }
}

/// One experiment of a cross-validation: how to build and train a model for a fold.
///
/// The harness (``CrossValidation``) owns everything around it — the splits, the epoch loop, choosing the
/// best epoch, checkpoints, resuming, metrics and reports — so an experiment only says how to make a
/// ``FoldTrainer``. ``ClassifierExperiment`` is the one for any model that turns a `TwoViewBatch` into logits.
public protocol FoldExperiment {
    /// A short name, used as the experiment's folder and its row in tables (`image-only`).
    var name: String { get }
    /// A readable title for tables and plots (`DINOv3 + LoRA`).
    var title: String { get }
    /// Every setting that changes the results, as text. A run folder remembers it; resuming with other
    /// settings is refused rather than mixing two runs.
    var fingerprint: [String: String] { get }
    /// Builds a fresh model, optimiser and data pipeline for one fold. Everything not saved in the trainer's
    /// checkpoint (frozen pretrained weights) must come out the same on every call with the same context, so
    /// that a resumed fold continues the same run.
    func makeTrainer(for context: FoldContext) throws -> any FoldTrainer
    /// Whether and how a finished fold's model may be scored again on altered copies of its test samples
    /// (``CrossValidation/reevaluate(_:variants:)``, used by the missing-metadata analysis). The default is
    /// ``TestTimeReevaluation/unsupported``: an experiment opts in only when it knows its predictions follow
    /// the samples it is given.
    var testTimeReevaluation: TestTimeReevaluation { get }
}

extension FoldExperiment {
    public var testTimeReevaluation: TestTimeReevaluation { .unsupported }
}

/// How ``CrossValidation/reevaluate(_:variants:)`` may score a finished fold of an experiment on altered test
/// samples (``FoldExperiment/testTimeReevaluation``).
public enum TestTimeReevaluation: String, Sendable, Codable {
    /// The model never reads the metadata (an image-only model): removing metadata cannot change its
    /// predictions, so an analysis of missing metadata reports it unchanged without running it.
    case ignoresMetadata = "ignores-metadata"
    /// The harness may rebuild the fold's trainer (``FoldExperiment/makeTrainer(for:)``, after the fold's
    /// earlier stages for a ``StagedFoldExperiment``) with the altered samples as the context's test split,
    /// restore the best epoch's weights and call ``FoldTrainer/predict(_:)`` on them. Declare it only when
    /// everything the model sees at test time is derived from the samples passed (text embeddings cached by
    /// the text, never by the sample id) and when ``FoldExperiment/makeTrainer(for:)`` prepares whatever the
    /// context's test samples need. The harness checks that the unaltered samples reproduce the fold's saved
    /// predictions.
    case rebuildTrainer = "rebuild-trainer"
    /// Not supported (the default): analyses leave the experiment out and say so.
    case unsupported
}

/// Trains and evaluates one fold's model; made by ``FoldExperiment/makeTrainer(for:)``.
///
/// Checkpoints hold the model's *trainable* weights, the optimiser and the scheduler (see
/// `TrainingCheckpoint`), so a frozen backbone never lands in the run folder. Epoch `e`'s data order and
/// augmentation must depend only on the fold's seed and `e` (as `TwoViewLoader`'s do), so that a fold
/// resumed at epoch `e` sees the same batches as an uninterrupted one.
public protocol FoldTrainer: AnyObject {
    /// The model whose trainable weights are checkpointed and restored.
    var model: Module { get }
    /// The optimiser, saved in the epoch checkpoints.
    var optimizer: (any Optimizer)? { get }
    /// The learning-rate scheduler, saved in the epoch checkpoints.
    var scheduler: LearningRateScheduler? { get }
    /// Optimiser steps per epoch (for progress and ETA).
    var stepsPerEpoch: Int { get }
    /// Trains one epoch (0-based) and returns the mean training loss; calls `onStep(step, loss)` after each
    /// optimiser step (step 0-based within the epoch).
    func trainEpoch(_ epoch: Int, onStep: (_ step: Int, _ loss: Double) -> Void) throws -> Double
    /// Class logits [N, K] of `samples`, in order, in evaluation mode and without gradients.
    func predict(_ samples: [DatasetSample]) throws -> Tensor
    /// The mean of each named training loss over the last epoch ``trainEpoch(_:onStep:)`` ran, for a trainer
    /// that optimises several terms; recorded in ``EpochRecord/trainLosses``. Empty by default.
    var lastEpochLosses: [String: Double] { get }
    /// The number of epochs this trainer runs, when it sets its own (PRIMA's stage 3 has its own schedule); nil
    /// (the default) for ``FoldContext/epochs``, the run's `--epochs`.
    var epochCount: Int? { get }
    /// Files the trainer keeps in the fold's folder only while the fold runs (what a resumed fold reads instead of
    /// computing again, such as PRIMA's stage-3 features); the harness deletes them once the fold's result is saved.
    /// None by default.
    var scratchFiles: [URL] { get }
}

extension FoldTrainer {
    public var lastEpochLosses: [String: Double] { [:] }
    public var epochCount: Int? { nil }
    public var scratchFiles: [URL] { [] }
}
