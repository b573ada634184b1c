import Foundation
import PRIMAAlign
import PRIMAExperiments
import PRIMAFusion
import PRIMANN
import PRIMATensor

/// Bad input in a multi-process run: each ends with a clear error on every rank, never a hang.
enum FailureChecks {
    /// Rank 1 is started with another learning rate: every rank's trainer refuses to start.
    static func mismatchedSettings(_ world: any DataParallelCommunicator) throws {
        let samples = AlignmentParityCheck.samples
        do {
            _ = try AlignmentTrainer(model: try MPIFixtures.alignmentModel(samples: samples, seed: 5), objective: .prima(),
                                     loader: MPIFixtures.loader(samples, batchSize: 5),
                                     configuration: AlignmentParityCheck.configuration(checkpoint: nil, learningRate: world.rank == 1 ? 2e-3 : 1e-3),
                                     communicator: world)
            throw CheckFailure("ranks with different learning rates started training")
        } catch let error as CommunicatorError {
            try expect(error.description.contains("differ between ranks") && error.description.contains("1"), "unclear error: \(error)")
            say("rank \(world.rank): refused as expected: \(error)")
        }
    }

    /// More ranks than the samples of a batch: every rank refuses, naming the batch and the ranks.
    static func moreRanksThanSamples(_ world: any DataParallelCommunicator) throws {
        let samples = MPIFixtures.samples(count: 4)
        do {
            _ = try AlignmentTrainer(model: try MPIFixtures.alignmentModel(samples: samples, seed: 5), objective: .prima(),
                                     loader: MPIFixtures.loader(samples, batchSize: 2),
                                     configuration: AlignmentParityCheck.configuration(checkpoint: nil), communicator: world)
            throw CheckFailure("\(world.size) ranks started on batches of 2")
        } catch let error as AlignmentError {
            try expect(error.description.contains("\(world.size) ranks need at least one sample each"), "unclear error: \(error)")
            say("rank \(world.rank): refused as expected: \(error)")
        }
        do {
            var rng = RandomGenerator(seed: 31)
            _ = try SupervisedRefinementTrainer(model: try MPIFixtures.alignmentModel(samples: samples, seed: 5), classCount: 3,
                                                loader: MPIFixtures.loader(samples, batchSize: 2), communicator: world, using: &rng)
            throw CheckFailure("\(world.size) ranks started supervised refinement on batches of 2")
        } catch let error as AlignmentError {
            try expect(error.description.contains("\(world.size) ranks need at least one sample each"), "unclear error: \(error)")
        }
        // 12 samples in batches of 5: the last batch holds 2.
        do {
            _ = try FusionTrainer(classifier: try FusionParityCheck.classifier(seed: 3), training: try FusionParityCheck.features(count: 12, seed: 1),
                                  settings: FusionParityCheck.settings(), communicator: world)
            throw CheckFailure("\(world.size) ranks started fusion training whose last batch holds 2")
        } catch let error as FusionError {
            try expect(error.description.contains("\(world.size) ranks need at least one sample each of every batch, but the smallest batch holds 2"),
                       "unclear error: \(error)")
            say("rank \(world.rank): fusion refused as expected: \(error)")
        }
    }

    /// Rank 1 dies at once (no MPI_Finalize); the others are in a collective. `mpirun` must end the job.
    static func deadRank(_ world: any DataParallelCommunicator) throws {
        if world.rank == 1 {
            say("rank 1: exiting abruptly")
            _exit(3)
        }
        try AlignmentParityCheck.run(world, folder: FileManager.default.temporaryDirectory)
        throw CheckFailure("training finished without rank 1")
    }

    /// Rank 1 hangs: the others' collective times out (PRIMA_MPI_TIMEOUT) with an error naming the cause.
    static func hangingRank(_ world: any DataParallelCommunicator) throws {
        if world.rank == 1 {
            sleep(120)
            return
        }
        do {
            try world.barrier()
            throw CheckFailure("the barrier passed without rank 1")
        } catch let error as CommunicatorError {
            try expect(error.description.contains("did not answer within"), "unclear error: \(error)")
            say("rank \(world.rank): timed out as expected: \(error)")
            // The group is out of step: end every rank, as a program does after such an error.
            (world as? AbortingCommunicator)?.abortJob(exitCode: 7)
        }
    }
}

/// What the checks need to end the whole job (MPICommunicator's abort), without importing MPI here.
protocol AbortingCommunicator {
    func abortJob(exitCode: Int32) -> Never
}
