import Foundation
import PRIMAAlign
import PRIMAData
@testable import PRIMAExperiments
import PRIMANN
import PRIMATensor
import PRIMAVision
import Testing

/// Delegates to a stage and records the ids of the samples it was given to train on.
final class ObservedStage: FoldStage, @unchecked Sendable {
    let inner: any FoldStage
    private(set) var trainedOn: [Int: [String]] = [:]
    init(_ inner: any FoldStage) { self.inner = inner }
    var name: String { inner.name }
    var fingerprint: [String: String] { inner.fingerprint }
    func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord] {
        trainedOn[input.fold, default: []] += input.train.map(\.id)
        return try inner.run(input, output: output, onEpoch: onEpoch)
    }
    func evaluateHeldOut(_ input: StageInput, trained: URL?, samples: [DatasetSample]) throws -> [String: Double] {
        try inner.evaluateHeldOut(input, trained: trained, samples: samples)
    }
}

/// The PRIMA experiment with every stage observed.
struct ObservedPRIMA: StagedFoldExperiment {
    let inner: PRIMAAlignmentExperiment
    let observed: [ObservedStage]
    init(_ inner: PRIMAAlignmentExperiment) {
        self.inner = inner
        observed = inner.stages.map(ObservedStage.init)
    }
    var name: String { inner.name }
    var title: String { inner.title }
    var fingerprint: [String: String] { inner.fingerprint }
    var stages: [any FoldStage] { observed }
    func makeTrainer(for context: FoldContext, stageOutputs: [String: URL]) throws -> any FoldTrainer {
        try inner.makeTrainer(for: context, stageOutputs: stageOutputs)
    }
}

enum TinyPRIMA {
    static func experiment(epochs: Int, supervisedEpochs: Int, learningRate: Double = 3e-3) throws -> PRIMAAlignmentExperiment {
        let encoders = try TinyEncoders.baselines()
        let settings = AlignmentSettings(epochs: epochs, batchSize: 12, learningRate: learningRate, weightDecay: 1e-2, projectionWidth: 16,
                                         supervisedEpochs: supervisedEpochs, supervisedLearningRate: 1e-2)
        return PRIMAAlignmentExperiment(vision: encoders.vision, text: encoders.text!, schema: PADUFES.schema, lora: encoders.lora,
                                        alignment: settings, training: TinyEncoders.settings)
    }
}

@Suite struct PRIMAAlignmentTests {
    @Test("stage 2 trains on each fold's training split only: never a validation or test sample")
    func stagesNeverSeeHeldOutSamples() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        let experiment = ObservedPRIMA(try TinyPRIMA.experiment(epochs: 1, supervisedEpochs: 1))
        #expect(experiment.observed.map(\.name) == ["alignment", "supervised"])
        let result = try harness.run(experiment)
        let assignment = try harness.foldAssignment()
        for k in 0..<2 {
            let context = try harness.foldContext(k, assignment: assignment)
            let heldOut = Set((context.validation + context.test).map(\.id))
            for stage in experiment.observed {
                let seen = try #require(stage.trainedOn[k])
                #expect(Set(seen) == Set(context.train.map(\.id)), "\(stage.name), fold \(k + 1)")
                #expect(heldOut.isDisjoint(with: seen), "\(stage.name), fold \(k + 1)")
            }
        }
        for fold in result.folds {
            let alignment = try #require(fold.stages?.first)
            #expect(alignment.stage == "alignment")
            #expect(alignment.heldOutAfter[RetrievalMetrics.candidates] == Double(fold.testCount))
            #expect(Set(alignment.history[0].losses.keys) == ["total", "image_consistency", "global_semantic", "local_semantic", "soft_semantic"])
        }
        #expect(ResultsTable.stages(result)?.contains("image_to_text_recall@1") == true)

        // Heatmaps of fold 1's held-out samples from the saved alignment: decodable PNGs, one panel per word.
        let files = try experiment.inner.writeHeatmaps(count: 2, samples: TinyPADUFES.samples, assignment: assignment, runRoot: output.url)
        #expect(files.count == 2)
        for file in files {
            let figure = try PNGDecoder.read(file)
            #expect(figure.width > 0 && figure.height > AttentionHeatmap().panelSide)
        }
    }

    @Test("mean pooling and training-split standardisation: the model's encoders give centred, unit-variance global features")
    func standardisedMeanPooledFeatures() throws {
        var settings = try TinyPRIMA.experiment(epochs: 1, supervisedEpochs: 0).alignment
        settings.imagePooling = .mean
        settings.textPooling = .mean
        settings.standardizesFeatures = true
        let tiny = try TinyPRIMA.experiment(epochs: 1, supervisedEpochs: 0)
        let stage = AlignmentStage(vision: tiny.vision, text: tiny.text, lora: tiny.lora, settings: settings, pipeline: tiny.pipeline)
        let samples = Array(TinyPADUFES.samples.prefix(16))
        let (model, image, scaling) = try stage.loadModel(StageInput(fold: 0, train: samples, classNames: [], seed: 3), trained: nil)
        #expect(scaling != nil)
        var batches = tiny.pipeline.loader(samples, batchSize: samples.count, training: false, seed: 0).epoch(0)
        let batch = try #require(try batches.next())
        let (images, texts) = try noGrad { (try model.encodeImages(batch.view1), try model.metadataEncoder.encodeMetadata(batch.texts)) }
        for (name, global) in [("image", images.global), ("text", texts.cls)] {
            let mean = global.mean(axis: 0).scalars, variance = (global * global).mean(axis: 0).scalars
            #expect(mean.allSatisfy { abs($0) < 1e-3 }, "\(name) means \(mean.prefix(4))")
            // Unit variance, or 0 for a dimension the statistics left unscaled (constant across samples).
            #expect(variance.allSatisfy { abs($0 - 1) < 1e-2 || $0 < 1e-6 }, "\(name) variances \(variance.prefix(4))")
        }
        // The image's global feature is the scaled mean of its raw patch tokens, not its CLS.
        image.scaling = nil
        let raw = noGrad { image.backbone.encodeImages(batch.view1) }
        let pooled = noGrad { image.encodeImages(batch.view1).global }
        #expect(pooled.scalars == raw.tokens!.mean(axis: 1).scalars)
    }
}
