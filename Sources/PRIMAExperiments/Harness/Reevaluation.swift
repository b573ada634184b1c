import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor

/// A named alteration of test samples for ``CrossValidation/reevaluate(_:variants:)``: it may change a
/// sample's inputs (its metadata), never its id, patient, photos or label.
public struct TestVariant: Sendable {
    /// The variant's name (`without age`).
    public let name: String
    /// The altered copy of a sample.
    public let alter: @Sendable (DatasetSample) -> DatasetSample

    /// A variant named `name`.
    public init(name: String, alter: @escaping @Sendable (DatasetSample) -> DatasetSample) {
        self.name = name
        self.alter = alter
    }
}

/// One fold's test scores under one ``TestVariant``.
public struct VariantScores: Sendable, Equatable, Codable {
    /// The fold, 0-based.
    public let fold: Int
    /// The test metrics.
    public let report: ClassificationReport
    /// Softmax probabilities [N][K], in the order of the fold's test samples.
    public let probabilities: [[Double]]
}

extension CrossValidation {
    /// The largest gap allowed between a fold's saved test probabilities and those of its rebuilt model on the
    /// same, unaltered samples (float32 models, possibly batched differently).
    static let reevaluationTolerance = 1e-4

    /// Scores every finished fold of `experiment` again on altered copies of its test samples: the model of
    /// the fold's best epoch (`best.safetensors`, kept by ``Configuration/keepBestWeights``) is rebuilt as
    /// ``FoldExperiment/testTimeReevaluation`` allows, and each variant's test samples go through it once, in
    /// the test split's order (as the fold's own evaluation did: the photo a sample with several is shown by
    /// depends on its position).
    ///
    /// The unaltered test samples go through it as well, and must reproduce the fold's saved probabilities:
    /// otherwise the experiment does not predict from the samples it is given and the call throws.
    /// - Returns: per variant (in order), each fold's scores.
    /// - Throws: ``ExperimentError`` `.invalidOption` for an experiment that does not support it or a variant
    ///   that changes more than inputs, `.io` for an unfinished fold or missing weights or stages, and the
    ///   experiment's own errors.
    public func reevaluate(_ experiment: some FoldExperiment, variants: [TestVariant]) throws -> [[VariantScores]] {
        // The products the folds were trained and scored with, so the saved probabilities are reproduced.
        try inProductsScope { try reevaluateInScope(experiment, variants: variants) }
    }

    private func reevaluateInScope(_ experiment: some FoldExperiment, variants: [TestVariant]) throws -> [[VariantScores]] {
        guard experiment.testTimeReevaluation == .rebuildTrainer else {
            throw ExperimentError(.invalidOption, "'\(experiment.name)' cannot be re-scored on altered test samples (\(experiment.testTimeReevaluation.rawValue))")
        }
        let lock = try RunLock(directory: configuration.outputDirectory)
        defer { withExtendedLifetime(lock) {} }
        let assignment = try foldAssignment()
        let directory = RunDirectory(root: configuration.outputDirectory, experiment: experiment.name)
        var perVariant = [[VariantScores]](repeating: [], count: variants.count)
        for k in 0..<configuration.folds {
            guard FileManager.default.fileExists(atPath: directory.resultFile(k).path) else {
                throw ExperimentError(.io, "'\(experiment.name)' fold \(k + 1) is not finished (\(directory.resultFile(k).path) is missing); run the cross-validation first")
            }
            let saved = try RunDirectory.readJSON(FoldResult.self, from: directory.resultFile(k))
            let context = try foldContext(k, assignment: assignment, directory: directory)
            let altered = try variants.map { variant in
                try context.test.map { sample in
                    let copy = variant.alter(sample)
                    guard copy.id == sample.id, copy.patientID == sample.patientID, copy.label == sample.label,
                          copy.imagePaths == sample.imagePaths else {
                        throw ExperimentError(.invalidOption, "test variant '\(variant.name)' changed more than the inputs of sample '\(sample.id)'")
                    }
                    return copy
                }
            }
            // One trainer for all variants: built with every altered sample in its test split, so that whatever the
            // experiment prepares for the test samples (text embeddings) covers them.
            let wide = FoldContext(fold: k, foldCount: context.foldCount, train: context.train, validation: context.validation,
                                   test: context.test + altered.flatMap { $0 }, classNames: classNames, epochs: context.epochs,
                                   seed: context.seed, directory: context.directory)
            let trainer = try rebuiltTrainer(experiment, context: wide, directory: directory)
            // Each variant alone, in the test split's order: the loader's choice of photo for a sample with several
            // depends on its position, which must be the same as in the fold's own evaluation.
            func scores(_ samples: [DatasetSample]) throws -> VariantScores {
                let s = try Scores(logits: try trainer.predict(samples), labels: samples.map(\.label), classCount: classNames.count,
                                   what: "re-evaluated test")
                return VariantScores(fold: k, report: s.report, probabilities: s.probabilities)
            }
            let intact = try scores(context.test)
            let gap = zip(intact.probabilities.joined(), saved.probabilities.joined()).map { abs($0 - $1) }.max() ?? 0
            guard saved.sampleIDs == context.test.map(\.id), gap <= Self.reevaluationTolerance else {
                throw ExperimentError(.invalidOption, "'\(experiment.name)' fold \(k + 1): the rebuilt model does not reproduce the saved test predictions (largest probability gap \(gap)); the experiment does not predict from the samples it is given, so it cannot be re-scored")
            }
            for v in variants.indices { perVariant[v].append(try scores(altered[v])) }
        }
        return perVariant
    }

    /// The fold's trainer with its best epoch's weights: its earlier stages (which must be complete) first,
    /// for a staged experiment.
    private func rebuiltTrainer(_ experiment: some FoldExperiment, context: FoldContext, directory: RunDirectory) throws -> any FoldTrainer {
        let k = context.fold
        let trainer: any FoldTrainer
        if let staged = experiment as? any StagedFoldExperiment {
            let folder = directory.foldDirectory(k)
            if let missing = staged.stages.first(where: { !FileManager.default.fileExists(atPath: StageRunner.recordFile($0.name, in: folder).path) }) {
                throw ExperimentError(.io, "'\(experiment.name)' fold \(k + 1): stage '\(missing.name)' is not in \(folder.path); it cannot be re-scored without retraining")
            }
            let outcome = try StageRunner(stages: staged.stages, context: context, folder: folder).run()
            trainer = try staged.makeTrainer(for: context, stageOutputs: outcome.outputs)
        } else {
            trainer = try experiment.makeTrainer(for: context)
        }
        let url = directory.bestWeightsFile(k)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ExperimentError(.io, "'\(experiment.name)' fold \(k + 1): the best epoch's weights (\(url.path)) were not kept; run with keepBestWeights to re-score the folds")
        }
        do {
            try TrainingCheckpoint(contentsOf: url).restore(model: trainer.model, source: url.path)
        } catch {
            throw ExperimentError(.io, "cannot restore the best weights from \(url.path): \(ExperimentError.describe(error))")
        }
        return trainer
    }
}
