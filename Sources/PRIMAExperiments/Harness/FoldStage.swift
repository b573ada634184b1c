import Foundation
import PRIMAData

/// What an earlier stage of a fold sees: the fold's *training* samples only (never its validation or test
/// samples), the classes, a seed, and the folders of the stages before it.
public struct StageInput: Sendable {
    /// The fold, 0-based.
    public let fold: Int
    /// The samples the stage may train on: the fold's training split, nothing else.
    public let train: [DatasetSample]
    /// Class names, indexed by `DatasetSample/label`.
    public let classNames: [String]
    /// The stage's seed (derived from the fold's seed and the stage's position).
    public let seed: UInt64
    /// The output folders of the stages that ran before this one, by ``FoldStage/name``.
    public let previousOutputs: [String: URL]

    /// An input; the harness makes these (from ``FoldContext/train``), tests may too.
    public init(fold: Int, train: [DatasetSample], classNames: [String], seed: UInt64, previousOutputs: [String: URL] = [:]) {
        self.fold = fold
        self.train = train
        self.classNames = classNames
        self.seed = seed
        self.previousOutputs = previousOutputs
    }
}

/// One epoch of a stage: its training losses by name (the total and each term, as the stage logs them).
public struct StageEpochRecord: Sendable, Codable, Equatable {
    /// The epoch, 0-based.
    public let epoch: Int
    /// Mean training losses of the epoch by name (`total`, `image_consistency`, …).
    public let losses: [String: Double]

    /// A record of `epoch` with `losses`.
    public init(epoch: Int, losses: [String: Double]) {
        self.epoch = epoch
        self.losses = losses
    }
}

/// What a finished stage of one fold left: its training history and its held-out evaluation. Written as
/// `stage.json` into the stage's folder when the stage is complete (its presence marks completion).
public struct StageRecord: Sendable, Codable, Equatable {
    /// The stage's ``FoldStage/name``.
    public let stage: String
    /// Number of training samples it saw (the fold's training split).
    public let trainCount: Int
    /// The stage's epochs.
    public let history: [StageEpochRecord]
    /// Metrics measured on the fold's held-out (test) samples before the stage trained, by name.
    public let heldOutBefore: [String: Double]
    /// The same metrics after the stage trained.
    public let heldOutAfter: [String: Double]
    /// Seconds the stage took (training and evaluation).
    public let seconds: Double

    /// A record from its parts.
    public init(stage: String, trainCount: Int, history: [StageEpochRecord], heldOutBefore: [String: Double] = [:],
                heldOutAfter: [String: Double] = [:], seconds: Double) {
        self.stage = stage
        self.trainCount = trainCount
        self.history = history
        self.heldOutBefore = heldOutBefore
        self.heldOutAfter = heldOutAfter
        self.seconds = seconds
    }
}

/// An earlier stage of a fold (PRIMA's alignment pre-training, its supervised refinement): trained on the
/// fold's training split only, before the classifier the harness trains and selects by validation.
///
/// The harness runs each stage once per fold into a folder of its own (`fold-<k>/stage-<name>/`) and keeps
/// it: a resumed fold skips every stage whose folder is complete. A stage writes what later stages and the
/// classifier need (weights, a manifest) into the folder it is given; the harness renames that folder into
/// place only after the stage returned and `stage.json` was written, so a stage stopped half-way is redone,
/// never half-used.
public protocol FoldStage {
    /// A short name: the folder `stage-<name>` and the key of ``StageInput/previousOutputs``.
    var name: String { get }
    /// Every setting that changes what the stage produces; part of the run's fingerprint.
    var fingerprint: [String: String] { get }
    /// Trains on `input.train` and writes the stage's output files into `output` (an empty folder).
    /// - Parameters:
    ///   - input: the fold's training split, classes, seed and the outputs of earlier stages.
    ///   - output: the empty folder to write into.
    ///   - onEpoch: call after each epoch with its record (progress reports).
    /// - Returns: the stage's epochs.
    func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord]
    /// Metrics of the stage's model on held-out samples (never trained on): `trained` is the stage's output
    /// folder, or nil for the model before training. The default measures nothing.
    func evaluateHeldOut(_ input: StageInput, trained: URL?, samples: [DatasetSample]) throws -> [String: Double]
}

extension FoldStage {
    public func evaluateHeldOut(_ input: StageInput, trained: URL?, samples: [DatasetSample]) throws -> [String: Double] { [:] }
}

/// A ``FoldExperiment`` whose fold runs ``stages`` first (each on the training split, cached in the fold's
/// folder) and then trains the classifier the harness selects by validation, built from the stages' outputs.
public protocol StagedFoldExperiment: FoldExperiment {
    /// The stages, in order.
    var stages: [any FoldStage] { get }
    /// Stages run once per run before any fold (``RunStage``); their outputs reach ``stages`` and
    /// ``makeTrainer(for:stageOutputs:)`` under their names. None by default.
    var runStages: [any RunStage] { get }
    /// The classifier's trainer, given the output folder of every stage by name.
    func makeTrainer(for context: FoldContext, stageOutputs: [String: URL]) throws -> any FoldTrainer
}

extension StagedFoldExperiment {
    public var runStages: [any RunStage] { [] }

    /// Runs the stages (into ``FoldContext/directory``, or a temporary folder outside a run) and makes the
    /// classifier's trainer: the way to use a staged experiment without the harness.
    public func makeTrainer(for context: FoldContext) throws -> any FoldTrainer {
        let folder = context.directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("prima-stages-\(UUID().uuidString)", isDirectory: true)
        // Inside a run, the fold folder is <output>/<experiment>/fold-<k>: the run's stages go under <output>.
        let root = context.directory == nil ? folder : folder.deletingLastPathComponent().deletingLastPathComponent()
        let shared = try RunStageRunner(stages: runStages, root: root).run()
        let records = try StageRunner(stages: stages, context: context, folder: folder, runOutputs: shared).run()
        return try makeTrainer(for: context, stageOutputs: records.outputs)
    }
}
