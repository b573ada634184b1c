import Foundation
import Logging
import PRIMAData
import PRIMANN
import PRIMATensor

/// PRIMA stage 2: trains the trainable parts of an ``AlignmentModel`` (after ``StageTwoSetup``: image LoRA
/// adapters, the four projection heads, τ when learnable) on an ``AlignmentObjective`` over the batches of a
/// `TwoViewLoader`.
///
/// - Optimiser: AdamW, linear warm-up then cosine decay over `epochs × batches per epoch` steps, gradient clipping
///   (``OptimizationSettings``; defaults are the paper's lr 3e-5, weight decay 1e-3, 10% warm-up).
/// - Logging: ``onStep`` gets every step's total and per-term values, ``onEpoch`` every epoch's means;
///   ``history`` keeps the epoch means (also saved in checkpoints).
/// - Checkpoints: with ``Configuration/checkpointURL``, a `TrainingCheckpoint` (trainable weights, optimiser,
///   schedule, generators, epoch) is written atomically after every epoch; ``resume(from:)`` continues a run
///   exactly (same batches, same updates: the data order depends only on the loader's seed and the epoch).
/// - Data parallel: with a communicator of several ranks (`PRIMADistributed.MPICommunicator`), rank 0's weights
///   are broadcast at the start, each rank encodes its slice of every global batch, the projected features are
///   all-gathered so that every rank evaluates the objective over the whole batch (the contrastive losses see
///   all negatives), and the gradients are averaged before clipping and the optimiser; only rank 0 writes
///   checkpoints, which record the number of ranks a resume must use.
/// - Divergence: a non-finite loss term or gradient throws ``TrainingDivergedError`` naming the term before any
///   weight changes; the checkpoint of the last completed epoch stays as it was.
///
/// ```swift
/// let trainer = try AlignmentTrainer(model: model, objective: objective, loader: loader,
///                                    configuration: .init(epochs: 150, checkpointURL: folder.appendingPathComponent("stage2.ckpt")))
/// try trainer.train()
/// ```
public final class AlignmentTrainer {
    /// Run length, optimiser settings and checkpointing.
    public struct Configuration: Sendable {
        /// Epochs of the whole run (paper: 150); the schedule spans them.
        public var epochs: Int
        /// Optimiser, schedule and clipping.
        public var optimization: OptimizationSettings
        /// Where the checkpoint is written after every epoch (replaced atomically); nil for none.
        public var checkpointURL: URL?
        /// Encode each metadata text once when the metadata encoder is frozen (``AlignmentModel/cachesTextFeatures``).
        public var cachesTextFeatures: Bool

        /// A configuration; the optimisation defaults are the paper's stage-2 values.
        public init(epochs: Int = 150, optimization: OptimizationSettings = .init(), checkpointURL: URL? = nil,
                    cachesTextFeatures: Bool = true) {
            self.epochs = epochs
            self.optimization = optimization
            self.checkpointURL = checkpointURL
            self.cachesTextFeatures = cachesTextFeatures
        }
    }

    /// The checkpoint metadata value of `stage` that marks alignment checkpoints.
    public static let checkpointStage = "alignment"

    /// The model trained.
    public let model: AlignmentModel
    /// The weighted losses.
    public let objective: AlignmentObjective
    /// The batches.
    public let loader: TwoViewLoader
    /// Run settings.
    public let configuration: Configuration
    /// The keys of the parameters trained, in module order.
    public let trainableKeys: [String]
    /// Epochs completed so far (`TrainingProgress/epoch` is the next one to run).
    public private(set) var progress = TrainingProgress()
    /// The means of every completed epoch.
    public private(set) var history: [TrainingEpochSummary] = []
    /// Called after every optimiser step.
    public var onStep: ((TrainingStepRecord) -> Void)?
    /// Called after every epoch (after its checkpoint is written).
    public var onEpoch: ((TrainingEpochSummary) -> Void)?

    /// The ranks training together (a `SingleProcessCommunicator` unless data parallel).
    public let communicator: any DataParallelCommunicator
    private let loop: OptimizationLoop
    private let checkpointing: RunCheckpointing
    private static let logger = Logger(label: "PRIMAAlign.AlignmentTrainer")

    /// A trainer over the parameters of `model` that are not frozen now.
    /// - Parameters:
    ///   - model: the model, prepared (``StageTwoSetup``): its parameters not frozen now are trained.
    ///   - objective: the weighted losses.
    ///   - loader: the batches (of the whole global batch in a data-parallel run).
    ///   - configuration: run length, optimiser settings and checkpointing.
    ///   - communicator: the ranks of a data-parallel run (every rank builds the same trainer); the default trains
    ///     in this process alone.
    /// - Throws: ``AlignmentError`` for non-positive epochs, bad optimisation settings, a loader with no batch,
    ///   a model with nothing to train, or batches smaller than the number of ranks; `CommunicatorError` when the
    ///   ranks' settings, data or models differ.
    public init(model: AlignmentModel, objective: AlignmentObjective, loader: TwoViewLoader, configuration: Configuration = .init(),
                communicator: any DataParallelCommunicator = SingleProcessCommunicator()) throws {
        let stage = "alignment trainer"
        guard configuration.epochs > 0 else { throw AlignmentError(stage, "epochs must be positive, got \(configuration.epochs)") }
        try configuration.optimization.validate(stage)
        guard loader.batchCount > 0 else { throw AlignmentError(stage, "the loader has no batch (\(loader.samples.count) samples)") }
        guard !objective.terms.isEmpty else { throw AlignmentError(stage, "the objective has no loss terms") }
        let trainable = model.namedParameters().filter { !$0.parameter.isFrozen }
        guard !trainable.isEmpty else { throw AlignmentError(stage, "every parameter of the model is frozen; run StageTwoSetup.prepare first") }
        self.model = model
        self.objective = objective
        self.loader = loader
        self.configuration = configuration
        self.communicator = communicator
        trainableKeys = trainable.map(\.key)
        loop = OptimizationLoop(parameters: trainable, settings: configuration.optimization,
                                totalSteps: configuration.epochs * loader.batchCount)
        checkpointing = RunCheckpointing(stage: Self.checkpointStage, loader: loader, run: [
            "epochs": String(configuration.epochs),
            "objective": objective.terms.map { "\($0.weight)×\($0.loss.name)" }.joined(separator: " + "),
        ], worldSize: communicator.size)
        if configuration.cachesTextFeatures { model.cachesTextFeatures = true }
        if communicator.size > 1 {
            try startDataParallel(stage, trainable: trainable)
        }
    }

    /// Runs the remaining epochs up to `epoch` (exclusive; default: the configured total) and returns the
    /// summaries of the epochs it ran.
    /// - Throws: ``TrainingDivergedError`` on a non-finite loss or gradient; the loader's, the losses' or the
    ///   checkpoint writer's errors.
    @discardableResult
    public func train(untilEpoch epoch: Int? = nil) throws -> [TrainingEpochSummary] {
        let end = min(epoch ?? configuration.epochs, configuration.epochs)
        var ran: [TrainingEpochSummary] = []
        while progress.epoch < end {
            let summary = try runEpoch(progress.epoch)
            history.append(summary)
            progress = TrainingProgress(epoch: progress.epoch + 1, position: 0, globalStep: progress.globalStep + summary.steps)
            if let url = configuration.checkpointURL, communicator.rank == 0 { try checkpoint().write(to: url) }
            let terms = summary.meanTerms.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
            Self.logger.info("alignment epoch \(summary.epoch + 1)/\(configuration.epochs): loss \(summary.meanTotal) (\(terms))")
            onEpoch?(summary)
            ran.append(summary)
        }
        return ran
    }

    private func runEpoch(_ epoch: Int) throws -> TrainingEpochSummary {
        setModes()
        var batches = loader.epoch(epoch, rank: communicator.rank, of: communicator.size)
        var records: [TrainingStepRecord] = []
        var step = 0
        while let batch = try batches.next() {
            var inputs = try model.inputs(for: batch)
            if communicator.size > 1 { inputs = try inputs.gathered(over: communicator) }
            let value = try objective.evaluate(inputs)
            let terms = value.terms.map { LossTermValue(name: $0.name, value: $0.value) }
            let total = Double(value.total.item)
            if let bad = terms.first(where: { !$0.value.isFinite }) ?? (total.isFinite ? nil : LossTermValue(name: "total", value: total)) {
                throw diverged(bad.name, bad.value, epoch: epoch, step: step)
            }
            let learningRate = loop.learningRate
            let norm = try loop.step(value.total, communicator: communicator)
            guard norm.isFinite else { throw diverged("gradient norm", Double(norm), epoch: epoch, step: step) }
            let record = TrainingStepRecord(epoch: epoch, step: step, globalStep: progress.globalStep + step + 1, learningRate: learningRate,
                                            total: total, terms: terms, gradientNorm: Double(norm))
            records.append(record)
            onStep?(record)
            step += 1
        }
        return TrainingEpochSummary.summarizing(records, epoch: epoch)
    }

    /// Checks that every rank can take a slice of every batch and was started with the same settings, data and
    /// model, then copies rank 0's weights to every rank.
    private func startDataParallel(_ stage: String, trainable: [(key: String, parameter: Parameter)]) throws {
        let ranks = communicator.size
        guard loader.smallestBatchSize >= ranks else {
            throw AlignmentError(stage, "\(ranks) ranks need at least one sample each of every batch, but the smallest batch holds \(loader.smallestBatchSize) "
                                    + "(\(loader.samples.count) samples, batch size \(loader.configuration.batchSize)); use fewer ranks, a larger batch or dropLast")
        }
        try communicator.startDataParallelRun(settings: checkpointing.run.merging(["optimization": "\(configuration.optimization)"]) { $1 },
                                              trainable: trainable, initialWeights: model.parameters,
                                              what: "the alignment trainer's settings, samples or trainable parameters")
    }

    /// Training mode, except for an encoder with nothing to train (a frozen encoder keeps its dropout off).
    private func setModes() {
        model.train()
        if model.metadataEncoder.trainableParameters.isEmpty { model.metadataEncoder.eval() }
        if model.imageEncoder.trainableParameters.isEmpty { model.imageEncoder.eval() }
    }

    private func diverged(_ term: String, _ value: Double, epoch: Int, step: Int) -> TrainingDivergedError {
        let saved = configuration.checkpointURL.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
        return TrainingDivergedError(stage: "alignment", term: term, value: value, epoch: epoch, step: step, lastCheckpoint: saved)
    }

    // MARK: Checkpoints

    /// The state after the last completed epoch: trainable weights, optimiser, schedule, generators, progress,
    /// the epoch history (metadata `stage` = ``checkpointStage``, `history` as JSON) and what identifies the run
    /// (`epochs`, `loader_seed`, `batch_size`, `sample_ids` hash, `objective`).
    public func checkpoint() throws -> TrainingCheckpoint {
        try checkpointing.checkpoint(model: model, loop: loop, progress: progress, history: history)
    }

    /// Continues a run from a checkpoint written by this trainer's kind, into this trainer's model (built and
    /// prepared as the original was: same encoders, frozen weights, adapters and heads).
    /// - Throws: `CheckpointError` naming the file and the field for another stage's checkpoint, a run with
    ///   other epochs, loader seed, batch size, samples or objective, or a malformed history;
    ///   `StateDictError` / `OptimizerStateError` for mismatched weights.
    public func resume(from url: URL) throws {
        (progress, history) = try checkpointing.resume(from: url, model: model, loop: loop)
    }
}
