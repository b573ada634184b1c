// The processes of one run of an example executable: under `mpirun` (built with PRIMA_WITH_MPI=1) the MPI job,
// whose ranks share the cross-validation folds; otherwise this process alone.
import Foundation
import PRIMAExperiments
import PRIMANN
#if PRIMA_WITH_MPI
import PRIMADistributed
#endif

enum ProcessGroup {
    #if PRIMA_WITH_MPI
    /// The MPI job once joined, so that an error can end every rank.
    nonisolated(unsafe) private static var job: MPICommunicator?
    #endif

    /// The group this process belongs to.
    /// - Throws: ``ExperimentError`` when started by `mpirun` with several ranks but built without MPI (each rank
    ///   would run every fold into the same folder), or MPI's error.
    static func current() throws -> any DataParallelCommunicator {
        #if PRIMA_WITH_MPI
        if MPICommunicator.isLaunchedByMPI {
            let world = try MPICommunicator.world()
            job = world
            return world
        }
        #else
        let environment = ProcessInfo.processInfo.environment
        if let size = (environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"]).flatMap(Int.init), size > 1 {
            throw ExperimentError(.invalidOption, "started by mpirun with \(size) ranks, but this executable was built without MPI; build it with PRIMA_WITH_MPI=1 (see Documentation/Distributed.md)")
        }
        #endif
        return SingleProcessCommunicator()
    }

    /// True on the rank that prints the results (rank 0, or the only process).
    static var isReporter: Bool {
        #if PRIMA_WITH_MPI
        return (job?.rank ?? 0) == 0
        #else
        return true
        #endif
    }

    /// After an error has been printed: in an MPI job, ends every rank (`MPI_Abort`), since the others may be
    /// waiting for this one; otherwise returns.
    static func endJobAfterError() {
        #if PRIMA_WITH_MPI
        if let job, job.size > 1 { job.abort(exitCode: 1) }
        #endif
    }
}
