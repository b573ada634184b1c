import CPRIMAKernels
import Foundation

/// Splits loops across cores once they are large enough to pay for the hand-off.
///
/// The workers are the package's own pool (`threadCount - 1` threads plus the caller, started on first use):
/// after a region they spin for `PRIMA_POOL_SPIN_US` microseconds (default 20) before they sleep, because a
/// training step runs thousands of short regions and waking a sleeping thread for each left the caller
/// waiting (Documentation/Benchmarks.md). One region runs at a time; a region started while another runs (from
/// inside it, or from a second thread) runs on its calling thread.
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

    /// Calls `body(chunk)` for every chunk in `0..<chunks` on the pool's workers and the calling thread, each
    /// marked as inside a parallel region for the call; returns when all are done.
    public static func forEachChunk(_ chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 0 else { return }
        withoutActuallyEscaping(body) { body in
            var region = PoolRegion(body: body)
            withUnsafeMutablePointer(to: &region) { pointer in
                _ = prima_pool_run(Int32(threadCount), chunks, { context, index in
                    prima_parallel_enter()
                    defer { prima_parallel_exit() }
                    context!.assumingMemoryBound(to: PoolRegion.self).pointee.body(index)
                }, pointer)
            }
        }
    }
}

/// The body of one pool region, passed to the C pool as its context pointer.
private struct PoolRegion {
    let body: (Int) -> Void
}

/// Moves a value the compiler cannot prove thread-safe into a `@Sendable` closure; used only where the
/// kernel writes disjoint ranges.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
