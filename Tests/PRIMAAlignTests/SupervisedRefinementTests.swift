import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import Testing

@Suite struct SupervisedRefinementTests {
    @Test func classWeightsAreBalancedFromTheTrainingCounts() throws {
        let weights = try SupervisedRefinementTrainer.balancedClassWeights(labels: [0, 0, 0, 1, 2, 2], classCount: 4)
        // N / (C · n_c) = 6 / (4 · n_c); class 3 is absent.
        #expect(weights.scalars == [0.5, 1.5, 0.75, 0])
        #expect { try SupervisedRefinementTrainer.balancedClassWeights(labels: [0, 5], classCount: 3, ids: ["a", "b"]) }
            throws: { "\($0)".contains("sample b") && "\($0)".contains("label 5") }
    }

    @Test func refinementLowersTheCrossEntropyAndLeavesTheSharedSpaceAlone() throws {
        let samples = AlignFixtures.samples(count: 12, classes: 3)
        let model = try AlignFixtures.model(samples: samples, image: .lora(LoRA.Configuration(rank: 4, alpha: 4, targets: ["proj"])))
        let heads = model.heads.map { $0.head.stateDict().mapValues(\.scalars) }
        var rng = RandomGenerator(seed: 4)
        let trainer = try SupervisedRefinementTrainer(model: model, classCount: 3, loader: AlignFixtures.loader(samples),
                                                      configuration: .init(epochs: 40, optimization: .init(learningRate: 2e-2, warmupRatio: 0)),
                                                      using: &rng)
        #expect(trainer.trainableKeys.allSatisfy { $0.hasPrefix("classifier.") || $0.contains("lora_") })
        #expect(trainer.classWeights.scalars == [1, 1, 1])
        let history = try trainer.train()
        #expect(history.count == 40 && history.allSatisfy { $0.meanTerms.map(\.name) == ["cross_entropy"] })
        #expect(history.last!.meanTotal < 0.7 * history.first!.meanTotal, "cross-entropy \(history.first!.meanTotal) → \(history.last!.meanTotal)")
        #expect(model.heads.map { $0.head.stateDict().mapValues(\.scalars) } == heads)
        #expect(try trainer.logits(Tensor.zeros([2, 3, 8, 8])).shape == [2, 3])
        #expect(throws: AlignmentError.self) {
            _ = try SupervisedRefinementTrainer(model: model, classCount: 2, loader: AlignFixtures.loader(samples), using: &rng)
        }
    }

    @Test func nonFinitePixelsStopTheRefinementBeforeAnyUpdate() throws {
        let samples = AlignFixtures.samples(count: 8, classes: 3)
        let model = try AlignFixtures.model(samples: samples, image: .full)
        let poisoned = TwoViewLoader(samples: samples, transform: { image, _ in image.tensor * Float.nan },
                                     renderer: AlignFixtures.renderer, encoder: MetadataVectorEncoder(schema: PADUFES.schema),
                                     configuration: .init(batchSize: 4, dropLast: true, prefetchDepth: 1, workerCount: 1),
                                     decode: AlignFixtures.decodeVirtual)
        var rng = RandomGenerator(seed: 4)
        let trainer = try SupervisedRefinementTrainer(model: model, classCount: 3, loader: poisoned, using: &rng)
        let before = model.stateDict().mapValues(\.scalars)
        #expect { try trainer.train() } throws: { error in
            guard let diverged = error as? TrainingDivergedError else { return false }
            return diverged.term == "cross_entropy" && diverged.stage == "supervised refinement" && diverged.step == 0
        }
        #expect(model.stateDict().mapValues(\.scalars) == before)
    }

    @Test func resumingTheRefinementIsBitIdentical() throws {
        let samples = AlignFixtures.samples(count: 8, classes: 3)
        let folder = try AlignFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("refinement.safetensors")
        func trainer(_ checkpoint: URL?) throws -> SupervisedRefinementTrainer {
            var rng = RandomGenerator(seed: 4)
            let model = try AlignFixtures.model(samples: samples, image: .lora(LoRA.Configuration(rank: 2, alpha: 2, targets: ["proj"])))
            return try SupervisedRefinementTrainer(model: model, classCount: 3, loader: AlignFixtures.loader(samples),
                                                   configuration: .init(epochs: 3, optimization: .init(learningRate: 1e-2), checkpointURL: checkpoint),
                                                   using: &rng)
        }
        let straight = try trainer(nil)
        try straight.train()
        try trainer(url).train(untilEpoch: 1)
        let resumed = try trainer(nil)
        try resumed.resume(from: url)
        #expect(resumed.progress.epoch == 1 && resumed.history.count == 1)
        try resumed.train()
        #expect(resumed.history == straight.history)
        #expect(resumed.classifier.stateDict().mapValues(\.scalars) == straight.classifier.stateDict().mapValues(\.scalars))
        #expect(resumed.model.stateDict().mapValues(\.scalars) == straight.model.stateDict().mapValues(\.scalars))
        // An alignment checkpoint is not a refinement checkpoint.
        let alignment = folder.appendingPathComponent("alignment.safetensors")
        let samplesModel = try AlignFixtures.model(samples: samples)
        try AlignmentTrainer(model: samplesModel, objective: AlignmentObjective([.init(weight: 1, loss: PairedDistanceLoss())]),
                             loader: AlignFixtures.loader(samples), configuration: .init(epochs: 1, checkpointURL: alignment)).train()
        #expect { try trainer(nil).resume(from: alignment) } throws: { "\($0)".contains("stage") && "\($0)".contains("alignment") }
    }
}
