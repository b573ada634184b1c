import Foundation
import Logging
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor

/// PRIMA stage 3: trains a ``FusionClassifier``'s trainable parameters (LoRA adapters, projectors, markers) on the
/// precomputed features of a ``FusionFeatureSet``, and selects the epoch with the best validation macro F1.
///
/// - Optimiser: AdamW, linear warm-up then cosine decay over all steps, gradient clipping (``FusionTrainingSettings``;
///   ``FusionTrainingSettings/paper`` is lr 1e-5, weight decay 3e-2, 80 epochs).
/// - Loss: cross-entropy over the class tokens, weighted by ``classWeights`` (balanced from the training labels
///   unless switched off).
/// - Selection: after every epoch the validation set is scored; the trainable weights of the epoch with the highest
///   macro F1 (the earliest on ties) are kept, and ``restoreBestWeights()`` puts them back after training.
/// - Checkpoints: with a checkpoint URL, a `TrainingCheckpoint` is written atomically after every epoch: trainable
///   weights, the best epoch's weights (keys `best/<key>`), optimiser, schedule, progress, history. ``resume(from:)``
///   continues the run exactly (epoch `e` shuffles with a generator seeded from the settings and `e`).
/// - Divergence: a non-finite loss or gradient norm throws `TrainingDivergedError` before any weight changes.
/// - Data parallel: with a communicator of several ranks (`PRIMADistributed.MPICommunicator`), every rank builds the
///   same trainer over the same features and language model; rank 0's trainable weights (adapters, projectors,
///   markers) are broadcast at the start, each rank runs the language model on its contiguous slice of every global
///   batch, the class logits `[B, C]` and labels are all-gathered so every rank takes the weighted cross-entropy over
///   the whole batch (its mean divides by the whole batch's class weights, so 2 ranks × B/2 give the loss over B),
///   and the gradients are averaged before clipping and AdamW. The validation set is scored by the ranks together
///   (each its slice, the probabilities all-gathered), so every rank selects the same epoch. Only rank 0 writes
///   checkpoints, which record the number of ranks a resume must use.
public final class FusionTrainer {
    /// The checkpoint metadata value of `stage` that marks stage-3 checkpoints.
    public static let checkpointStage = "fusion"
    /// The classifier trained.
    public let classifier: FusionClassifier
    /// The training samples' features.
    public let training: FusionFeatureSet
    /// The validation samples' features, nil for no selection (the last epoch's weights are kept).
    public let validation: FusionFeatureSet?
    /// Run settings.
    public let settings: FusionTrainingSettings
    /// Where the checkpoint is written after every epoch (replaced atomically); nil for none.
    public let checkpointURL: URL?
    /// Per-class weights `[C]` of the loss, nil when unweighted.
    public let classWeights: Tensor?
    /// The keys of the parameters trained, in module order.
    public let trainableKeys: [String]
    /// Epochs completed so far (`epoch` is the next one to run).
    public private(set) var progress = TrainingProgress()
    /// Every completed epoch.
    public private(set) var history: [FusionEpochSummary] = []
    /// The epoch (0-based) with the best validation macro F1 so far, nil before the first epoch or without validation.
    public private(set) var bestEpoch: Int?
    /// Called after every optimiser step.
    public var onStep: ((TrainingStepRecord) -> Void)?
    /// Called after every epoch (after its checkpoint is written).
    public var onEpoch: ((FusionEpochSummary) -> Void)?
    /// The ranks training together (a `SingleProcessCommunicator` unless data parallel).
    public let communicator: any DataParallelCommunicator

    private let parameters: [(key: String, parameter: Parameter)]
    /// AdamW over the trainable parameters (public for a caller that checkpoints the run itself).
    public let optimizer: AdamW
    /// The warm-up + cosine schedule of ``optimizer``.
    public let scheduler: LearningRateScheduler
    private var bestWeights: [String: Tensor] = [:]
    private let runFields: [String: String]
    private static let bestPrefix = "best/"
    private static let logger = Logger(label: "PRIMAFusion.FusionTrainer")

    /// The loss's name in records and summaries.
    public var lossName: String { classWeights == nil ? "cross_entropy" : "weighted_cross_entropy" }

    /// A trainer over the parameters of `classifier` that are not frozen now.
    /// - Parameters:
    ///   - classifier: the classifier; its parameters not frozen now are trained.
    ///   - training: the training samples' features (all of them on every rank of a data-parallel run).
    ///   - validation: the validation samples' features, nil for no selection.
    ///   - settings: epochs, batch size, optimiser and shuffling.
    ///   - checkpointURL: where the checkpoint is written after every epoch (by rank 0); nil for none.
    ///   - communicator: the ranks of a data-parallel run (every rank builds the same trainer over the same language
    ///     model weights); the default trains in this process alone.
    /// - Throws: ``FusionError`` for invalid settings, an empty training set, a label outside the classifier's classes
    ///   (naming the sample), a classifier with nothing to train, or batches smaller than the number of ranks;
    ///   `CommunicatorError` when the ranks' settings, samples or trainable parameters differ.
    public init(classifier: FusionClassifier, training: FusionFeatureSet, validation: FusionFeatureSet? = nil,
                settings: FusionTrainingSettings = .paper, checkpointURL: URL? = nil,
                communicator: any DataParallelCommunicator = SingleProcessCommunicator()) throws {
        let source = "fusion trainer"
        try settings.validate()
        guard training.count > 0 else { throw FusionError(source, "the training set is empty") }
        for (set, name) in [(training, "training"), (validation, "validation")] {
            guard let set else { continue }
            if let i = set.labels.firstIndex(where: { !(0..<classifier.classCount).contains($0) }) {
                throw FusionError(source, "\(name) sample \(set.ids[i]) has label \(set.labels[i]), outside 0..<\(classifier.classCount)")
            }
        }
        if let validation, validation.count == 0 { throw FusionError(source, "the validation set is empty") }
        let trainable = classifier.namedParameters().filter { !$0.parameter.isFrozen }
        guard !trainable.isEmpty else { throw FusionError(source, "every parameter of the classifier is frozen") }
        self.classifier = classifier
        self.training = training
        self.validation = validation
        self.settings = settings
        self.checkpointURL = checkpointURL
        self.communicator = communicator
        classWeights = settings.balancesClasses
            ? try SupervisedRefinementTrainer.balancedClassWeights(labels: training.labels, classCount: classifier.classCount, ids: training.ids)
            : nil
        parameters = trainable
        trainableKeys = trainable.map(\.key)
        optimizer = AdamW(parameters: trainable, learningRate: settings.optimization.learningRate,
                          weightDecay: settings.optimization.weightDecay)
        let total = settings.epochs * Self.batchCount(training.count, settings.batchSize)
        scheduler = LearningRateScheduler(
            optimizer: optimizer,
            schedule: .cosine(warmupSteps: LearningRateSchedule.warmupSteps(ratio: settings.optimization.warmupRatio, totalSteps: total),
                              totalSteps: total),
            baseLearningRate: settings.optimization.learningRate)
        var fields = [
            "epochs": String(settings.epochs), "batch_size": String(settings.batchSize),
            "shuffle_seed": String(settings.shuffleSeed), "balances_classes": String(settings.balancesClasses),
            "class_names": String(decoding: try JSONEncoder().encode(classifier.classNames), as: UTF8.self),
            "training_ids": String(Self.fingerprint(training.ids)),
            "validation_ids": validation.map { String(Self.fingerprint($0.ids)) } ?? "none",
        ]
        // Each rank's slice of a batch depends on the number of ranks: a resume must use as many.
        if communicator.size > 1 { fields["world_size"] = String(communicator.size) }
        runFields = fields
        if communicator.size > 1 { try startDataParallel(source) }
    }

    /// Checks that every rank can take a slice of every batch and was started with the same settings, samples and
    /// trainable parameters, then copies rank 0's trainable weights to every rank (the frozen language model comes
    /// from the same checkpoint on every rank and is not sent).
    private func startDataParallel(_ source: String) throws {
        let ranks = communicator.size, remainder = training.count % settings.batchSize
        let smallest = training.count < settings.batchSize ? training.count : (remainder == 0 ? settings.batchSize : remainder)
        guard smallest >= ranks else {
            throw FusionError(source, "\(ranks) ranks need at least one sample each of every batch, but the smallest batch holds \(smallest) "
                                  + "(\(training.count) training samples, batch size \(settings.batchSize)); use fewer ranks or another batch size")
        }
        try communicator.startDataParallelRun(settings: runFields.merging(["settings": "\(settings)"]) { $1 }, trainable: parameters,
                                              initialWeights: parameters.map(\.parameter),
                                              what: "the fusion trainer's settings, samples or trainable parameters")
    }

    private static func batchCount(_ n: Int, _ size: Int) -> Int { (n + size - 1) / size }

    /// The batches of epoch `epoch`: a permutation seeded from the settings and the epoch, cut into batches.
    func batches(epoch: Int) -> [[Int]] {
        var rng = RandomGenerator(seed: settings.shuffleSeed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
        let order = rng.permutation(training.count)
        return stride(from: 0, to: order.count, by: settings.batchSize).map { Array(order[$0 ..< min($0 + settings.batchSize, order.count)]) }
    }

    // MARK: Training

    /// Runs the remaining epochs up to `epoch` (exclusive; default: all) and returns their summaries.
    /// - Throws: `TrainingDivergedError` on a non-finite loss or gradient (no weight changed by that step, the last
    ///   checkpoint left as it was); ``FusionError`` from the classifier; the checkpoint writer's errors.
    @discardableResult
    public func train(untilEpoch epoch: Int? = nil) throws -> [FusionEpochSummary] {
        let end = min(epoch ?? settings.epochs, settings.epochs)
        var ran: [FusionEpochSummary] = []
        while progress.epoch < end {
            var summary = try runEpoch(progress.epoch)
            if let validation {
                // Each rank scores its slice and the probabilities are gathered: every rank selects the same epoch.
                let probabilities = try communicator.computeSharded(count: validation.count) { try self.probabilities(for: validation, rows: $0) }
                let (loss, f1) = try score(probabilities, labels: validation.labels)
                summary.validationLoss = loss
                summary.validationMacroF1 = f1
                if bestEpoch.map({ f1 > history[$0].validationMacroF1 ?? -.infinity }) ?? true {
                    bestEpoch = summary.epoch
                    bestWeights = currentTrainableWeights()
                }
            }
            history.append(summary)
            progress = TrainingProgress(epoch: progress.epoch + 1, position: 0, globalStep: progress.globalStep + summary.steps)
            if let checkpointURL, communicator.rank == 0 { try checkpoint().write(to: checkpointURL) }
            Self.logger.info("fusion epoch \(summary.epoch + 1)/\(settings.epochs): \(lossName) \(summary.meanLoss)\(summary.validationMacroF1.map { ", validation macro F1 \($0)" } ?? "")")
            onEpoch?(summary)
            ran.append(summary)
        }
        return ran
    }

    /// Trains epoch `epoch` alone — its batches depend only on the settings and `epoch` — without validation,
    /// selection, checkpoint or change of ``progress``: for a caller that runs the epoch loop, the validation and the
    /// checkpoints itself (the cross-validation harness, which saves ``classifier``, ``optimizer`` and ``scheduler``).
    /// In a data-parallel run every rank calls it (it is a collective).
    /// - Throws: as ``train(untilEpoch:)``.
    public func trainEpoch(_ epoch: Int) throws -> FusionEpochSummary { try runEpoch(epoch) }

    private func runEpoch(_ epoch: Int) throws -> FusionEpochSummary {
        classifier.train()
        var total = 0.0, steps = 0
        for (step, indices) in batches(epoch: epoch).enumerated() {
            // This rank's contiguous slice of the global batch (all of it in a single process).
            let batch = training.batch(Array(indices[BatchShard.range(count: indices.count, rank: communicator.rank, size: communicator.size)]))
            let (logits, labels) = try communicator.allGather(logits: try classifier.logits(views: batch.views, text: batch.text),
                                                              labels: batch.labels)
            let loss = try classifier.loss(logits: logits, labels: labels, classWeights: classWeights)
            let value = Double(loss.item)
            guard value.isFinite else { throw diverged(lossName, value, epoch: epoch, step: step) }
            let learningRate = optimizer.learningRate
            loss.backward()
            do {
                try communicator.averageGradients(of: parameters.map(\.parameter))
            } catch {
                optimizer.zeroGrad()
                throw error
            }
            let norm = GradientClipping.clipGradNorm(parameters.map(\.parameter), maxNorm: settings.optimization.gradientClipNorm ?? .infinity)
            guard norm.isFinite else {
                optimizer.zeroGrad()
                throw diverged("gradient norm", Double(norm), epoch: epoch, step: step)
            }
            optimizer.step()
            scheduler.step()
            optimizer.zeroGrad()
            let record = TrainingStepRecord(epoch: epoch, step: step, globalStep: progress.globalStep + step + 1, learningRate: learningRate,
                                            total: value, terms: [LossTermValue(name: lossName, value: value)], gradientNorm: Double(norm))
            onStep?(record)
            total += value
            steps += 1
        }
        return FusionEpochSummary(epoch: epoch, steps: steps, losses: [LossTermValue(name: lossName, value: total / Double(max(1, steps)))])
    }

    private func diverged(_ term: String, _ value: Double, epoch: Int, step: Int) -> TrainingDivergedError {
        let saved = checkpointURL.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
        return TrainingDivergedError(stage: Self.checkpointStage, term: term, value: value, epoch: epoch, step: step, lastCheckpoint: saved)
    }

    // MARK: Evaluation

    /// Class probabilities `[N, C]` of every sample of `set`, in its order, in batches of the training batch size
    /// (evaluation mode, no gradients).
    /// - Throws: ``FusionError`` when the features do not fit the classifier.
    public func probabilities(for set: FusionFeatureSet) throws -> Tensor {
        try Self.probabilities(of: classifier, for: set, batchSize: settings.batchSize)
    }

    /// Class probabilities `[N, C]` of `classifier` for every sample of `set`, in batches of `batchSize`.
    /// - Throws: ``FusionError`` when the features do not fit the classifier.
    public static func probabilities(of classifier: FusionClassifier, for set: FusionFeatureSet, batchSize: Int) throws -> Tensor {
        try probabilities(of: classifier, for: set, rows: 0..<set.count, batchSize: batchSize)
    }

    /// Class probabilities of the samples `rows` of `set`, in batches of `batchSize` from the range's start.
    private static func probabilities(of classifier: FusionClassifier, for set: FusionFeatureSet, rows: Range<Int>, batchSize: Int) throws -> Tensor {
        precondition(batchSize > 0, "batch size must be positive")
        let wasTraining = classifier.isTraining
        classifier.eval()
        defer { classifier.train(wasTraining) }
        let parts = try stride(from: rows.lowerBound, to: rows.upperBound, by: batchSize).map { start -> Tensor in
            let batch = set.batch(Array(start ..< min(start + batchSize, rows.upperBound)))
            return try classifier.probabilities(views: batch.views, text: batch.text)
        }
        return Tensor.concat(parts, axis: 0)
    }

    private func probabilities(for set: FusionFeatureSet, rows: Range<Int>) throws -> Tensor {
        try Self.probabilities(of: classifier, for: set, rows: rows, batchSize: settings.batchSize)
    }

    /// The loss (with ``classWeights``) and macro F1 over all classes of `set`, computed by this process alone.
    /// - Throws: ``FusionError`` when the features do not fit the classifier.
    public func evaluate(_ set: FusionFeatureSet) throws -> (loss: Double, macroF1: Double) {
        try score(probabilities(for: set), labels: set.labels)
    }

    /// The weighted cross-entropy and macro F1 of class probabilities against labels.
    private func score(_ probabilities: Tensor, labels: [Int]) throws -> (loss: Double, macroF1: Double) {
        let targets = Tensor(labels.map(Float.init))
        let loss = noGrad { Tensor.crossEntropy(logits: probabilities.clamped(min: 1e-30).log(), targets: targets, weights: classWeights) }
        let report = try ClassificationReport(labels: labels, scores: probabilities)
        return (Double(loss.item), report.macroF1)
    }

    /// Puts the best epoch's trainable weights back into the classifier (no-op without validation).
    /// - Returns: the epoch restored, nil when there is none.
    @discardableResult
    public func restoreBestWeights() throws -> Int? {
        guard let bestEpoch, !bestWeights.isEmpty else { return nil }
        try classifier.loadStateDict(bestWeights, strict: false, source: "best epoch \(bestEpoch + 1)")
        return bestEpoch
    }

    private func currentTrainableWeights() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, Tensor(shape: $0.parameter.shape, scalars: $0.parameter.value.scalars)) })
    }

    // MARK: Checkpoints

    /// The state after the last completed epoch (metadata `stage` = ``checkpointStage``, `history` and `best_epoch` as
    /// JSON, and what identifies the run: epochs, batch size, seed, class names, sample-id hashes).
    public func checkpoint() throws -> TrainingCheckpoint {
        var metadata = runFields
        metadata["stage"] = Self.checkpointStage
        metadata["history"] = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        metadata["best_epoch"] = bestEpoch.map(String.init) ?? "none"
        var saved = TrainingCheckpoint(model: classifier, trainableWeightsOnly: true, optimizer: optimizer, scheduler: scheduler,
                                       progress: progress, metadata: metadata)
        for (key, value) in bestWeights { saved.weights[Self.bestPrefix + key] = value }
        return saved
    }

    /// Continues a run from a checkpoint of this stage into this trainer (whose classifier was built as the original:
    /// same language model, adapters, projector sizes and classes).
    /// - Throws: `CheckpointError` naming the file and the field for another stage's or run's checkpoint;
    ///   `StateDictError` / `OptimizerStateError` for mismatched weights.
    public func resume(from url: URL) throws {
        var saved = try TrainingCheckpoint(contentsOf: url)
        guard saved.metadata["stage"] == Self.checkpointStage else {
            throw CheckpointError(path: url.path, "stage is \(saved.metadata["stage"].map { "\"\($0)\"" } ?? "missing"), expected \"\(Self.checkpointStage)\"")
        }
        let savedWorldSize = saved.metadata["world_size"] ?? "1", worldSize = runFields["world_size"] ?? "1"
        guard savedWorldSize == worldSize else {
            throw CheckpointError(path: url.path, "world_size is \(savedWorldSize) in the checkpoint, \(worldSize) in this run; resume with the same number of ranks")
        }
        for (field, value) in runFields.sorted(by: { $0.key < $1.key }) where saved.metadata[field] != value {
            throw CheckpointError(path: url.path, "\(field) is \(saved.metadata[field].map { "\"\($0)\"" } ?? "missing") in the checkpoint, \"\(value)\" in this run; resuming would not continue the same run")
        }
        let savedHistory: [FusionEpochSummary]
        do {
            savedHistory = try JSONDecoder().decode([FusionEpochSummary].self, from: Data((saved.metadata["history"] ?? "").utf8))
        } catch {
            throw CheckpointError(path: url.path, "metadata history is not a list of stage-3 epoch summaries: \(error)")
        }
        let best: Int?
        switch saved.metadata["best_epoch"] {
        case "none": best = nil
        case let text?: guard let value = Int(text), (0..<savedHistory.count).contains(value) else {
            throw CheckpointError(path: url.path, "best_epoch \"\(text)\" is not an epoch of the saved history")
        }
            best = value
        case nil: throw CheckpointError(path: url.path, "metadata best_epoch is missing")
        }
        var bestSaved: [String: Tensor] = [:]
        for key in saved.weights.keys where key.hasPrefix(Self.bestPrefix) {
            bestSaved[String(key.dropFirst(Self.bestPrefix.count))] = saved.weights.removeValue(forKey: key)
        }
        if best != nil, Set(bestSaved.keys) != Set(trainableKeys) {
            throw CheckpointError(path: url.path, "the best epoch's weights do not cover the trainable parameters")
        }
        try saved.restore(model: classifier, optimizer: optimizer, scheduler: scheduler, source: url.path)
        progress = saved.progress
        history = savedHistory
        bestEpoch = best
        bestWeights = bestSaved
    }

    /// A stable hash of strings (FNV-1a), to compare sample lists without storing them.
    static func fingerprint(_ strings: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for s in strings {
            for byte in s.utf8 + [0] { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
        return h
    }
}
