import Foundation
import PRIMATensor
import Testing

/// The package's worker pool (``Parallel/forEachChunk(_:_:)``): every index runs exactly once, inside a
/// parallel region, for regions in quick succession, nested regions and regions started from several threads
/// at once.
@Suite struct ParallelPoolTests {
    /// Counts how often each index ran; slots are written by one index each, so no two threads share one.
    final class Counts: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<Int>
        init(_ count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: 0) }
        deinit { slots.deallocate() }
        var allOnce: Bool { slots.allSatisfy { $0 == 1 } }
    }

    @Test func everyIndexRunsOnceAcrossManyRegions() {
        for count in [1, 2, 3, 7, 64, 1_000, 10_007] {
            for _ in 0..<50 {
                let counts = Counts(count)
                Parallel.forEachChunk(count) { index in
                    counts.slots[index] += 1
                    #expect(Parallel.isInsideParallelRegion)
                }
                #expect(counts.allOnce, "count \(count)")
            }
        }
        #expect(!Parallel.isInsideParallelRegion)
    }

    @Test func nestedRegionsRunOnTheirCallingThread() {
        let outer = 4, inner = 9
        let counts = Counts(outer * inner)
        Parallel.forEachChunk(outer) { i in
            Parallel.forEachChunk(inner) { j in counts.slots[i * inner + j] += 1 }
        }
        #expect(counts.allOnce)
    }

    @Test func regionsFromSeveralThreadsAtOnceEachRunEveryIndexOnce() {
        let callers = 6, regions = 200, count = 37
        let counts = Counts(callers * regions * count)
        let box = UncheckedSendable(counts)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for region in 0..<regions {
                let base = (caller * regions + region) * count
                Parallel.forEachChunk(count) { index in box.value.slots[base + index] += 1 }
            }
        }
        #expect(counts.allOnce)
    }

    /// Work long enough per index that a second thread takes part whenever the pool has one.
    @Test func theWorkersShareARegion() {
        guard Parallel.threadCount > 1 else { return }
        let threads = ThreadIDs()
        for _ in 0..<20 {
            Parallel.forEachChunk(64) { _ in
                threads.insert(pthread_self())
                usleep(200)
            }
        }
        #expect(threads.count > 1)
    }

    final class ThreadIDs: @unchecked Sendable {
        private var ids = Set<UInt>()
        private let lock = NSLock()
        func insert(_ id: pthread_t) { lock.withLock { _ = ids.insert(UInt(id)) } }
        var count: Int { lock.withLock { ids.count } }
    }
}
