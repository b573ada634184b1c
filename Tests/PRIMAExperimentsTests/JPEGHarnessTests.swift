import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMAVision
import Testing

@Suite("JPEG photos through the harness")
struct JPEGHarnessTests {
    @Test("the image-only baseline trains and evaluates on an AQUA-layout dataset of JPEG photos")
    func imageOnlyOnJPEG() throws {
        let folder = TemporaryDirectory()
        let root = folder.url.appendingPathComponent("data")
        try SyntheticAQUA.write(to: root, .init(patientCount: 20, seed: 2, photosPerPatient: 2...2, imageSides: 16...24))
        let dataset = try AQUADataset(root: root)
        #expect(dataset.photos.allSatisfy { $0.url.pathExtension == "jpg" })
        let first = try Data(contentsOf: dataset.photos[0].url)
        #expect(ImageDecoder.sniffFormat(first) == .jpeg)

        let samples = dataset.patientSamples()
        var harness = try CrossValidation(samples: samples, classNames: dataset.schema.label.classes,
                                          configuration: .init(folds: 2, epochs: 1, seed: 1, validationFraction: 0.25,
                                                               outputDirectory: folder.url.appendingPathComponent("out")))
        harness.logger.logLevel = .warning
        let vision = try VisionBackbone(randomWeights: TinyEncoders.visionConfig, seed: 3)
        let baselines = EncoderBaselines(vision: vision, text: nil, lora: .dinov3(rank: 4))
        let result = try harness.run(baselines.imageOnly(schema: dataset.schema, settings: TinyEncoders.settings))
        #expect(result.folds.count == 2)
        #expect(result.folds.map(\.testCount).reduce(0, +) == samples.count)
        for fold in result.folds {
            #expect(fold.probabilities.allSatisfy { row in row.allSatisfy(\.isFinite) && abs(row.reduce(0, +) - 1) < 1e-4 })
        }
    }
}
