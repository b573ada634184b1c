import Foundation
import Logging
import PRIMAData
import PRIMANN
import PRIMATensor

/// Trains, checkpoints and evaluates one fold for ``CrossValidation``.
struct FoldRunner<Experiment: FoldExperiment> {
    let harness: CrossValidation
    let experiment: Experiment
    let context: FoldContext
    let position: FoldPosition
    let directory: RunDirectory
    /// Folds of this run still to train after this one (for the ETA).
    let foldsLeftAfter: Int
    /// The outputs of the experiment's run stages, by name.
    var runOutputs: [String: URL] = [:]

    private var k: Int { context.fold }
    private var logger: Logger { harness.logger }
    private static var historyKey: String { "history" }

    func run(eta: inout ETAEstimator, stepsPerEpoch: inout Int?) throws -> FoldResult {
        try RunDirectory.createDirectory(directory.foldDirectory(k))
        let (trainer, stageRecords) = try makeTrainer()
        stepsPerEpoch = trainer.stepsPerEpoch
        var history = try resume(trainer)
        let epochs = trainer.epochCount ?? context.epochs
        logger.info("fold \(k + 1)/\(context.foldCount): \(context.train.count) train, \(context.validation.count) validation, \(context.test.count) test samples",
                    metadata: ["experiment": "\(experiment.name)", "resumed_at_epoch": "\(history.count)"])
        try harness.report(.foldStarted(position, sizes: (context.train.count, context.validation.count, context.test.count),
                                        resumedAtEpoch: history.isEmpty ? nil : history.count))

        let steps = trainer.stepsPerEpoch
        for epoch in history.count..<epochs {
            let stepsLeftAfterEpoch = (epochs - epoch - 1) * steps + foldsLeftAfter * epochs * steps
            let trainLoss = try trainer.trainEpoch(epoch) { step, loss in
                eta.recordStep()
                let progress = StepProgress(position: position, epoch: epoch, epochCount: epochs, step: step, stepCount: steps,
                                            loss: loss, eta: eta.eta(remainingSteps: steps - step - 1 + stepsLeftAfterEpoch))
                logger.debug("step", metadata: ["experiment": "\(experiment.name)", "fold": "\(k + 1)", "epoch": "\(epoch + 1)",
                                                "step": "\(step + 1)/\(steps)", "loss": "\(loss)",
                                                "eta": "\(progress.eta.map(formatDuration) ?? "?")"])
                observer(.step(progress))
            }
            let lossLimit = Divergence.lossLimit(classCount: context.classCount, factor: harness.configuration.divergenceLossFactor)
            if Divergence.isDiverged(trainLoss, limit: lossLimit) {
                throw ExperimentError(.diverged, Divergence.message(
                    experiment: experiment.name, fold: k, epoch: epoch, loss: trainLoss, limit: lossLimit, classCount: context.classCount,
                    finishedEpochs: history.count, foldDirectory: directory.foldDirectory(k), trainer: trainer))
            }
            let record = try validate(trainer, epoch: epoch, trainLoss: trainLoss, trainLosses: trainer.lastEpochLosses)
            let isBest = EpochRecord.best(of: history).map { record.isBetter(than: $0) } ?? true
            history.append(record)
            if isBest {
                try TrainingCheckpoint(model: trainer.model, trainableWeightsOnly: true, progress: TrainingProgress(epoch: epoch),
                                       metadata: ["epoch": String(epoch)])
                    .write(to: directory.bestWeightsFile(k))
            }
            try saveCheckpoint(trainer, history: history)
            let epochETA = eta.eta(remainingSteps: stepsLeftAfterEpoch)
            logger.info("epoch finished", metadata: [
                "eta": "\(epochETA.map(formatDuration) ?? "?")",
                "experiment": "\(experiment.name)", "fold": "\(k + 1)", "epoch": "\(epoch + 1)/\(epochs)",
                "train_loss": "\(record.trainLoss)", "validation_loss": "\(record.validationLoss)",
                "validation_macro_f1": "\(record.validationMacroF1)", "best": "\(isBest)"])
            try harness.report(.epochFinished(position, record: record, epochs: epochs, isBest: isBest, eta: epochETA))
        }

        let result = try evaluateBest(trainer, history: history, stages: stageRecords)
        try RunDirectory.writeJSON(result, to: directory.resultFile(k))
        try? FileManager.default.removeItem(at: directory.checkpointFile(k))
        for file in trainer.scratchFiles { try? FileManager.default.removeItem(at: file) }
        if !harness.configuration.keepBestWeights { try? FileManager.default.removeItem(at: directory.bestWeightsFile(k)) }
        logger.info("fold finished", metadata: ["experiment": "\(experiment.name)", "fold": "\(k + 1)",
                                                "macro_f1": "\(result.report.macroF1)", "accuracy": "\(result.report.accuracy)"])
        try harness.report(.foldFinished(position, result: result))
        return result
    }

    private func observer(_ event: ProgressEvent) { harness.observer?(event) }

    /// The experiment's trainer; for a staged experiment, its stages run (or are found complete) first, on
    /// the fold's training split, in the fold's folder.
    private func makeTrainer() throws -> (any FoldTrainer, [StageRecord]?) {
        guard let staged = experiment as? any StagedFoldExperiment else { return (try experiment.makeTrainer(for: context), nil) }
        let runner = StageRunner(stages: staged.stages, context: context, folder: directory.foldDirectory(k), runOutputs: runOutputs)
        let outcome = try runner.run(
            onStart: { stage in
                logger.info("stage started", metadata: ["experiment": "\(experiment.name)", "fold": "\(k + 1)", "stage": "\(stage)"])
                try harness.report(.stageStarted(position, stage: stage))
            },
            onEpoch: { stage, record in observer(.stageEpochFinished(position, stage: stage, record: record)) },
            onFinish: { record, skipped in
                logger.info(skipped ? "stage already complete" : "stage finished",
                            metadata: ["experiment": "\(experiment.name)", "fold": "\(k + 1)", "stage": "\(record.stage)"])
                try harness.report(.stageFinished(position, record: record, skipped: skipped))
            })
        return (try staged.makeTrainer(for: context, stageOutputs: outcome.outputs), outcome.records)
    }

    /// Restores the trainer from the fold's last epoch checkpoint, if any, and returns the saved history.
    private func resume(_ trainer: any FoldTrainer) throws -> [EpochRecord] {
        let url = directory.checkpointFile(k)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            try checkpoint.restore(model: trainer.model, optimizer: trainer.optimizer, scheduler: trainer.scheduler, source: url.path)
            guard let text = checkpoint.metadata[Self.historyKey],
                  let history = try? JSONCoding.decoder.decode([EpochRecord].self, from: Data(text.utf8)),
                  history.count == checkpoint.progress.epoch, history.count <= trainer.epochCount ?? context.epochs else {
                throw ExperimentError(.io, "\(url.path): the epoch history is missing or does not match the checkpoint")
            }
            return history
        } catch let error as ExperimentError {
            throw error
        } catch {
            throw ExperimentError(.io, "cannot resume from \(url.path): \(error). Delete the file to restart this fold.")
        }
    }

    private func saveCheckpoint(_ trainer: any FoldTrainer, history: [EpochRecord]) throws {
        let text = String(decoding: try JSONCoding.encoder.encode(history), as: UTF8.self)
        let checkpoint = TrainingCheckpoint(model: trainer.model, trainableWeightsOnly: true, optimizer: trainer.optimizer,
                                            scheduler: trainer.scheduler, progress: TrainingProgress(epoch: history.count),
                                            metadata: [Self.historyKey: text])
        do { try checkpoint.write(to: directory.checkpointFile(k)) } catch {
            throw ExperimentError(.io, "\(experiment.name), fold \(k + 1): cannot save the epoch checkpoint: \(error)")
        }
    }

    /// Scores the validation split after `epoch`.
    private func validate(_ trainer: any FoldTrainer, epoch: Int, trainLoss: Double, trainLosses: [String: Double]) throws -> EpochRecord {
        let labels = context.validation.map(\.label)
        let logits = try trainer.predict(context.validation)
        let scores = try Scores(logits: logits, labels: labels, classCount: context.classCount, what: "validation")
        return EpochRecord(epoch: epoch, trainLoss: trainLoss, validationLoss: scores.loss,
                           validationMacroF1: scores.report.macroF1, validationAccuracy: scores.report.accuracy,
                           validationBalancedAccuracy: scores.report.balancedAccuracy, trainLosses: trainLosses)
    }

    /// Restores the best epoch's weights and scores the test fold.
    private func evaluateBest(_ trainer: any FoldTrainer, history: [EpochRecord], stages: [StageRecord]?) throws -> FoldResult {
        guard let best = EpochRecord.best(of: history) else { preconditionFailure("a fold ends after at least one epoch") }
        let url = directory.bestWeightsFile(k)
        do {
            let saved = try TrainingCheckpoint(contentsOf: url)
            guard saved.metadata["epoch"] == String(best.epoch) else {
                throw ExperimentError(.io, "\(url.path) holds epoch \(saved.metadata["epoch"] ?? "?") but the best epoch is \(best.epoch + 1)")
            }
            try saved.restore(model: trainer.model, source: url.path)
        } catch let error as ExperimentError { throw error } catch {
            throw ExperimentError(.io, "cannot restore the best weights from \(url.path): \(error)")
        }
        let labels = context.test.map(\.label)
        let scores = try Scores(logits: try trainer.predict(context.test), labels: labels, classCount: context.classCount, what: "test")
        return FoldResult(fold: k, bestEpoch: best.epoch, trainCount: context.train.count, validationCount: context.validation.count,
                          testCount: context.test.count, sampleIDs: context.test.map(\.id),
                          patientIDs: context.test.map(\.patientID), labels: labels,
                          predictions: scores.predictions, probabilities: scores.probabilities, report: scores.report,
                          macroAUC: scores.macroAUC, history: history, stages: stages)
    }
}

/// Metrics of a set of logits: probabilities, predictions, cross-entropy, report, AUC.
struct Scores {
    let probabilities: [[Double]]
    let predictions: [Int]
    let loss: Double
    let report: ClassificationReport
    let macroAUC: Double?

    init(logits: Tensor, labels: [Int], classCount: Int, what: String) throws {
        guard logits.shape == [labels.count, classCount] else {
            throw ExperimentError(.invalidOption, "the model gave \(what) logits of shape \(logits.shape); expected [\(labels.count), \(classCount)]")
        }
        let probabilities = logits.softmax(axis: -1)
        let targets = Tensor(shape: [labels.count], scalars: labels.map(Float.init))
        loss = Double(Tensor.crossEntropy(logits: logits, targets: targets).item)
        let values = probabilities.scalars
        self.probabilities = labels.indices.map { i in (0..<classCount).map { Double(values[i * classCount + $0]) } }
        report = try ClassificationReport(labels: labels, scores: probabilities)
        predictions = labels.indices.map { i in
            (0..<classCount).reduce(0) { best, c in values[i * classCount + c] > values[i * classCount + best] ? c : best }
        }
        macroAUC = try ROCAUC.macroOneVsRest(labels: labels, scores: probabilities)
    }
}
