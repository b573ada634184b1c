import CMPI
import Foundation
import PRIMANN

/// A `DataParallelCommunicator` over MPI's world communicator: the processes `mpirun` started.
///
/// - Initialisation: ``world(timeout:)`` initialises MPI once per process (thread level `MPI_THREAD_SERIALIZED`:
///   any thread may call, one at a time) and finalises it at exit.
/// - Errors: MPI returns error codes (`MPI_ERRORS_RETURN`) that become thrown `CommunicatorError`s
///   naming the rank and the operation.
/// - Timeouts: collectives are started non-blocking and polled; one that has not completed after ``timeout``
///   seconds (another rank died, hangs, or runs other code) throws instead of waiting for ever. After such an
///   error the group is out of step: end the program with ``abort(exitCode:)``, which stops every rank.
public final class MPICommunicator: DataParallelCommunicator, @unchecked Sendable {
    /// This process's rank in the job.
    public let rank: Int
    /// The number of processes of the job.
    public let size: Int
    /// Seconds a collective may wait for the other ranks before it throws.
    public var timeout: Double
    /// An error met by a collective inside a backward pass, thrown by the next collective of the tensor operations.
    public var deferredError: (any Error)?
    /// One lock for every instance: MPI_THREAD_SERIALIZED allows one MPI call at a time in the process.
    private static let lock = NSLock()

    /// The seconds of ``timeout`` when `PRIMA_MPI_TIMEOUT` does not set them: long enough for rank 0 to write a
    /// checkpoint or report while the others wait at the next collective.
    public static let defaultTimeout: Double = 600

    /// True when this process was started by `mpirun` / `mpiexec` (Open MPI or a PMI launcher), so a program can
    /// choose MPI without an option.
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMI_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// The group of every process of the job, initialising MPI on the first call.
    /// - Parameter timeout: seconds a collective may wait; default `PRIMA_MPI_TIMEOUT` or ``defaultTimeout``.
    /// - Throws: `CommunicatorError` when MPI cannot be initialised or the timeout is not positive.
    public static func world(timeout: Double? = nil) throws -> MPICommunicator {
        let (rank, size) = try initialization.get()
        let seconds = try timeout ?? environmentTimeout(rank: rank)
        guard seconds > 0, seconds.isFinite else {
            throw CommunicatorError(rank: rank, operation: "setup", "the timeout must be a positive number of seconds, got \(seconds)")
        }
        return MPICommunicator(rank: rank, size: size, timeout: seconds)
    }

    private init(rank: Int, size: Int, timeout: Double) {
        self.rank = rank
        self.size = size
        self.timeout = timeout
    }

    /// Ends every process of the job with `exitCode` (`MPI_Abort`): the way out after an error, since the
    /// other ranks may be waiting in a collective this rank will never join.
    public func abort(exitCode: Int32) -> Never {
        MPI_Abort(prima_mpi_comm_world(), exitCode)
        exit(exitCode)
    }

    // MARK: Collectives

    /// `MPI_Iallreduce` (sum, in place), polled against ``timeout``.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard size > 1, !values.isEmpty else { return }
        try run("allreduce") { request in
            MPI_Iallreduce(prima_mpi_in_place(), values.baseAddress, try Self.count(values.count, rank), prima_mpi_float(), prima_mpi_sum(),
                           prima_mpi_comm_world(), &request)
        }
    }

    /// `MPI_Ibcast` from `root`, polled against ``timeout``.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        precondition((0..<size).contains(root), "broadcast from rank \(root) of \(size)")
        guard size > 1, !values.isEmpty else { return }
        try run("broadcast") { request in
            MPI_Ibcast(values.baseAddress, try Self.count(values.count, rank), prima_mpi_float(), Int32(root), prima_mpi_comm_world(), &request)
        }
    }

    /// `MPI_Iallgatherv` in rank order, polled against ``timeout``.
    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(counts.count == size && counts[rank] == local.count && counts.reduce(0, +) == output.count,
                     "all-gather counts \(counts) for \(local.count) local and \(output.count) gathered values")
        let receiveCounts = try counts.map { try Self.count($0, rank) }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(1, size) { displacements[r] = displacements[r - 1] + receiveCounts[r - 1] }
        // MPI reads no buffer for an empty shard, but wants a valid address.
        var empty: Float = 0
        try withUnsafeMutablePointer(to: &empty) { placeholder in
            try run("allgather") { request in
                MPI_Iallgatherv(local.baseAddress ?? UnsafePointer(placeholder), receiveCounts[rank], prima_mpi_float(),
                                output.baseAddress ?? placeholder, receiveCounts, displacements, prima_mpi_float(),
                                prima_mpi_comm_world(), &request)
            }
        }
    }

    /// `MPI_Iallgather` of one integer per rank, polled against ``timeout``.
    public func allGather(_ value: Int64) throws -> [Int64] {
        var mine = value
        var all = [Int64](repeating: 0, count: size)
        try all.withUnsafeMutableBufferPointer { output in
            try run("allgather") { request in
                MPI_Iallgather(&mine, 1, prima_mpi_int64(), output.baseAddress, 1, prima_mpi_int64(), prima_mpi_comm_world(), &request)
            }
        }
        return all
    }

    /// `MPI_Ibarrier`, polled against ``timeout``.
    public func barrier() throws {
        try run("barrier") { request in MPI_Ibarrier(prima_mpi_comm_world(), &request) }
    }

    /// Runs `body` with ``timeout`` lifted (collectives wait as long as the other ranks need), then restores it.
    public func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T {
        let saved = timeout
        timeout = .infinity
        defer { timeout = saved }
        return try body()
    }

    /// Starts a non-blocking collective with `start` and polls it until it completes, fails, or times out.
    private func run(_ operation: String, _ start: (inout MPI_Request?) throws -> Int32) throws {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        var request: MPI_Request? = prima_mpi_request_null()
        try check(try start(&request), operation)
        let deadline = timeout.isFinite ? DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9) : .max
        var done: Int32 = 0
        var polls = 0
        while true {
            try check(MPI_Test(&request, &done, prima_mpi_status_ignore()), operation)
            if done != 0 { return }
            polls += 1
            if polls & 1023 == 0 && DispatchTime.now().uptimeNanoseconds > deadline {
                throw CommunicatorError(rank: rank, operation: operation,
                                        "the other ranks did not answer within \(timeout) s: a rank died or hangs, or the ranks run different code "
                                            + "(different settings or data). Raise PRIMA_MPI_TIMEOUT if a rank is only slow.")
            }
            // Short waits yield the core to the other ranks when they share one (oversubscribed runs); a long
            // wait (ranks hours apart) polls every millisecond.
            if polls > 64 { usleep(polls > 100_000 ? 1000 : 20) }
        }
    }

    private func check(_ code: Int32, _ operation: String) throws {
        guard code != MPI_SUCCESS else { return }
        throw CommunicatorError(rank: rank, operation: operation, "MPI error \(code): \(Self.message(code))")
    }

    /// An element count as MPI's `int`.
    private static func count(_ n: Int, _ rank: Int) throws -> Int32 {
        guard let count = Int32(exactly: n) else {
            throw CommunicatorError(rank: rank, operation: "collective", "\(n) values exceed MPI's per-message count limit; use smaller buckets")
        }
        return count
    }

    private static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)  // MPI_MAX_ERROR_STRING is 256 in Open MPI
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Initialisation

    /// MPI's one initialisation per process: (rank, size) or why it failed.
    private static let initialization: Result<(Int, Int), CommunicatorError> = {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
            guard code == MPI_SUCCESS else {
                return .failure(CommunicatorError(rank: 0, operation: "MPI_Init_thread", "MPI error \(code): \(message(code))"))
            }
            guard provided >= Int32(MPI_THREAD_SERIALIZED) else {
                return .failure(CommunicatorError(rank: 0, operation: "MPI_Init_thread", "this MPI library gives thread level \(provided); PRIMA needs MPI_THREAD_SERIALIZED"))
            }
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 { MPI_Finalize() }
            }
        }
        MPI_Comm_set_errhandler(prima_mpi_comm_world(), prima_mpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(prima_mpi_comm_world(), &rank)
        MPI_Comm_size(prima_mpi_comm_world(), &size)
        return .success((Int(rank), Int(size)))
    }()

    private static func environmentTimeout(rank: Int) throws -> Double {
        guard let text = ProcessInfo.processInfo.environment["PRIMA_MPI_TIMEOUT"] else { return defaultTimeout }
        guard let seconds = Double(text) else {
            throw CommunicatorError(rank: rank, operation: "setup", "PRIMA_MPI_TIMEOUT is \"\(text)\", not a number of seconds")
        }
        return seconds
    }
}
