import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMAFusionTestSupport
import PRIMANN
import PRIMAText
import PRIMATensor

/// PRIMA's stage-3 FusionTrainer over the ranks against one process on the same global batches: the same per-step
/// losses, validation scores, selected epoch and final weights (``DataParallelTolerance``), the same selection on
/// every rank, a checkpoint written by rank 0 alone that records the number of ranks, and a resume with another
/// number of ranks refused. 12 training samples in batches of 5: global batches of 5, 5 and 2, so slices of 2 and 3
/// (uneven) and of 1 and 1.
enum FusionParityCheck {
    /// The fusion tests' 2-layer Qwen3 of width 32 (``FusionTestSupport``), with the same random weights on every rank
    /// (the frozen language model comes from one checkpoint in a real run); `seed` initialises the adapters, projectors
    /// and markers, and differs per rank.
    static func classifier(seed: UInt64) throws -> FusionClassifier {
        try FusionTestSupport.classifier(seed: seed)
    }

    /// Random stage-2 features of `count` samples (texts of 1–4 tokens, right-padded), with an unbalanced label mix
    /// so that the class weights matter.
    static func features(count: Int, seed: UInt64) throws -> FusionFeatureSet {
        try FusionTestSupport.features(textLengths: (0..<count).map { 1 + $0 % 4 }, labels: (0..<count).map { [0, 0, 1, 2, 0][$0 % 5] },
                                       seed: seed, idPrefix: "f\(seed)-")
    }

    static func settings() -> FusionTrainingSettings {
        var s = FusionTrainingSettings.small
        s.epochs = 2
        s.batchSize = 5
        // The alignment check's learning rate: a weight's deviation from one process grows with the step size
        // (AdamW divides by √v, see DataParallelTolerance.training); 3e-3 gave 8.2e-5 here, 1e-3 a third of it.
        s.optimization.learningRate = 1e-3
        return s
    }

    static func run(_ world: any DataParallelCommunicator, folder: URL) throws {
        let training = try features(count: 12, seed: 1), validation = try features(count: 7, seed: 2)
        let reference = try FusionTrainer(classifier: try classifier(seed: 3), training: training, validation: validation, settings: settings())
        var referenceLosses: [Double] = []
        reference.onStep = { referenceLosses.append($0.total) }
        try reference.train()

        // Each rank starts from other trainable weights: only the broadcast of rank 0's makes the run match. Each rank
        // is given its own checkpoint path, so the check sees which ranks wrote one.
        let own = folder.appendingPathComponent("fusion-rank\(world.rank).ckpt")
        let trainer = try FusionTrainer(classifier: try classifier(seed: world.rank == 0 ? 3 : 3 + UInt64(world.rank) * 100), training: training,
                                        validation: validation, settings: settings(), checkpointURL: own, communicator: world)
        var losses: [Double] = []
        trainer.onStep = { losses.append($0.total) }
        try trainer.train()

        try expect(losses.count == 6 && referenceLosses.count == 6, "\(losses.count) steps over the ranks, \(referenceLosses.count) in one process")
        let lossError = maxRelativeError(losses.map(Float.init), referenceLosses.map(Float.init))
        try expect(lossError <= DataParallelTolerance.forward, "per-step losses \(losses) over the ranks, \(referenceLosses) in one process")
        let validationLosses = trainer.history.map { Float($0.validationLoss ?? .nan) }
        let validationLossError = maxRelativeError(validationLosses, reference.history.map { Float($0.validationLoss ?? .nan) })
        try expect(validationLossError <= DataParallelTolerance.forward, "validation losses \(validationLosses) over the ranks, "
                   + "\(reference.history.map { $0.validationLoss ?? .nan }) in one process")
        try expect(trainer.history.map(\.validationMacroF1) == reference.history.map(\.validationMacroF1) && trainer.bestEpoch == reference.bestEpoch,
                   "validation macro F1 \(trainer.history.map(\.validationMacroF1)) best \(String(describing: trainer.bestEpoch)) over the ranks, "
                   + "\(reference.history.map(\.validationMacroF1)) best \(String(describing: reference.bestEpoch)) in one process")
        // The selection is the same on every rank, bit for bit.
        let selection = trainer.history.map { "\($0.validationMacroF1?.bitPattern ?? 0)/\($0.validationLoss?.bitPattern ?? 0)" }.joined(separator: ",")
        try world.checkSameSettings("\(selection) best \(String(describing: trainer.bestEpoch))", what: "the validation scores and the selected epoch")
        let (keys, weightError) = AlignmentParityCheck.compare(MPIFixtures.trainableValues(trainer.classifier), MPIFixtures.trainableValues(reference.classifier))
        try expect(weightError <= DataParallelTolerance.training, "final weights differ from one process's by \(weightError) (relative) in \(keys)")
        try sameOnEveryRank(trainer.classifier, world)
        try trainer.restoreBestWeights()
        try reference.restoreBestWeights()
        let (bestKeys, bestError) = AlignmentParityCheck.compare(MPIFixtures.trainableValues(trainer.classifier), MPIFixtures.trainableValues(reference.classifier))
        try expect(bestError <= DataParallelTolerance.training, "the best epoch's weights differ from one process's by \(bestError) in \(bestKeys)")
        if world.rank == 0 {
            say("fusion: \(losses.count) steps (slices 2+3, 2+3, 1+1), loss error \(lossError), validation loss error \(validationLossError), "
                + "same macro F1 and best epoch \(trainer.bestEpoch.map(String.init) ?? "none"), final weight error \(weightError) (relative, floor 1e-3, in \(keys))")
        }

        try world.barrier()   // rank 0 has written its checkpoint
        for rank in 0..<world.size {
            let wrote = FileManager.default.fileExists(atPath: folder.appendingPathComponent("fusion-rank\(rank).ckpt").path)
            try expect(wrote == (rank == 0), "rank \(rank) \(wrote ? "wrote" : "did not write") a checkpoint")
        }
        let checkpoint = folder.appendingPathComponent("fusion-rank0.ckpt")
        let saved = try TrainingCheckpoint(contentsOf: checkpoint)
        try expect(saved.metadata["world_size"] == String(world.size), "checkpoint world_size \(saved.metadata["world_size"] ?? "missing")")
        let alone = try FusionTrainer(classifier: try classifier(seed: 3), training: training, validation: validation, settings: settings())
        do {
            try alone.resume(from: checkpoint)
            throw CheckFailure("a one-process fusion trainer resumed a checkpoint of \(world.size) ranks")
        } catch let error as CheckpointError {
            try expect(error.description.contains("world_size is \(world.size) in the checkpoint, 1 in this run"), "resume refused with \(error), not naming world_size")
        }
        let resumed = try FusionTrainer(classifier: try classifier(seed: 9), training: training, validation: validation, settings: settings(),
                                        communicator: world)
        try resumed.resume(from: checkpoint)
        try resumed.restoreBestWeights()
        try expect(resumed.progress.epoch == 2 && resumed.bestEpoch == trainer.bestEpoch
                   && AlignmentParityCheck.compare(MPIFixtures.trainableValues(resumed.classifier), MPIFixtures.trainableValues(trainer.classifier)).1 == 0,
                   "resuming with the same ranks did not restore the final state")
        try world.barrier()   // nobody reads the checkpoint any more
    }

    /// Throws on every rank unless the trainable weights are bitwise the same on every rank.
    static func sameOnEveryRank(_ model: Module, _ world: any DataParallelCommunicator) throws {
        let bits = MPIFixtures.trainableValues(model).map { "\($0.key):" + $0.values.map { String($0.bitPattern) }.joined(separator: ",") }
        try world.checkSameSettings(bits.joined(separator: "\n"), what: "the trained weights")
    }
}

/// The SupervisedRefinementTrainer (after stage 2) over the ranks against one process: 10 samples in batches of 5
/// (slices of 2 and 3), both views, 2 epochs: the same per-step losses and final weights of the image encoder and
/// the head; rank 0 alone writes the checkpoint, which records the number of ranks.
enum SupervisedParityCheck {
    static let samples = MPIFixtures.samples(count: 10)
    static func configuration(checkpoint: URL?) -> SupervisedRefinementTrainer.Configuration {
        .init(epochs: 2, optimization: OptimizationSettings(learningRate: 1e-2, weightDecay: 1e-2, warmupRatio: 0.25, gradientClipNorm: 1),
              checkpointURL: checkpoint)
    }

    static func run(_ world: any DataParallelCommunicator, folder: URL) throws {
        var referenceRNG = RandomGenerator(seed: 31)
        let referenceModel = try MPIFixtures.alignmentModel(samples: samples, seed: 5)
        let reference = try SupervisedRefinementTrainer(model: referenceModel, classCount: 3, loader: MPIFixtures.loader(samples, batchSize: 5),
                                                        configuration: configuration(checkpoint: nil), using: &referenceRNG)
        var referenceLosses: [Double] = []
        reference.onStep = { referenceLosses.append($0.total) }
        try reference.train()

        // Other image encoder and head weights on each rank: only the broadcast of rank 0's makes the run match.
        let seed = world.rank == 0 ? UInt64(0) : UInt64(world.rank) * 100
        var rng = RandomGenerator(seed: 31 + seed)
        let model = try MPIFixtures.alignmentModel(samples: samples, seed: 5 + seed)
        let own = folder.appendingPathComponent("supervised-rank\(world.rank).ckpt")
        let trainer = try SupervisedRefinementTrainer(model: model, classCount: 3, loader: MPIFixtures.loader(samples, batchSize: 5),
                                                      configuration: configuration(checkpoint: own), communicator: world, using: &rng)
        var losses: [Double] = []
        trainer.onStep = { losses.append($0.total) }
        try trainer.train()

        try expect(losses.count == 4 && referenceLosses.count == 4, "\(losses.count) steps over the ranks, \(referenceLosses.count) in one process")
        let lossError = maxRelativeError(losses.map(Float.init), referenceLosses.map(Float.init))
        try expect(lossError <= DataParallelTolerance.forward, "per-step losses \(losses) over the ranks, \(referenceLosses) in one process")
        var worst: (String, Float) = ("", 0)
        for (a, b) in [(model as Module, referenceModel as Module), (trainer.classifier, reference.classifier)] {
            let (key, error) = AlignmentParityCheck.compare(MPIFixtures.trainableValues(a), MPIFixtures.trainableValues(b))
            if error > worst.1 { worst = (key, error) }
        }
        try expect(worst.1 <= DataParallelTolerance.training, "final weights differ from one process's by \(worst.1) (relative) in \(worst.0)")
        try FusionParityCheck.sameOnEveryRank(trainer.classifier, world)
        try FusionParityCheck.sameOnEveryRank(model, world)
        if world.rank == 0 { say("supervised: \(losses.count) steps (slices 2+3), loss error \(lossError), final weight error \(worst.1) (relative, floor 1e-3, in \(worst.0))") }

        try world.barrier()   // rank 0 has written its checkpoint
        for rank in 0..<world.size {
            let wrote = FileManager.default.fileExists(atPath: folder.appendingPathComponent("supervised-rank\(rank).ckpt").path)
            try expect(wrote == (rank == 0), "rank \(rank) \(wrote ? "wrote" : "did not write") a checkpoint")
        }
        let saved = try TrainingCheckpoint(contentsOf: folder.appendingPathComponent("supervised-rank0.ckpt"))
        try expect(saved.metadata["world_size"] == String(world.size), "checkpoint world_size \(saved.metadata["world_size"] ?? "missing")")
        try world.barrier()
    }
}
