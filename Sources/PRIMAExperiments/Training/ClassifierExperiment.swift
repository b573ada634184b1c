import PRIMAData
import PRIMANN
import PRIMATensor

/// The ``FoldExperiment`` of a ``BatchClassifier``: class-weighted cross-entropy, AdamW over the trainable
/// parameters, linear warm-up then cosine decay over all steps of the fold, optional gradient clipping.
///
/// The experiment is defined by a closure that builds a fresh model for a fold; frozen parts (a pretrained
/// backbone) must come out the same on every call, since checkpoints hold only the trainable weights.
public struct ClassifierExperiment: FoldExperiment {
    public let name: String
    public let title: String
    /// The optimisation settings.
    public let settings: TrainingSettings
    /// How batches are made.
    public let pipeline: BatchPipeline
    /// Settings of the model (sizes, checkpoints) that should be part of the run's fingerprint.
    public let modelFingerprint: [String: String]
    /// Whether the model reads the metadata and may be re-scored on altered test samples (see
    /// ``TestTimeReevaluation``); not part of the fingerprint, since it changes no result.
    public let testTimeReevaluation: TestTimeReevaluation
    let makeModel: (FoldContext) throws -> any BatchClassifier

    /// An experiment.
    /// - Parameters:
    ///   - name: its folder name.
    ///   - title: its row in the results table.
    ///   - settings: the training settings.
    ///   - pipeline: how batches are made.
    ///   - modelFingerprint: model settings (sizes, checkpoints) that are part of the run's fingerprint.
    ///   - testTimeReevaluation: ``TestTimeReevaluation/ignoresMetadata`` for a model that never reads the
    ///     metadata; ``TestTimeReevaluation/rebuildTrainer`` when `makeModel` prepares whatever the context's test
    ///     samples need (precomputed text embeddings) and the model reads nothing keyed by sample id.
    ///   - makeModel: builds a fresh model for a fold, seeded from ``FoldContext/seed``.
    public init(name: String, title: String, settings: TrainingSettings, pipeline: BatchPipeline,
                modelFingerprint: [String: String] = [:], testTimeReevaluation: TestTimeReevaluation = .unsupported,
                makeModel: @escaping (FoldContext) throws -> any BatchClassifier) {
        self.testTimeReevaluation = testTimeReevaluation
        self.name = name
        self.title = title
        self.settings = settings
        self.pipeline = pipeline
        self.modelFingerprint = modelFingerprint
        self.makeModel = makeModel
    }

    public var fingerprint: [String: String] {
        var all = settings.fingerprint
        for (key, value) in modelFingerprint { all["model." + key] = value }
        all["experiment.title"] = title
        return all
    }

    public func makeTrainer(for context: FoldContext) throws -> any FoldTrainer {
        try settings.validate()
        return ClassifierTrainer(model: try makeModel(context), settings: settings, pipeline: pipeline, context: context)
    }
}

/// Trains a ``BatchClassifier`` for one fold: the trainer of ``ClassifierExperiment``, public so that an
/// experiment of its own (a ``StagedFoldExperiment`` building its classifier from earlier stages, or a stage
/// that trains a classifier) can reuse it.
///
/// Class-weighted cross-entropy over ``FoldContext/train`` (weights from its class counts), AdamW over the
/// model's trainable parameters, linear warm-up then cosine decay over `context.epochs` epochs, optional
/// gradient clipping; batches from ``BatchPipeline``. A non-finite loss ends an epoch before it reaches the
/// weights and is returned as the epoch's loss (the harness then stops with `.diverged`).
///
/// Data parallel: with a communicator of several ranks, every rank builds the same trainer; the first epoch checks
/// that the ranks agree and copies rank 0's weights to all, each rank then computes the logits of its slice of
/// every global batch, the logits are all-gathered so every rank takes the cross-entropy over the whole batch,
/// and the gradients are averaged before clipping and AdamW. The caller keeps file writing to rank 0.
public final class ClassifierTrainer: FoldTrainer {
    /// The model being trained.
    public let classifier: any BatchClassifier
    let adamW: AdamW
    let learningRateScheduler: LearningRateScheduler
    /// The optimisation settings.
    public let settings: TrainingSettings
    /// How batches are made.
    public let pipeline: BatchPipeline
    let trainLoader: TwoViewLoader
    let classWeights: Tensor
    let seed: UInt64
    /// The ranks training together (a `SingleProcessCommunicator` unless data parallel).
    public let communicator: any DataParallelCommunicator
    private var ranksAgree = false
    private let settingsFingerprint: String

    /// A trainer of `model` on `context.train` for `context.epochs` epochs (the schedule's length).
    /// - Parameters:
    ///   - model: the classifier to train.
    ///   - settings: the optimisation settings.
    ///   - pipeline: how batches are made.
    ///   - context: the fold (training samples, classes, epochs, seed).
    ///   - communicator: the ranks of a data-parallel run; the default trains in this process alone.
    public init(model: any BatchClassifier, settings: TrainingSettings, pipeline: BatchPipeline, context: FoldContext,
                communicator: any DataParallelCommunicator = SingleProcessCommunicator()) {
        classifier = model
        self.communicator = communicator
        self.settings = settings
        self.pipeline = pipeline
        seed = context.seed
        trainLoader = pipeline.loader(context.train, batchSize: settings.batchSize, training: true, seed: context.seed,
                                      views: model.viewsPerSample)
        adamW = AdamW(model, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        let totalSteps = trainLoader.batchCount * context.epochs
        let warmup = LearningRateSchedule.warmupSteps(ratio: settings.warmupRatio, totalSteps: totalSteps)
        learningRateScheduler = LearningRateScheduler(optimizer: adamW, schedule: .cosine(warmupSteps: warmup, totalSteps: totalSteps))
        classWeights = Tensor(shape: [context.classCount], scalars: settings.classWeighting.weights(classCounts: context.trainClassCounts))
        settingsFingerprint = (settings.fingerprint.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + ["seed=\(context.seed)", "epochs=\(context.epochs)", "train=" + context.train.map(\.id).joined(separator: ","),
               "trainable=" + model.namedParameters().filter { !$0.parameter.isFrozen }.map { "\($0.key)\($0.parameter.shape)" }.joined(separator: ",")])
            .joined(separator: "\n")
    }

    /// Before the first data-parallel step: every batch can be split over the ranks, the ranks agree on settings,
    /// data and model, and they start from rank 0's weights.
    private func startDataParallel() throws {
        guard communicator.size > 1, !ranksAgree else { return }
        guard trainLoader.smallestBatchSize >= communicator.size else {
            throw ExperimentError(.invalidOption, "\(communicator.size) ranks need at least one sample each of every batch, but the smallest batch holds "
                                      + "\(trainLoader.smallestBatchSize) (\(trainLoader.samples.count) training samples, batch size \(settings.batchSize)); use fewer ranks or a larger batch")
        }
        try communicator.checkSameSettings(settingsFingerprint, what: "the classifier trainer's settings, training samples or trainable parameters")
        try communicator.broadcast(classifier.parameters, root: 0)
        ranksAgree = true
    }

    public var model: Module { classifier }
    public var optimizer: (any Optimizer)? { adamW }
    public var scheduler: LearningRateScheduler? { learningRateScheduler }
    public var stepsPerEpoch: Int { trainLoader.batchCount }

    public func trainEpoch(_ epoch: Int, onStep: (Int, Double) -> Void) throws -> Double {
        try startDataParallel()
        classifier.train()
        var batches = trainLoader.epoch(epoch, rank: communicator.rank, of: communicator.size)
        var total = 0.0, step = 0
        while let batch = try batches.next() {
            var logits = classifier.logits(for: batch), labels = batch.labels
            if communicator.size > 1 {
                logits = try communicator.allGather(logits)
                labels = try communicator.allGather(labels)
            }
            let loss = Tensor.crossEntropy(logits: logits, targets: labels, weights: classWeights)
            let value = Double(loss.item)
            // A non-finite loss ends the epoch before it reaches the weights; the harness stops the run.
            guard value.isFinite else { return value }
            loss.backward()
            try communicator.averageGradients(of: classifier.trainableParameters)
            if let clip = settings.gradientClipNorm { GradientClipping.clipGradNorm(classifier, maxNorm: clip) }
            adamW.step()
            adamW.zeroGrad()
            learningRateScheduler.step()
            total += value
            onStep(step, value)
            step += 1
        }
        return total / Double(max(1, step))
    }

    public func predict(_ samples: [DatasetSample]) throws -> Tensor {
        classifier.eval()
        defer { classifier.train() }
        let loader = pipeline.loader(samples, batchSize: settings.batchSize, training: false, seed: seed,
                                     views: classifier.viewsPerSample)
        var batches = loader.epoch(0)
        var parts: [Tensor] = []
        while let batch = try batches.next() {
            parts.append(noGrad { classifier.logits(for: batch) })
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
    }
}
