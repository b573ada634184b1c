import Foundation
import Logging
import PRIMAData
import PRIMANN
import PRIMATensor

/// The supervised step after alignment: a linear classification head on the image encoder's global feature,
/// trained with class-weighted cross-entropy together with the image encoder's trainable parameters (its
/// stage-2 LoRA adapters), on the training samples of the loader only.
///
/// **The head reads the encoder's global feature, before the projection head.** Stage 3 and the saved
/// aligned encoder (``AlignedImageEncoder``) feed the encoder's own tokens to the next stage, not the shared-space
/// projections, so the supervised signal is put where the next stage reads; the projection heads and τ are
/// frozen during this step so that the shared space learnt by alignment (and its retrieval) stays as trained.
///
/// Class weights are `N / (C · n_c)` from the loader's class counts (scikit-learn's "balanced"); a class absent
/// from the training samples gets weight 0. Both views of each sample are used as two examples.
///
/// The loop is the alignment trainer's: AdamW with warm-up and cosine decay, clipping, a checkpoint after every
/// epoch with exact ``resume(from:)``, and a ``TrainingDivergedError`` on a non-finite loss.
///
/// Data parallel: with a communicator of several ranks (`PRIMADistributed.MPICommunicator`), every rank builds the
/// same trainer over the same aligned model; rank 0's trainable weights (the encoder's adapters and the head) are
/// broadcast at the start, each rank encodes its slice of every global batch, the class logits `[B, C]` of each view
/// and the labels are all-gathered (in the single-process order: view 1 of the whole batch, then view 2) so every
/// rank takes the weighted cross-entropy over the whole batch, and the gradients are averaged before clipping and
/// AdamW. Only rank 0 writes checkpoints, which record the number of ranks a resume must use.
public final class SupervisedRefinementTrainer {
    /// Run length and optimiser settings.
    public struct Configuration: Sendable {
        /// Epochs; the schedule spans them (**[ours]** 10).
        public var epochs: Int
        /// Optimiser, schedule and clipping (defaults: the stage-2 values).
        public var optimization: OptimizationSettings
        /// Train on both views of each sample (else on view 1 only).
        public var usesBothViews: Bool
        /// Where the checkpoint is written after every epoch (replaced atomically); nil for none.
        public var checkpointURL: URL?

        /// A configuration.
        public init(epochs: Int = 10, optimization: OptimizationSettings = .init(), usesBothViews: Bool = true, checkpointURL: URL? = nil) {
            self.epochs = epochs
            self.optimization = optimization
            self.usesBothViews = usesBothViews
            self.checkpointURL = checkpointURL
        }
    }

    /// The aligned model whose image encoder is refined.
    public let model: AlignmentModel
    /// The classification head `[classCount, featureWidth]` (keys `weight`, `bias`).
    public let classifier: Linear
    /// The per-class weights of the cross-entropy, `[classCount]`.
    public let classWeights: Tensor
    /// The batches (training samples only).
    public let loader: TwoViewLoader
    /// Run settings.
    public let configuration: Configuration
    /// The keys of the parameters trained (`image_encoder.…` and `classifier.…`).
    public let trainableKeys: [String]
    /// Epochs completed so far (`TrainingProgress/epoch` is the next one to run).
    public private(set) var progress = TrainingProgress()
    /// The means of every completed epoch (term `cross_entropy`).
    public private(set) var history: [TrainingEpochSummary] = []
    /// Called after every optimiser step.
    public var onStep: ((TrainingStepRecord) -> Void)?
    /// The ranks training together (a `SingleProcessCommunicator` unless data parallel).
    public let communicator: any DataParallelCommunicator
    /// The checkpoint metadata value of `stage` that marks supervised-refinement checkpoints.
    public static let checkpointStage = "supervised refinement"

    /// The parts this step trains, as one module tree for checkpoints (keys `image_encoder.…`, `classifier.…`).
    private final class RefinedParts: Module {
        @Key("image_encoder") var encoder: any ImageEncoder
        @Key("classifier") var classifier: Linear
        init(encoder: any ImageEncoder, classifier: Linear) {
            super.init()
            self.encoder = encoder
            self.classifier = classifier
        }
    }

    private let parts: RefinedParts
    private let loop: OptimizationLoop
    private let checkpointing: RunCheckpointing
    private static let logger = Logger(label: "PRIMAAlign.SupervisedRefinement")

    /// A trainer for `classCount` classes; freezes the model's projection heads and τ.
    /// - Parameters:
    ///   - model: the aligned model; its image encoder's parameters not frozen now are trained.
    ///   - classCount: the number of classes (at least 2).
    ///   - loader: the training batches (of the whole global batch in a data-parallel run).
    ///   - configuration: run length, optimiser settings, views and checkpointing.
    ///   - communicator: the ranks of a data-parallel run (every rank builds the same trainer over the same aligned
    ///     model); the default trains in this process alone.
    ///   - rng: initialisation of the classification head (rank 0's is used by every rank of a data-parallel run).
    /// - Throws: ``AlignmentError`` for fewer than 2 classes, a label outside `0..<classCount`, non-positive epochs,
    ///   bad optimisation settings, an empty loader, an image encoder with nothing to train, or batches smaller than
    ///   the number of ranks; `CommunicatorError` when the ranks' settings, samples or trainable parameters differ.
    public init(model: AlignmentModel, classCount: Int, loader: TwoViewLoader, configuration: Configuration = .init(),
                communicator: any DataParallelCommunicator = SingleProcessCommunicator(), using rng: inout RandomGenerator) throws {
        let stage = "supervised refinement"
        guard classCount >= 2 else { throw AlignmentError(stage, "classCount must be at least 2, got \(classCount)") }
        guard configuration.epochs > 0 else { throw AlignmentError(stage, "epochs must be positive, got \(configuration.epochs)") }
        try configuration.optimization.validate(stage)
        guard loader.batchCount > 0 else { throw AlignmentError(stage, "the loader has no batch (\(loader.samples.count) samples)") }
        classWeights = try Self.balancedClassWeights(labels: loader.samples.map(\.label), classCount: classCount, ids: loader.samples.map(\.id))
        for (_, head) in model.heads { head.freeze() }
        model.temperature.freeze()
        let encoderParameters = model.imageEncoder.namedParameters().filter { !$0.parameter.isFrozen }
        guard !encoderParameters.isEmpty else {
            throw AlignmentError(stage, "the image encoder has no trainable parameter (prepare it with LoRA or .full)")
        }
        classifier = Linear(model.imageEncoder.featureWidth, classCount, using: &rng)
        self.model = model
        self.loader = loader
        self.configuration = configuration
        self.communicator = communicator
        parts = RefinedParts(encoder: model.imageEncoder, classifier: classifier)
        let named = parts.namedParameters().filter { !$0.parameter.isFrozen }
        trainableKeys = named.map(\.key)
        loop = OptimizationLoop(parameters: named, settings: configuration.optimization,
                                totalSteps: configuration.epochs * loader.batchCount)
        checkpointing = RunCheckpointing(stage: Self.checkpointStage, loader: loader, run: [
            "epochs": String(configuration.epochs), "class_count": String(classCount), "both_views": String(configuration.usesBothViews),
        ], worldSize: communicator.size)
        if communicator.size > 1 {
            guard loader.smallestBatchSize >= communicator.size else {
                throw AlignmentError(stage, "\(communicator.size) ranks need at least one sample each of every batch, but the smallest batch holds "
                                        + "\(loader.smallestBatchSize) (\(loader.samples.count) samples, batch size \(loader.configuration.batchSize)); "
                                        + "use fewer ranks, a larger batch or dropLast")
            }
            try communicator.startDataParallelRun(settings: checkpointing.run.merging(["optimization": "\(configuration.optimization)"]) { $1 },
                                                  trainable: named, initialWeights: named.map(\.parameter),
                                                  what: "the supervised refinement trainer's settings, samples or trainable parameters")
        }
    }

    /// `N / (C · n_c)` per class, 0 for a class with no sample.
    /// - Throws: ``AlignmentError`` naming the sample whose label lies outside `0..<classCount`.
    public static func balancedClassWeights(labels: [Int], classCount: Int, ids: [String]? = nil) throws -> Tensor {
        var counts = [Int](repeating: 0, count: classCount)
        for (i, label) in labels.enumerated() {
            guard (0..<classCount).contains(label) else {
                throw AlignmentError("supervised refinement", "sample \(ids?[i] ?? String(i)) has label \(label), outside 0..<\(classCount)")
            }
            counts[label] += 1
        }
        let n = Float(labels.count), c = Float(classCount)
        return Tensor(counts.map { $0 == 0 ? 0 : n / (c * Float($0)) })
    }

    /// Class logits `[B, classCount]` of `pixels`.
    public func logits(_ pixels: Tensor) throws -> Tensor {
        classifier(try model.encodeImages(pixels).global)
    }

    /// Runs the remaining epochs up to `epoch` (exclusive; default: the configured total) and returns the
    /// summaries of the epochs it ran.
    /// - Throws: ``TrainingDivergedError`` on a non-finite loss or gradient (no weight changed by that step, the
    ///   last checkpoint left as it was); the loader's or the checkpoint writer's errors.
    @discardableResult
    public func train(untilEpoch epoch: Int? = nil) throws -> [TrainingEpochSummary] {
        let end = min(epoch ?? configuration.epochs, configuration.epochs)
        var ran: [TrainingEpochSummary] = []
        while progress.epoch < end {
            let summary = try runEpoch(progress.epoch)
            history.append(summary)
            progress = TrainingProgress(epoch: progress.epoch + 1, position: 0, globalStep: progress.globalStep + summary.steps)
            if let url = configuration.checkpointURL, communicator.rank == 0 { try checkpoint().write(to: url) }
            Self.logger.info("supervised refinement epoch \(summary.epoch + 1)/\(configuration.epochs): cross-entropy \(summary.meanTotal)")
            ran.append(summary)
        }
        return ran
    }

    private func runEpoch(_ epoch: Int) throws -> TrainingEpochSummary {
        model.train()
        model.metadataEncoder.eval()
        var batches = loader.epoch(epoch, rank: communicator.rank, of: communicator.size)
        var records: [TrainingStepRecord] = []
        while let batch = try batches.next() {
            let pixels = configuration.usesBothViews ? Tensor.concat([batch.view1, batch.view2], axis: 0) : batch.view1
            var logits = try logits(pixels)
            var labels = configuration.usesBothViews ? Tensor.concat([batch.labels, batch.labels], axis: 0) : batch.labels
            if communicator.size > 1 { (logits, labels) = try gathered(logits, labels: batch.labels) }
            let loss = Tensor.crossEntropy(logits: logits, targets: labels, weights: classWeights)
            let value = Double(loss.item)
            let step = records.count
            guard value.isFinite else { throw diverged("cross_entropy", value, epoch: epoch, step: step) }
            let learningRate = loop.learningRate
            let norm = try loop.step(loss, communicator: communicator)
            guard norm.isFinite else { throw diverged("gradient norm", Double(norm), epoch: epoch, step: step) }
            let record = TrainingStepRecord(epoch: epoch, step: step, globalStep: progress.globalStep + step + 1, learningRate: learningRate,
                                            total: value, terms: [LossTermValue(name: "cross_entropy", value: value)], gradientNorm: Double(norm))
            records.append(record)
            onStep?(record)
        }
        return TrainingEpochSummary.summarizing(records, epoch: epoch)
    }

    /// The logits and labels of the whole global batch from this rank's slice, in the order of a single process:
    /// each view's logits are gathered separately (view 1 of every rank, then view 2 of every rank).
    private func gathered(_ logits: Tensor, labels: Tensor) throws -> (Tensor, Tensor) {
        let allLabels = try communicator.allGather(labels)
        guard configuration.usesBothViews else { return (try communicator.allGather(logits), allLabels) }
        let b = labels.shape[0]
        let views = try [0, b].map { try communicator.allGather(logits.narrowed(axis: 0, start: $0, length: b)) }
        return (Tensor.concat(views, axis: 0), Tensor.concat([allLabels, allLabels], axis: 0))
    }

    private func diverged(_ term: String, _ value: Double, epoch: Int, step: Int) -> TrainingDivergedError {
        let saved = configuration.checkpointURL.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
        return TrainingDivergedError(stage: Self.checkpointStage, term: term, value: value, epoch: epoch, step: step, lastCheckpoint: saved)
    }

    // MARK: Checkpoints

    /// The state after the last completed epoch: the trainable weights of the image encoder and the classifier
    /// (keys `image_encoder.…`, `classifier.…`), optimiser, schedule, progress, history and what identifies the run.
    public func checkpoint() throws -> TrainingCheckpoint {
        try checkpointing.checkpoint(model: parts, loop: loop, progress: progress, history: history)
    }

    /// Continues a run from a checkpoint of this stage into this trainer (built over a model prepared as the
    /// original was, e.g. from the alignment checkpoint).
    /// - Throws: `CheckpointError` naming the file and the field for another stage's or run's checkpoint;
    ///   `StateDictError` / `OptimizerStateError` for mismatched weights.
    public func resume(from url: URL) throws {
        (progress, history) = try checkpointing.resume(from: url, model: parts, loop: loop)
    }
}
