import Foundation
import PRIMAAlign
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMAVision
import Testing

/// PRIMA's own stage-2 setup on DINOv3 and the text encoder: LoRA rank 32 on q/k/v/o, a merged stage-1 adapter.
@Suite struct StageTwoSetupTests {
    static func tinyDINOv3(seed: UInt64 = 1) -> DINOv3Model {
        var config = DINOv3Config.vitSmall16
        config.hiddenSize = 32
        config.intermediateSize = 64
        config.numHiddenLayers = 1
        config.numAttentionHeads = 2
        config.patchSize = Size2D(4)
        var rng = RandomGenerator(seed: seed)
        return DINOv3Model(config: config, using: &rng)
    }

    @Test func dinov3GetsRank32AdaptersAndOnlyAdaptersAndHeadsTrain() throws {
        let samples = AlignFixtures.samples(count: 8)
        var rng = RandomGenerator(seed: 2)
        let model = try AlignmentModel(imageEncoder: Self.tinyDINOv3(), metadataEncoder: AlignFixtures.textEncoder(for: samples),
                                       configuration: .init(sharedWidth: 16), using: &rng)
        let adapted = try StageTwoSetup.prepare(model, using: &rng)
        #expect(adapted.count == 4 && adapted.allSatisfy { ["q_proj", "k_proj", "v_proj", "o_proj"].contains($0.split(separator: ".").last!) })
        #expect(LoRA.adapters(in: model.imageEncoder).allSatisfy { $0.adapter.rank == 32 })
        let trainable = model.namedParameters().filter { !$0.parameter.isFrozen }.map(\.key)
        #expect(trainable.allSatisfy { $0.contains(".lora_") || $0.contains("_head.") })
        #expect(trainable.filter { $0.contains("_head.") }.count == 16)  // four heads of two Linear layers
        // One step through the trainer with the tiny DINOv3 (8×8 images, 4×4 patches → a 2×2 grid).
        let trainer = try AlignmentTrainer(model: model, objective: AlignmentObjective([.init(weight: 1, loss: TestContrastiveLoss())]),
                                           loader: AlignFixtures.loader(samples), configuration: .init(epochs: 1))
        var records: [TrainingStepRecord] = []
        trainer.onStep = { records.append($0) }
        try trainer.train()
        #expect(records.count == 2 && records.allSatisfy { $0.total.isFinite })
    }

    @Test func aStageOneAdapterIsAppliedAndMergedIntoTheTextEncoder() throws {
        let samples = AlignFixtures.samples(count: 4)
        let texts = samples.map { AlignFixtures.renderer.render($0.metadata) }
        let folder = try AlignFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A "stage-1" adapter: non-zero B so that it changes the features.
        let lora = LoRA.Configuration(rank: 2, alpha: 4, targets: [])
        let trained = try AlignFixtures.textEncoder(for: samples)
        var rng = RandomGenerator(seed: 3)
        try trained.applyLoRA(lora, using: &rng)
        for (_, adapter) in LoRA.adapters(in: trained) { adapter.up.weight.value = Tensor.randomNormal(adapter.up.weight.shape, using: &rng) * 0.3 }
        let url = folder.appendingPathComponent("text-lora.safetensors")
        try SafeTensors.write(LoRA.adapterStateDict(of: trained), to: url)
        let expected = try noGrad { try trained.encode(texts).cls }

        let encoder = try AlignFixtures.textEncoder(for: samples)
        let baseKeys = Set(encoder.stateDict().keys)
        try StageTwoSetup.prepareTextEncoder(encoder, stageOneAdapters: url, configuration: lora)
        #expect(Set(encoder.stateDict().keys) == baseKeys)
        #expect(encoder.trainableParameters.isEmpty && !encoder.isTraining)
        let features = try noGrad { try encoder.encode(texts).cls }
        let error = zip(features.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        #expect(error <= 1e-5)
        // A wrong adapter file is named.
        let other = try AlignFixtures.textEncoder(for: samples)
        #expect { try StageTwoSetup.prepareTextEncoder(other, stageOneAdapters: url, configuration: LoRA.Configuration(rank: 3, alpha: 3, targets: [])) }
            throws: { "\($0)".contains(url.path) && "\($0)".contains("lora_A.weight") }
    }
}
