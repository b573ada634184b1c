import Testing
import PRIMATensor

/// The pool behind large tensor buffers (``TensorMemory``). Other suites allocate in parallel, so these
/// tests use sizes no other test uses and assert only what concurrent allocations cannot change.
@Suite struct TensorMemoryTests {
    @Test func freedLargeBufferIsReusedBySize() {
        let count = 262_144 + 4_321   // just over 1 MiB, a size of its own
        var address: UnsafeMutablePointer<Float>?
        do {
            let t = Tensor(repeating: 7, shape: [count])
            address = t.storage.pointer
        }
        let again = Tensor.zeros([count])
        #expect(again.storage.pointer == address, "the next tensor of that size reuses the freed buffer")
        #expect(again.scalars.allSatisfy { $0 == 0 }, "a reused buffer is initialised like a new one")
    }

    @Test func mappedBytesNeverExceedTheBound() {
        var held: [Tensor] = []
        for step in 0..<24 {
            // Growing, shrinking and repeated sizes: hits, misses and evictions.
            let count = 70_000 + (step * 7_919) % 5 * 65_536
            if step % 3 == 2 { held.removeFirst() } else { held.append(Tensor(uninitializedShape: [count])) }
            let usage = TensorMemory.usage
            #expect(usage.liveBytes + usage.cachedBytes <= usage.mappedBoundBytes)
            #expect(usage.mappedBoundBytes >= usage.peakLiveBytes)
            #expect(usage.liveBytes >= held.reduce(0) { $0 + $1.count * 4 })
        }
    }

    @Test func headroomIsValidatedAndBoundsTheCache() throws {
        #expect(throws: TensorError.self) { try TensorMemory.setCacheHeadroom(-0.1) }
        #expect(throws: TensorError.self) { try TensorMemory.setCacheHeadroom(.nan) }
        #expect(throws: TensorError.self) { try TensorMemory.setCacheHeadroom(.infinity) }
        #expect(TensorMemory.cacheHeadroom == 0.25, "an invalid value leaves the default in place")

        // Fill the cache with buffers of a size of its own, then shrink the headroom to none.
        do { _ = (0..<6).map { _ in Tensor(uninitializedShape: [300_000 + 1_234]) } }
        try TensorMemory.setCacheHeadroom(0)
        let usage = TensorMemory.usage
        #expect(usage.mappedBoundBytes == usage.peakLiveBytes)
        #expect(usage.liveBytes + usage.cachedBytes <= usage.peakLiveBytes, "setting the headroom evicts at once")
        try TensorMemory.setCacheHeadroom(0.25)
        #expect(TensorMemory.cacheHeadroom == 0.25)
    }
}
