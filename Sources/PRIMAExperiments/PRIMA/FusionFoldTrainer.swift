import Foundation
import PRIMAAlign
import PRIMAData
import PRIMAFusion
import PRIMANN
import PRIMATensor

/// PRIMA's stage 3 as the classifier of a fold: PRIMAFusion's `FusionTrainer` on the fold's frozen stage-2
/// features, one epoch per harness epoch, so that the harness validates every epoch, keeps the best one by
/// validation macro F1, checkpoints (classifier, optimiser, schedule) and resumes exactly as for any classifier.
///
/// The features of the training, validation and test samples are computed once per fold (``FusionFeatures``) and
/// kept in the fold folder (``FusionFeatureCache``), so a resumed fold reads them back; the classifier reads only those.
final class FusionFoldTrainer: FoldTrainer {
    /// Stage 3's trainer (no validation set of its own: the harness selects).
    let trainer: FusionTrainer
    /// The features of the fold's training, validation and test samples.
    let featureSets: [FusionFeatureSet]
    /// Whether the features were read from the fold folder rather than computed.
    let featuresWereCached: Bool
    /// The fold folder's feature file, deleted by the harness when the fold is finished; none outside a run.
    let scratchFiles: [URL]
    private var losses: [String: Double] = [:]

    init(trainer: FusionTrainer, featureSets: [FusionFeatureSet], featuresWereCached: Bool = false, scratchFiles: [URL] = []) {
        self.trainer = trainer
        self.featureSets = featureSets
        self.featuresWereCached = featuresWereCached
        self.scratchFiles = scratchFiles
    }

    var model: Module { trainer.classifier }
    var optimizer: (any Optimizer)? { trainer.optimizer }
    var scheduler: LearningRateScheduler? { trainer.scheduler }
    var stepsPerEpoch: Int { (trainer.training.count + trainer.settings.batchSize - 1) / trainer.settings.batchSize }
    var epochCount: Int? { trainer.settings.epochs }
    var lastEpochLosses: [String: Double] { losses }

    func trainEpoch(_ epoch: Int, onStep: (Int, Double) -> Void) throws -> Double {
        let summary: FusionEpochSummary
        do {
            summary = try withoutActuallyEscaping(onStep) { onStep in
                trainer.onStep = { onStep($0.step, $0.total) }
                defer { trainer.onStep = nil }
                return try trainer.trainEpoch(epoch)
            }
        } catch let error as TrainingDivergedError {
            // Nothing was changed by the failing step; the harness stops the run with its divergence message.
            return error.value.isFinite ? .infinity : error.value
        } catch let error as FusionError {
            throw ExperimentError(.invalidOption, "stage 3: \(error)")
        }
        losses = Dictionary(summary.losses.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return summary.meanLoss
    }

    /// Log-probabilities (whose softmax is the classifier's class probabilities) of the fold's validation or test samples.
    func predict(_ samples: [DatasetSample]) throws -> Tensor {
        let ids = samples.map(\.id)
        guard let set = featureSets.first(where: { $0.ids == ids }) else {
            throw ExperimentError(.invalidOption, "stage 3 scores the fold's own splits only; \(samples.count) other samples were given")
        }
        do {
            let probabilities = try FusionTrainer.probabilities(of: trainer.classifier, for: set, batchSize: trainer.settings.batchSize)
            return probabilities.clamped(min: 1e-30).log()
        } catch let error as FusionError {
            throw ExperimentError(.invalidOption, "stage 3: \(error)")
        }
    }
}

/// The frozen stage-2 encoders' features of samples, as stage 3 reads them.
enum FusionFeatures {
    /// Features of `samples` (evaluation transform) under `image` and the model's metadata encoder, in batches of 32.
    /// - Parameter views: 1 (view 1) or 2 (both views of the evaluation loader).
    /// - Throws: the loader's errors (unreadable photos), ``ExperimentError`` for features stage 3 cannot use.
    static func compute(_ samples: [DatasetSample], model: AlignmentModel, image: PooledImageEncoder, views: Int,
                        pipeline: BatchPipeline) throws -> FusionFeatureSet {
        model.eval()
        var parts: [FusionFeatureSet] = []
        var batches = pipeline.loader(samples, batchSize: 32, training: false, seed: 0, views: views).epoch(0)
        do {
            while let batch = try batches.next() {
                let picked = batch.sampleIndices.map { samples[$0] }
                parts.append(try noGrad {
                    var imageViews = [image.encodeImages(batch.view1)]
                    if views >= 2 { imageViews.append(image.encodeImages(batch.view2)) }
                    return try FusionFeatureSet(ids: picked.map(\.id), labels: picked.map(\.label), views: imageViews,
                                                text: try model.metadataEncoder.encodeMetadata(batch.texts))
                })
            }
            return try FusionFeatureSet.concatenating(parts)
        } catch let error as FusionError {
            throw ExperimentError(.invalidOption, "stage 3 features: \(error)")
        }
    }
}
