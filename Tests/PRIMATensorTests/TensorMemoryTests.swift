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

    @Test func mappedBytesNeverExceedTheLivePeak() {
        var held: [Tensor] = []
        for step in 0..<24 {
            // Growing, shrinking and repeated sizes: hits, misses and evictions.
            let count = 70_000 + (step * 7_919) % 5 * 65_536
            if step % 3 == 2 { held.removeFirst() } else { held.append(Tensor(uninitializedShape: [count])) }
            let usage = TensorMemory.usage
            #expect(usage.liveBytes + usage.cachedBytes <= usage.peakLiveBytes)
            #expect(usage.liveBytes >= held.reduce(0) { $0 + $1.count * 4 })
        }
    }
}
