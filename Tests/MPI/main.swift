import Foundation
import PRIMADistributed
import PRIMANN

// Multi-process checks of data-parallel training, run by Scripts/test-mpi.sh under `mpirun`:
//   prima-mpi-checks <scenario> [folder]
// Each rank prints its failures; rank 0 prints "PASS <scenario>" when every rank passed.

extension MPICommunicator: AbortingCommunicator {
    func abortJob(exitCode: Int32) -> Never { abort(exitCode: exitCode) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let scenario = arguments.first ?? ""
let folder = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : FileManager.default.temporaryDirectory.path)
let world: MPICommunicator
do {
    world = try MPICommunicator.world()
} catch {
    say("FAIL \(scenario): \(error)")
    exit(2)
}

do {
    switch scenario {
    case "gather": try GatherCheck.run(world)
    case "align": try AlignmentParityCheck.run(world, folder: folder)
    case "classifier": try ClassifierParityCheck.run(world)
    case "fusion": try FusionParityCheck.run(world, folder: folder)
    case "supervised": try SupervisedParityCheck.run(world, folder: folder)
    case "mismatch": try FailureChecks.mismatchedSettings(world)
    case "too-many-ranks": try FailureChecks.moreRanksThanSamples(world)
    case "dead-rank": try FailureChecks.deadRank(world)
    case "hang": try FailureChecks.hangingRank(world)
    default: throw CheckFailure("unknown scenario '\(scenario)' (gather, align, classifier, fusion, supervised, mismatch, too-many-ranks, dead-rank, hang)")
    }
    try world.barrier()
    if world.rank == 0 { say("PASS \(scenario) (\(world.size) ranks)") }
} catch {
    say("rank \(world.rank): FAIL \(scenario): \(error)")
    world.abort(exitCode: 1)
}
