import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMAFusionTestSupport
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// Stage-3 training: learning a separable task, best-epoch selection, exact resume after a kill, errors.
@Suite struct FusionTrainerTests {
    /// Features whose class is planted in the image global feature and the text CLS feature.
    static func separable(count: Int, seed: UInt64) throws -> FusionFeatureSet {
        let labels = (0..<count).map { $0 % FusionTestSupport.classNames.count }
        let noise = try FusionTestSupport.features(textLengths: (0..<count).map { 1 + $0 % 4 }, labels: labels, seed: seed)
        var image = noise.views[0].global.scalars, cls = noise.text.cls.scalars
        let wi = FusionTestSupport.imageWidth, wt = FusionTestSupport.textWidth
        for (i, label) in labels.enumerated() {
            image[i * wi + label] += 3
            cls[i * wt + label] += 3
        }
        let view = ImageFeatures(global: Tensor(shape: [count, wi], scalars: image), tokens: noise.views[0].tokens, grid: noise.views[0].grid)
        let text = TextFeatures(cls: Tensor(shape: [count, wt], scalars: cls), tokens: noise.text.tokens, mask: noise.text.mask,
                                wordMask: noise.text.wordMask)
        return try FusionFeatureSet(ids: noise.ids, labels: labels, views: [view], text: text)
    }

    static func settings(epochs: Int) -> FusionTrainingSettings {
        var s = FusionTrainingSettings.small
        s.epochs = epochs
        s.batchSize = 4
        s.optimization.learningRate = 3e-3
        return s
    }

    @Test func trainingLearnsASeparableTaskAndKeepsTheBestEpoch() throws {
        let classifier = try FusionTestSupport.classifier()
        let training = try Self.separable(count: 12, seed: 1), validation = try Self.separable(count: 6, seed: 2)
        let trainer = try FusionTrainer(classifier: classifier, training: training, validation: validation, settings: Self.settings(epochs: 6))
        let before = try trainer.evaluate(training)
        let summaries = try trainer.train()
        #expect(summaries.count == 6 && summaries.allSatisfy { $0.steps == 3 && $0.losses.first?.name == "weighted_cross_entropy" })
        #expect(summaries.last!.meanLoss < 0.5 * summaries.first!.meanLoss)
        let after = try trainer.evaluate(training)
        #expect(after.loss < 0.5 * before.loss)
        let best = try #require(trainer.bestEpoch)
        let bestF1 = summaries[best].validationMacroF1!
        #expect(summaries.allSatisfy { $0.validationMacroF1! <= bestF1 })
        #expect(try trainer.restoreBestWeights() == best)
        #expect(abs(try trainer.evaluate(validation).macroF1 - bestF1) < 1e-12)
        let probabilities = try trainer.probabilities(for: validation)
        #expect(probabilities.shape == [6, 3])
        #expect(probabilities.sum(axis: 1).scalars.allSatisfy { abs($0 - 1) < 1e-5 })
    }

    @Test func resumingAfterAKillContinuesTheSameRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fusion-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let training = try Self.separable(count: 8, seed: 3), validation = try Self.separable(count: 4, seed: 4)
        let settings = Self.settings(epochs: 3)

        let straight = try FusionTrainer(classifier: try FusionTestSupport.classifier(), training: training, validation: validation, settings: settings)
        try straight.train()

        let url = folder.appendingPathComponent("fusion.ckpt")
        let first = try FusionTrainer(classifier: try FusionTestSupport.classifier(), training: training, validation: validation,
                                      settings: settings, checkpointURL: url)
        try first.train(untilEpoch: 2)                    // "killed" after epoch 2
        let second = try FusionTrainer(classifier: try FusionTestSupport.classifier(), training: training, validation: validation,
                                       settings: settings, checkpointURL: url)
        try second.resume(from: url)
        #expect(second.progress.epoch == 2)
        try second.train()
        #expect(second.history == straight.history)
        #expect(second.bestEpoch == straight.bestEpoch)
        let a = straight.classifier.stateDict(), b = second.classifier.stateDict()
        for key in straight.trainableKeys { #expect(maxScaledError(b[key]!, a[key]!) == 0, "\(key)") }

        // Another run's checkpoint is refused, naming the field.
        var other = settings
        other.batchSize = 2
        let mismatched = try FusionTrainer(classifier: try FusionTestSupport.classifier(), training: training, validation: validation, settings: other)
        #expect(throws: CheckpointError.self) { try mismatched.resume(from: url) }
    }

    @Test func aCheckpointOfSeveralRanksIsRefusedByOneProcess() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fusion-ranks-\(UUID().uuidString).ckpt")
        defer { try? FileManager.default.removeItem(at: url) }
        let training = try Self.separable(count: 8, seed: 3)
        let trainer = try FusionTrainer(classifier: try FusionTestSupport.classifier(), training: training, settings: Self.settings(epochs: 2))
        try trainer.train(untilEpoch: 1)
        var saved = try trainer.checkpoint()
        #expect(saved.metadata["world_size"] == nil)   // a single-process run records none
        saved.metadata["world_size"] = "2"              // as written by rank 0 of two
        try saved.write(to: url)
        let resumed = try FusionTrainer(classifier: try FusionTestSupport.classifier(), training: training, settings: Self.settings(epochs: 2))
        let error = #expect(throws: CheckpointError.self) { try resumed.resume(from: url) }
        #expect(error?.description.contains("world_size is 2 in the checkpoint, 1 in this run") == true, "\(String(describing: error))")
    }

    @Test func badSettingsAndLabelsThrow() throws {
        let classifier = try FusionTestSupport.classifier()
        let good = try FusionTestSupport.features(textLengths: [1, 2, 3])
        var bad = Self.settings(epochs: 1)
        bad.batchSize = 0
        #expect(throws: FusionError.self) { try FusionTrainer(classifier: classifier, training: good, settings: bad) }
        let outside = try FusionTestSupport.features(textLengths: [1, 2], labels: [0, 7])
        #expect(throws: FusionError.self) { try FusionTrainer(classifier: classifier, training: outside, settings: Self.settings(epochs: 1)) }
        #expect(throws: FusionError.self) {
            try FusionFeatureSet(ids: ["a"], labels: [0, 1], views: good.views, text: good.text)
        }
    }

    @Test func divergenceStopsBeforeTheUpdate() throws {
        let classifier = try FusionTestSupport.classifier()
        let set = try FusionTestSupport.features(textLengths: [2, 2])
        let poisoned = TextFeatures(cls: set.text.cls * Tensor(Float.nan), tokens: set.text.tokens, mask: set.text.mask, wordMask: set.text.wordMask)
        let bad = try FusionFeatureSet(ids: set.ids, labels: set.labels, views: set.views, text: poisoned)
        let trainer = try FusionTrainer(classifier: classifier, training: bad, settings: Self.settings(epochs: 1))
        let before = classifier.specialTokens.weight.value.scalars
        #expect(throws: TrainingDivergedError.self) { try trainer.train() }
        #expect(classifier.specialTokens.weight.value.scalars == before)
    }
}
