import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMATensor
import Testing

/// Held-out retrieval before and after PRIMA's alignment on the synthetic PAD-UFES-20 default (600 photos,
/// seed 0, the built-in small random encoders, ``AlignmentSettings/smallEncoders`` with 40 alignment epochs, the
/// default when the margins below were measured): fold 1 of five, exactly as
/// `prima-padufes --baseline prima-alignment --align-epochs 40` runs it. Minutes of training, so it runs only when
/// `PRIMA_SLOW_TESTS` is set, best in a release build:
/// `PRIMA_SLOW_TESTS=1 swift test -c release --filter AlignmentRetrievalTests`.
@Suite struct AlignmentRetrievalTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PRIMA_SLOW_TESTS"] != nil))
    func heldOutRecallRisesWithAlignment() throws {
        let folder = TemporaryDirectory()
        let data = try DatasetCache.syntheticPADUFES(imageCount: 600, seed: 0, in: folder.url)
        let samples = try PADUFESDataset(root: data).lesionSamples()
        let harness = try CrossValidation(samples: samples, classNames: PADUFES.schema.label.classes,
                                          configuration: .init(epochs: 1, seed: 0, outputDirectory: folder.url.appendingPathComponent("run")))
        let context = try harness.foldContext(0, assignment: harness.foldAssignment())
        var settings = AlignmentSettings.smallEncoders
        settings.epochs = 40
        let experiments = try BaselineChoice.experiments([.primaAlignment], schema: PADUFES.schema, samples: samples,
                                                         settings: TrainingSettings(), seed: 0, alignment: settings)
        let prima = try #require(experiments.first as? PRIMAAlignmentExperiment)
        #expect(prima.alignment == settings)
        let outcome = try StageRunner(stages: [prima.alignmentStage], context: context,
                                      folder: folder.url.appendingPathComponent("fold")).run()
        let record = try #require(outcome.records.first)
        func mean(_ metrics: [String: Double], _ a: String, _ b: String) -> Double { (metrics[a]! + metrics[b]!) / 2 }
        let r1 = (mean(record.heldOutBefore, RetrievalMetrics.imageToText1, RetrievalMetrics.textToImage1),
                  mean(record.heldOutAfter, RetrievalMetrics.imageToText1, RetrievalMetrics.textToImage1))
        let r5 = (mean(record.heldOutBefore, RetrievalMetrics.imageToText5, RetrievalMetrics.textToImage5),
                  mean(record.heldOutAfter, RetrievalMetrics.imageToText5, RetrievalMetrics.textToImage5))
        // Measured with the same settings through prima-padufes (fold 1, 86 test lesions, chance recall@1 0.012):
        // recall@1 0.000 → 0.052, recall@5 0.035 → 0.163 (means of both directions).
        #expect(r1.1 >= r1.0 + 0.02, "recall@1 \(r1.0) → \(r1.1)")
        #expect(r5.1 >= r5.0 + 0.07, "recall@5 \(r5.0) → \(r5.1)")
    }
}
