import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import Testing

@Suite struct AlignmentTrainerTests {
    static let fast = OptimizationSettings(learningRate: 5e-3, weightDecay: 1e-3, warmupRatio: 0.1, gradientClipNorm: 1)

    static func objective() -> AlignmentObjective {
        AlignmentObjective([.init(weight: 0.7, loss: TestContrastiveLoss()), .init(weight: 0.3, loss: PairedDistanceLoss())])
    }

    @Test func logsEveryTermPerStepAndEpochMeans() throws {
        let samples = AlignFixtures.samples(count: 8)
        let model = try AlignFixtures.model(samples: samples)
        let trainer = try AlignmentTrainer(model: model, objective: Self.objective(), loader: AlignFixtures.loader(samples),
                                           configuration: .init(epochs: 2, optimization: Self.fast))
        var steps: [TrainingStepRecord] = [], epochs: [TrainingEpochSummary] = []
        trainer.onStep = { steps.append($0) }
        trainer.onEpoch = { epochs.append($0) }
        let summaries = try trainer.train()
        #expect(steps.count == 4 && summaries.count == 2 && epochs == summaries && trainer.history == summaries)
        #expect(steps.map(\.globalStep) == [1, 2, 3, 4])
        for step in steps {
            #expect(step.terms.map(\.name) == ["test_contrastive", "paired_distance"])
            let weighted = 0.7 * step.terms[0].value + 0.3 * step.terms[1].value
            #expect(abs(weighted - step.total) <= 1e-5 * max(1, abs(step.total)))
            #expect(step.gradientNorm > 0 && step.gradientNorm.isFinite)
        }
        // Warm-up: the first step runs at learning rate 0 (ceil(10% of 4) = 1 warm-up step), then the peak.
        #expect(steps[0].learningRate == 0 && abs(steps[1].learningRate - 5e-3) < 1e-12)
        let first = steps.filter { $0.epoch == 0 }
        #expect(abs(summaries[0].mean(of: "paired_distance")! - first.map { $0.terms[1].value }.reduce(0, +) / 2) < 1e-12)
        #expect(trainer.progress.epoch == 2 && trainer.progress.globalStep == 4)
        // Training more than configured is a no-op.
        #expect(try trainer.train().isEmpty)
    }

    @Test func onlyHeadsAndUnfrozenEncoderPartsTrain() throws {
        let samples = AlignFixtures.samples(count: 8)
        let model = try AlignFixtures.model(samples: samples, image: .lora(LoRA.Configuration(rank: 2, alpha: 2, targets: ["proj"])))
        let trainer = try AlignmentTrainer(model: model, objective: Self.objective(), loader: AlignFixtures.loader(samples),
                                           configuration: .init(epochs: 1, optimization: Self.fast))
        #expect(trainer.trainableKeys.allSatisfy { $0.contains("_head.") || $0.contains("lora_") })
        #expect(trainer.trainableKeys.contains("image_encoder.proj.lora_A.weight"))
        #expect(!trainer.trainableKeys.contains { $0.hasPrefix("text_encoder.") || $0.hasPrefix("temperature") })
        let before = model.stateDict()
        try trainer.train()
        for (key, value) in model.stateDict() {
            let changed = value.scalars != before[key]!.scalars
            // lora_A gets a zero gradient while lora_B is still zero; the local heads get none from these global losses.
            if key.contains("lora_A") || key.contains("_local_head.") { continue }
            #expect(changed == trainer.trainableKeys.contains(key), "\(key)")
        }
    }

    @Test func learnableTemperatureTrains() throws {
        let samples = AlignFixtures.samples(count: 8)
        let model = try AlignFixtures.model(samples: samples, learnableTemperature: true)
        let trainer = try AlignmentTrainer(model: model, objective: Self.objective(), loader: AlignFixtures.loader(samples),
                                           configuration: .init(epochs: 1, optimization: Self.fast))
        #expect(trainer.trainableKeys.contains("temperature.log_temperature"))
        let tau = model.temperature.value.item
        try trainer.train()
        #expect(model.temperature.value.item != tau)
    }

    @Test func resumingFromACheckpointIsBitIdentical() throws {
        let samples = AlignFixtures.samples(count: 12)
        let folder = try AlignFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func trainer(_ checkpoint: URL?) throws -> AlignmentTrainer {
            try AlignmentTrainer(model: AlignFixtures.model(samples: samples, image: .lora(LoRA.Configuration(rank: 2, alpha: 2, targets: ["proj"])),
                                                            learnableTemperature: true),
                                 objective: Self.objective(), loader: AlignFixtures.loader(samples),
                                 configuration: .init(epochs: 3, optimization: Self.fast, checkpointURL: checkpoint))
        }
        let straight = try trainer(nil)
        try straight.train()

        let url = folder.appendingPathComponent("stage2.safetensors")
        let first = try trainer(url)
        try first.train(untilEpoch: 1)
        #expect(first.progress.epoch == 1)

        let resumed = try trainer(url)
        try resumed.resume(from: url)
        #expect(resumed.progress == first.progress && resumed.history == first.history)
        try resumed.train()
        #expect(resumed.history == straight.history)
        #expect(AlignFixtures.trainableState(resumed.model) == AlignFixtures.trainableState(straight.model))
        #expect(resumed.model.stateDict().mapValues(\.scalars) == straight.model.stateDict().mapValues(\.scalars))
    }

    @Test func aNonFiniteTermStopsTrainingAndKeepsTheLastGoodCheckpoint() throws {
        let samples = AlignFixtures.samples(count: 8)
        let folder = try AlignFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("stage2.safetensors")
        let model = try AlignFixtures.model(samples: samples)
        // 2 batches per epoch: call 4 is the second step of epoch 2.
        let poisoned = PoisonedLoss(PairedDistanceLoss(), poisonFromCall: 4)
        let objective = AlignmentObjective([.init(weight: 1, loss: TestContrastiveLoss()), .init(weight: 1, loss: poisoned)])
        let trainer = try AlignmentTrainer(model: model, objective: objective, loader: AlignFixtures.loader(samples),
                                           configuration: .init(epochs: 3, optimization: Self.fast, checkpointURL: url))
        var afterFirstEpoch: [String: [Float]] = [:]
        trainer.onEpoch = { _ in afterFirstEpoch = AlignFixtures.trainableState(model) }
        var stepsAfterEpoch = 0
        trainer.onStep = { if $0.epoch == 1 { stepsAfterEpoch += 1 } }
        do {
            try trainer.train()
            Issue.record("training went on through a NaN loss")
        } catch let error as TrainingDivergedError {
            #expect(error.term == "poisoned" && error.value.isNaN && error.epoch == 1 && error.step == 1)
            #expect(error.lastCheckpoint == url.path)
            #expect("\(error)".contains("poisoned") && "\(error)".contains("learning rate") && "\(error)".contains(url.path))
        }
        #expect(stepsAfterEpoch == 1 && trainer.progress.epoch == 1)
        let saved = try TrainingCheckpoint(contentsOf: url)
        #expect(saved.progress.epoch == 1)
        #expect(saved.weights.mapValues(\.scalars) == afterFirstEpoch)
        // A fresh trainer resumes from it (same objective: the checkpoint records it).
        let sameObjective = AlignmentObjective([.init(weight: 1, loss: TestContrastiveLoss()),
                                                .init(weight: 1, loss: PoisonedLoss(PairedDistanceLoss(), poisonFromCall: .max))])
        let fresh = try AlignmentTrainer(model: AlignFixtures.model(samples: samples), objective: sameObjective,
                                         loader: AlignFixtures.loader(samples), configuration: .init(epochs: 3, optimization: Self.fast))
        try fresh.resume(from: url)
        #expect(AlignFixtures.trainableState(fresh.model) == afterFirstEpoch)
        // A run that would not continue the same batches or schedule is refused, by field.
        let otherSeed = try AlignmentTrainer(model: AlignFixtures.model(samples: samples), objective: sameObjective,
                                             loader: AlignFixtures.loader(samples, seed: 99), configuration: .init(epochs: 3, optimization: Self.fast))
        #expect { try otherSeed.resume(from: url) } throws: { "\($0)".contains("loader_seed") && "\($0)".contains(url.path) }
        let longer = try AlignmentTrainer(model: AlignFixtures.model(samples: samples), objective: sameObjective,
                                          loader: AlignFixtures.loader(samples), configuration: .init(epochs: 5, optimization: Self.fast))
        #expect { try longer.resume(from: url) } throws: { "\($0)".contains("epochs") }
        let otherLoss = try AlignmentTrainer(model: AlignFixtures.model(samples: samples), objective: Self.objective(),
                                             loader: AlignFixtures.loader(samples), configuration: .init(epochs: 3, optimization: Self.fast))
        #expect { try otherLoss.resume(from: url) } throws: { "\($0)".contains("objective") }
    }

    @Test func badSettingsAreThrownWithTheirNames() throws {
        let samples = AlignFixtures.samples(count: 8)
        let model = try AlignFixtures.model(samples: samples)
        let loader = AlignFixtures.loader(samples)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try AlignmentTrainer(model: model, objective: Self.objective(), loader: loader, configuration: .init(epochs: 0)) }.contains("epochs"))
        #expect(message {
            _ = try AlignmentTrainer(model: model, objective: Self.objective(), loader: loader,
                                     configuration: .init(optimization: .init(learningRate: -1)))
        }.contains("learningRate"))
        #expect(message {
            _ = try AlignmentTrainer(model: model, objective: Self.objective(), loader: loader,
                                     configuration: .init(optimization: .init(gradientClipNorm: 0)))
        }.contains("gradientClipNorm"))
        #expect(message { _ = try AlignmentTrainer(model: model, objective: AlignmentObjective([]), loader: loader) }.contains("no loss terms"))
        #expect(message { _ = try AlignFixtures.model(samples: samples, sharedWidth: 0) }.contains("sharedWidth"))
        var rng = RandomGenerator(seed: 1)
        #expect(message {
            _ = try AlignmentModel(imageEncoder: TinyConvEncoder(width: 8, using: &rng), metadataEncoder: AlignFixtures.textEncoder(for: samples),
                                   configuration: .init(imageHead: .init(depth: 0)), using: &rng)
        }.contains("imageHead"))
        model.freeze()
        #expect(message { _ = try AlignmentTrainer(model: model, objective: Self.objective(), loader: loader) }.contains("frozen"))
        // LoRA targets that match nothing in the user's encoder.
        #expect(message {
            _ = try AlignFixtures.model(samples: samples, image: .lora(LoRA.Configuration(rank: 2, alpha: 2, targets: ["q_proj"])))
        }.contains("TinyConvEncoder"))
    }

    @Test func anEncoderThatBreaksItsWidthPromiseIsNamed() throws {
        final class LyingEncoder: Module, ImageEncoder {
            let inner: TinyConvEncoder
            init(using rng: inout RandomGenerator) { inner = TinyConvEncoder(width: 8, using: &rng); super.init() }
            var featureWidth: Int { 12 }
            func encodeImages(_ pixels: Tensor) -> ImageFeatures { inner.encodeImages(pixels) }
        }
        let samples = AlignFixtures.samples(count: 4)
        var rng = RandomGenerator(seed: 1)
        let model = try AlignmentModel(imageEncoder: LyingEncoder(using: &rng), metadataEncoder: AlignFixtures.textEncoder(for: samples),
                                       configuration: .init(sharedWidth: 8), using: &rng)
        #expect { try model.projectImages(Tensor.zeros([2, 3, 8, 8])) } throws: { "\($0)".contains("LyingEncoder") && "\($0)".contains("featureWidth 12") }
    }
}
