import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMANN
import PRIMATensor

/// A fresh directory under the system temp folder, removed when the test is done with it.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-experiments-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A small synthetic PAD-UFES-20 (60 photos of 16–24 pixels), generated once for all tests.
enum TinyPADUFES {
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-experiments-tiny-\(UUID().uuidString)")
        try! SyntheticPADUFES.write(to: url, .init(imageCount: 60, seed: 3, imageSides: 16...24))
        return url
    }()

    static let samples: [DatasetSample] = try! PADUFESDataset(root: root).lesionSamples()
    static var classNames: [String] { PADUFES.schema.label.classes }

    /// A harness over the tiny dataset writing into `output`.
    static func harness(output: URL, epochs: Int = 3, folds: Int = 3, seed: UInt64 = 1) throws -> CrossValidation {
        var harness = try CrossValidation(samples: samples, classNames: classNames,
                                          configuration: .init(folds: folds, epochs: epochs, seed: seed, validationFraction: 0.25,
                                                               outputDirectory: output))
        harness.logger.logLevel = .warning
        return harness
    }

    /// The image+metadata placeholder baseline with small batches and 8-pixel images: quick, and it has
    /// dropout, an optimiser and a schedule whose state must survive a resume.
    static func experiment(learningRate: Double = 3e-3, name: String = "tiny",
                           testTimeReevaluation: TestTimeReevaluation = .unsupported) -> ClassifierExperiment {
        let schema = PADUFES.schema
        let pipeline = BatchPipeline(schema: schema, trainTransform: ImageStatistics.resizeTransform(side: 8, augment: true),
                                     evaluationTransform: ImageStatistics.resizeTransform(side: 8, augment: false), workerCount: 1)
        let classCount = schema.label.classes.count
        let width = ImageStatistics.featureCount + MetadataVectorEncoder(schema: schema).dimension - classCount
        let features: @Sendable (TwoViewBatch) -> Tensor = { batch in
            Tensor.concat([ImageStatistics.features(of: batch.view1), batch.metadataFeatures(classCount: classCount)], axis: 1)
        }
        return ClassifierExperiment(name: name, title: name == "tiny" ? "Tiny MLP" : "Tiny MLP (\(name))",
                                    settings: TrainingSettings(batchSize: 8, learningRate: learningRate),
                                    pipeline: pipeline, modelFingerprint: ["kind": "tiny"],
                                    testTimeReevaluation: testTimeReevaluation) { context in
            let standardization = try FeatureStandardization.fit(features, samples: context.train, pipeline: pipeline, seed: context.seed)
            var rng = RandomGenerator(seed: context.seed)
            return FeatureHeadClassifier(featureCount: width, hiddenSizes: [16], classCount: classCount, dropout: 0.2,
                                         standardization: standardization, features: features, using: &rng)
        }
    }
}

/// Records the events of a run.
final class EventLog: @unchecked Sendable {
    private(set) var events: [ProgressEvent] = []
    func record(_ event: ProgressEvent) { events.append(event) }

    var skippedFolds: [Int] { events.compactMap { if case let .foldSkipped(p) = $0 { return p.fold } else { return nil } } }
    var resumedEpochs: [Int: Int] {
        var out: [Int: Int] = [:]
        for case let .foldStarted(p, _, resumed?) in events { out[p.fold] = resumed }
        return out
    }
    var trainedEpochs: [(fold: Int, epoch: Int)] {
        events.compactMap { if case let .epochFinished(p, record, _, _, _) = $0 { return (p.fold, record.epoch) } else { return nil } }
    }
}
