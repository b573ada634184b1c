/// The collective operations data-parallel training needs from a group of processes (ranks), without
/// naming the engine that carries them: `PRIMADistributed.MPICommunicator` implements it over MPI,
/// ``SingleProcessCommunicator`` for a run of one process. Trainers take one, so the training modules do
/// not depend on MPI.
///
/// Every rank must call the same collectives in the same order with matching sizes; a rank that does not
/// answer makes the others throw (MPI: after the communicator's timeout) rather than wait for ever.
public protocol DataParallelCommunicator: AnyObject {
    /// This process's index in the group, `0..<size`; rank 0 writes checkpoints and reports.
    var rank: Int { get }
    /// The number of processes in the group.
    var size: Int { get }

    /// Replaces `values` on every rank by their element-wise sum over all ranks (same count everywhere).
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values` on every rank by rank `root`'s values (same count everywhere).
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws
    /// Writes every rank's `local` values into `output`, in rank order; rank `r` sends `counts[r]` values and
    /// `output` holds their sum.
    func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into output: UnsafeMutableBufferPointer<Float>) throws
    /// Every rank's `value`, in rank order (small bookkeeping: counts, lengths, fingerprints).
    func allGather(_ value: Int64) throws -> [Int64]
    /// Returns once every rank has called it.
    func barrier() throws
    /// Runs `body` with collectives that wait as long as the other ranks need (no timeout): for the points
    /// where ranks legitimately arrive hours apart, such as the end of fold-parallel cross-validation.
    func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T

    /// An error met inside a backward pass (a gradient's collective), where it cannot be thrown; the next
    /// collective call of the extension methods (``averageGradients(of:bucketSize:)``) throws it.
    var deferredError: (any Error)? { get set }
}

/// A collective operation that failed: a rank died or stopped answering, or the ranks disagree.
public struct CommunicatorError: Error, CustomStringConvertible, Sendable {
    /// The rank that met the error.
    public let rank: Int
    /// The operation (`allreduce`, `broadcast`, `settings check`).
    public let operation: String
    /// What went wrong.
    public let message: String

    /// An error of `rank` during `operation`.
    public init(rank: Int, operation: String, _ message: String) {
        self.rank = rank
        self.operation = operation
        self.message = message
    }

    public var description: String { "rank \(rank): \(operation): \(message)" }
}
