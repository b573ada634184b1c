import Foundation
import PRIMAAlign
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import PRIMAVision
import Testing

@Suite struct AlignedImageEncoderTests {
    /// A stage-2 model on the tiny DINOv3 with trained-looking (non-zero) adapters and a supervised head.
    static func trainedModel() throws -> (AlignmentModel, Linear) {
        let samples = AlignFixtures.samples(count: 4)
        var rng = RandomGenerator(seed: 6)
        let model = try AlignmentModel(imageEncoder: StageTwoSetupTests.tinyDINOv3(), metadataEncoder: AlignFixtures.textEncoder(for: samples),
                                       configuration: .init(sharedWidth: 16, imageHead: .init(depth: 3, hiddenWidth: 20)), using: &rng)
        try StageTwoSetup.prepare(model, image: .lora(.dinov3(rank: 4)), using: &rng)
        for (_, adapter) in LoRA.adapters(in: model.imageEncoder) {
            adapter.up.weight.value = Tensor.randomNormal(adapter.up.weight.shape, using: &rng) * 0.2
        }
        return (model, Linear(32, 3, using: &rng))
    }

    @Test func savedEncoderReloadsWithMergedWeightsAndTheSameOutputs() throws {
        let (model, classifier) = try Self.trainedModel()
        model.eval()
        let folder = try AlignFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("aligned.safetensors")
        var rng = RandomGenerator(seed: 12)
        let pixels = Tensor.randomNormal([2, 3, 8, 12], using: &rng)
        let expected = try noGrad { try model.projectImages(pixels) }
        let expectedRaw = try noGrad { try model.encodeImages(pixels) }
        let expectedLogits = noGrad { classifier(expectedRaw.global) }

        let manifest = try AlignedImageEncoder.save(model, classifier: classifier, stage: "supervised refinement", fold: 2, seed: 7, to: url)
        #expect(LoRA.adapters(in: model.imageEncoder).count == 4)  // saving does not change the model
        #expect(manifest.encoderKind == "DINOv3Model" && manifest.featureWidth == 32 && manifest.sharedWidth == 16)
        #expect(manifest.fold == 2 && manifest.seed == 7 && manifest.classCount == 3 && manifest.stage == "supervised refinement")
        #expect(manifest.headShapes["image_global_head.layers.1.weight"] == [20, 20] && manifest.headShapes["classifier.weight"] == [3, 32])
        #expect(abs(manifest.temperature - 0.07) < 1e-6)
        let onDisk = try JSONDecoder().decode(AlignedEncoderManifest.self, from: Data(contentsOf: folder.appendingPathComponent("aligned.json")))
        #expect(onDisk == manifest)
        let keys = try SafeTensorsFile(contentsOf: url).keys
        #expect(!keys.contains { $0.contains("lora_") || $0.hasPrefix("text_") })
        #expect(keys.contains("image_encoder.layer.0.attention.q_proj.weight") && keys.contains("classifier.bias"))

        let loaded = try AlignedImageEncoder(contentsOf: url, encoder: StageTwoSetupTests.tinyDINOv3(seed: 99))
        #expect(loaded.trainableParameters.isEmpty)
        let projected = noGrad { loaded.project(pixels) }
        #expect(maxScaledError(projected.global, expected.global) <= Tolerance.forward)
        #expect(maxScaledError(projected.tokens!, expected.tokens!) <= Tolerance.forward)
        #expect(maxScaledError(noGrad { loaded.encode(pixels).global }, expectedRaw.global) <= Tolerance.forward)
        #expect(maxScaledError(noGrad { loaded.classify(pixels)! }, expectedLogits) <= Tolerance.forward)
    }

    @Test func mismatchesAreNamedByFileAndKey() throws {
        let (model, _) = try Self.trainedModel()
        let folder = try AlignFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("aligned.safetensors")
        try AlignedImageEncoder.save(model, stage: "alignment", to: url)
        let manifestPath = folder.appendingPathComponent("aligned.json").path

        var wider = DINOv3Config.vitSmall16
        wider.hiddenSize = 48
        wider.intermediateSize = 64
        wider.numHiddenLayers = 1
        wider.numAttentionHeads = 2
        wider.patchSize = Size2D(4)
        var rng = RandomGenerator(seed: 1)
        #expect { try AlignedImageEncoder(contentsOf: url, encoder: DINOv3Model(config: wider, using: &rng)) }
            throws: { ($0 as? AlignedEncoderError)?.key == "featureWidth" && "\($0)".contains(manifestPath) }
        #expect { try AlignedImageEncoder(contentsOf: url, encoder: TinyConvEncoder(width: 32, using: &rng)) }
            throws: { ($0 as? AlignedEncoderError)?.key == "encoderKind" }
        var deeper = wider
        deeper.hiddenSize = 32
        deeper.numHiddenLayers = 2
        #expect { try AlignedImageEncoder(contentsOf: url, encoder: DINOv3Model(config: deeper, using: &rng)) }
            throws: { ($0 as? AlignedEncoderError)?.key == "encoderConfiguration" }
        // A base encoder that still has adapters: the weights file lacks their keys.
        let adapted = StageTwoSetupTests.tinyDINOv3()
        try adapted.applyLoRA(.dinov3(rank: 2), using: &rng)
        #expect { try AlignedImageEncoder(contentsOf: url, encoder: adapted) }
            throws: { "\($0)".contains(url.path) && "\($0)".contains("image_encoder.layer.0.attention.q_proj.lora_A.weight") }
        // No manifest.
        try FileManager.default.removeItem(atPath: manifestPath)
        #expect { try AlignedImageEncoder(contentsOf: url, encoder: StageTwoSetupTests.tinyDINOv3()) }
            throws: { ($0 as? AlignedEncoderError)?.key == "manifest" && "\($0)".contains(manifestPath) }
    }
}
