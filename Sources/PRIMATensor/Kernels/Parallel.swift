import CPRIMAKernels
import Foundation

/// Splits loops across cores with `DispatchQueue.concurrentPerform` once they are large enough to pay
/// for the hand-off.
///
/// The package's kernels and its matrix products share this one pool of workers: OpenBLAS is kept on one
/// thread (see ``BLASThreading``) and each large product is split here instead. With two pools on the same
/// cores, OpenBLAS's idle workers spin (`sched_yield`) while the package's workers run elementwise kernels,
/// and each side slows the other down.
public enum Parallel {
    /// Worker count used by the kernels: `PRIMA_NUM_THREADS` if set, else the active processor count.
    public static let threadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["PRIMA_NUM_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Whether the calling thread is a worker of a parallel loop (its work must not be split again).
    @inlinable
    public static var isInsideParallelRegion: Bool { prima_parallel_depth() > 0 }

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when `count * costPerItem`
    /// is above about 32k units of work and the caller is not already a worker.
    @inlinable
    public static func forEachRange(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let work = count * max(costPerItem, 1)
        let chunks = isInsideParallelRegion ? 1 : min(threadCount, count, max(1, work / 32_768))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        forEachChunk(chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body(chunk)` for every chunk in `0..<chunks` on the pool's workers, each marked as inside a
    /// parallel region for the call.
    @inlinable
    public static func forEachChunk(_ chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                prima_parallel_enter()
                defer { prima_parallel_exit() }
                box.value(chunk)
            }
        }
    }
}

/// Moves a value the compiler cannot prove thread-safe into a `@Sendable` closure; used only where the
/// kernel writes disjoint ranges.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
