import Foundation
import PRIMAAlign
import PRIMAData
import PRIMAExperiments
import PRIMANN
import PRIMATensor

/// AlignmentTrainer over the ranks against AlignmentTrainer in one process on the same global batches: the same
/// per-step losses and final weights (``DataParallelTolerance/training``); rank 0 alone writes the checkpoint,
/// which records the number of ranks; a resume with another number of ranks is refused.
enum AlignmentParityCheck {
    static let samples = MPIFixtures.samples(count: 10)
    // 10 samples in batches of 5: over 2 ranks, shards of 2 and 3 (unequal on purpose).
    static func configuration(checkpoint: URL?, learningRate: Double = 1e-3) -> AlignmentTrainer.Configuration {
        .init(epochs: 2, optimization: OptimizationSettings(learningRate: learningRate, weightDecay: 1e-2, warmupRatio: 0.25, gradientClipNorm: 1),
              checkpointURL: checkpoint)
    }

    static func run(_ world: any DataParallelCommunicator, folder: URL) throws {
        let objective = AlignmentObjective.prima()
        let reference = try MPIFixtures.alignmentModel(samples: samples, seed: 5)
        let single = try AlignmentTrainer(model: reference, objective: objective, loader: MPIFixtures.loader(samples, batchSize: 5),
                                          configuration: configuration(checkpoint: nil))
        var referenceLosses: [Double] = []
        single.onStep = { referenceLosses.append($0.total) }
        try single.train()

        // Each rank starts from other weights: only the broadcast of rank 0's makes the run match.
        let model = try MPIFixtures.alignmentModel(samples: samples, seed: world.rank == 0 ? 5 : 5 + UInt64(world.rank) * 100)
        let checkpoint = folder.appendingPathComponent("alignment.ckpt")
        let trainer = try AlignmentTrainer(model: model, objective: objective, loader: MPIFixtures.loader(samples, batchSize: 5),
                                           configuration: configuration(checkpoint: checkpoint), communicator: world)
        var losses: [Double] = []
        trainer.onStep = { losses.append($0.total) }
        try trainer.train()

        try expect(losses.count == referenceLosses.count && losses.count == 4, "\(losses.count) steps over the ranks, \(referenceLosses.count) in one process")
        let lossError = maxRelativeError(losses.map(Float.init), referenceLosses.map(Float.init))
        try expect(lossError <= DataParallelTolerance.forward, "per-step losses \(losses) over the ranks, \(referenceLosses) in one process")
        let (keys, weightError) = compare(MPIFixtures.trainableValues(model), MPIFixtures.trainableValues(reference))
        try expect(weightError <= DataParallelTolerance.training, "final weights differ from one process's by \(weightError) (relative) in \(keys)")
        if world.rank == 0 { say("align: \(losses.count) steps, loss error \(lossError), final weight error \(weightError) (relative, floor 1e-3)") }

        try world.barrier()   // rank 0 has written the checkpoint
        let saved = try TrainingCheckpoint(contentsOf: checkpoint)
        try expect(saved.metadata["world_size"] == String(world.size), "checkpoint world_size \(saved.metadata["world_size"] ?? "missing")")
        let alone = try AlignmentTrainer(model: try MPIFixtures.alignmentModel(samples: samples, seed: 5), objective: objective,
                                         loader: MPIFixtures.loader(samples, batchSize: 5), configuration: configuration(checkpoint: nil))
        do {
            try alone.resume(from: checkpoint)
            throw CheckFailure("a one-process trainer resumed a checkpoint of \(world.size) ranks")
        } catch let error as CheckpointError {
            try expect(error.description.contains("world_size"), "resume refused with \(error), not naming world_size")
        }
        let resumed = try AlignmentTrainer(model: try MPIFixtures.alignmentModel(samples: samples, seed: 9), objective: objective,
                                           loader: MPIFixtures.loader(samples, batchSize: 5), configuration: configuration(checkpoint: nil),
                                           communicator: world)
        try resumed.resume(from: checkpoint)
        try expect(resumed.progress.epoch == 2 && compare(MPIFixtures.trainableValues(resumed.model), MPIFixtures.trainableValues(model)).1 == 0,
                   "resuming with the same ranks did not restore the final state")
        try world.barrier()   // nobody reads the checkpoint any more
    }

    /// The keys whose values differ most, and the largest relative difference.
    static func compare(_ a: [(key: String, values: [Float])], _ b: [(key: String, values: [Float])]) -> (String, Float) {
        precondition(a.map(\.key) == b.map(\.key), "different parameters")
        var worst: (String, Float) = ("", 0)
        for (x, y) in zip(a, b) {
            let error = maxRelativeError(x.values, y.values)
            if error > worst.1 { worst = (x.key, error) }
        }
        return worst
    }
}

/// The baselines' ClassifierTrainer over the ranks against one process: same per-step losses and final weights.
enum ClassifierParityCheck {
    static func run(_ world: any DataParallelCommunicator) throws {
        let samples = MPIFixtures.samples(count: 10)
        let schema = PADUFES.schema
        let pipeline = BatchPipeline(schema: schema, trainTransform: MPIFixtures.brightness, evaluationTransform: { image, _ in image.tensor },
                                     decode: MPIFixtures.decode, workerCount: 1)
        let classes = schema.label.classes
        let context = FoldContext(fold: 0, foldCount: 5, train: samples, validation: [], test: [], classNames: classes, epochs: 2, seed: 4)
        let settings = TrainingSettings(batchSize: 5, learningRate: 1e-2, weightDecay: 1e-2, warmupRatio: 0.25)
        let width = MetadataVectorEncoder(schema: schema).slotNames.count - classes.count

        func train(_ model: PixelMetadataClassifier, _ communicator: any DataParallelCommunicator) throws -> [Double] {
            let trainer = ClassifierTrainer(model: model, settings: settings, pipeline: pipeline, context: context, communicator: communicator)
            var losses: [Double] = []
            for epoch in 0..<context.epochs { _ = try trainer.trainEpoch(epoch) { _, loss in losses.append(loss) } }
            return losses
        }
        let reference = PixelMetadataClassifier(metadataWidth: width, classCount: classes.count, seed: 21)
        let referenceLosses = try train(reference, SingleProcessCommunicator())
        let model = PixelMetadataClassifier(metadataWidth: width, classCount: classes.count, seed: 21 + UInt64(world.rank))
        let losses = try train(model, world)
        try expect(losses.count == 4, "\(losses.count) steps")
        let lossError = maxRelativeError(losses.map(Float.init), referenceLosses.map(Float.init))
        try expect(lossError <= DataParallelTolerance.forward, "per-step losses \(losses) over the ranks, \(referenceLosses) in one process")
        let (keys, weightError) = AlignmentParityCheck.compare(MPIFixtures.trainableValues(model), MPIFixtures.trainableValues(reference))
        try expect(weightError <= DataParallelTolerance.training, "final weights differ from one process's by \(weightError) (relative) in \(keys)")
        if world.rank == 0 { say("classifier: \(losses.count) steps, loss error \(lossError), final weight error \(weightError) (relative, floor 1e-3)") }
    }
}
