import Foundation

/// Where the buffers of large tensors come from: pages mapped for them alone, reused by size.
///
/// Why not `malloc`: a training step frees and allocates activation-sized blocks in a different order than it
/// made them, interleaved with many small objects (tape nodes, closures, shape arrays). glibc keeps such
/// blocks on its heap once its adaptive mmap threshold has grown, and the heap cannot shrink or
/// coalesce across the small objects, so the process's resident memory grew to about three times the live
/// tensor bytes (DINOv3 ViT-S/16 LoRA step: 1.4–1.8 GiB resident for 0.6 GiB live). Mapping every buffer
/// afresh instead would cost a page fault per 4 KiB on every step.
///
/// The pool maps each large buffer on its own pages and keeps freed buffers for reuse by an allocation of
/// the same page-rounded size (a training step repeats its shapes). It never lets the mapped total (live
/// plus cached) exceed the highest live total seen so far: on a miss it first unmaps cached buffers, the
/// least recently freed first. Resident memory of large buffers is therefore bounded by the live peak.
enum LargeBufferPool {
    /// Buffers of at least this many bytes come from the pool; smaller ones from `malloc`.
    static let threshold = 256 * 1024

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private struct CachedBuffer {
        let address: UnsafeMutableRawPointer
        let sequence: Int
    }

    private struct State {
        var cached: [Int: [CachedBuffer]] = [:]
        var cachedBytes = 0
        var liveBytes = 0
        var peakLiveBytes = 0
        var sequence = 0
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var state = State()

    /// The mapped size of a buffer of `bytes` bytes.
    static func roundedSize(_ bytes: Int) -> Int { (bytes + pageSize - 1) / pageSize * pageSize }

    /// A tensor buffer of `bytes` bytes (uninitialised): from the pool when large, else 64-byte aligned from malloc.
    /// The one allocation rule of float32 and bfloat16 storage; free it with ``releaseBuffer(_:bytes:)``.
    static func allocateBuffer(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= threshold { return allocate(bytes: bytes) }   // page-aligned, reused by size (see above why)
        var aligned: UnsafeMutableRawPointer?
        guard posix_memalign(&aligned, 64, bytes) == 0, let aligned else {
            fatalError("PRIMATensor: out of memory allocating \(bytes) bytes")
        }
        return aligned
    }

    /// Frees a buffer of ``allocateBuffer(bytes:)`` (`bytes` as allocated).
    static func releaseBuffer(_ address: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= threshold { release(address, bytes: bytes) } else { free(address) }
    }

    /// A page-aligned buffer of at least `bytes` bytes (uninitialised).
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = roundedSize(bytes)
        lock.lock()
        state.liveBytes += size
        state.peakLiveBytes = Swift.max(state.peakLiveBytes, state.liveBytes)
        if var buffers = state.cached[size], let reused = buffers.popLast() {
            state.cached[size] = buffers.isEmpty ? nil : buffers
            state.cachedBytes -= size
            lock.unlock()
            return reused.address
        }
        // Stay within the live peak: drop cached buffers of other sizes before mapping more.
        var released: [(UnsafeMutableRawPointer, Int)] = []
        while state.cachedBytes > 0 && state.liveBytes + state.cachedBytes > state.peakLiveBytes {
            released.append(evictOldest())
        }
        lock.unlock()
        for (address, length) in released { munmap(address, length) }
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              address != MAP_FAILED else {
            fatalError("PRIMATensor: out of memory mapping \(size) bytes")
        }
        return address
    }

    /// Returns a buffer from ``allocate(bytes:)`` to the pool.
    static func release(_ address: UnsafeMutableRawPointer, bytes: Int) {
        let size = roundedSize(bytes)
        lock.lock()
        state.liveBytes -= size
        state.sequence += 1
        state.cached[size, default: []].append(CachedBuffer(address: address, sequence: state.sequence))
        state.cachedBytes += size
        lock.unlock()
    }

    /// Unmaps every cached buffer.
    static func releaseCached() {
        lock.lock()
        let all = state.cached.flatMap { size, buffers in buffers.map { ($0.address, size) } }
        state.cached = [:]
        state.cachedBytes = 0
        state.peakLiveBytes = state.liveBytes
        lock.unlock()
        for (address, length) in all { munmap(address, length) }
    }

    static var statistics: (live: Int, cached: Int, peakLive: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (state.liveBytes, state.cachedBytes, state.peakLiveBytes)
    }

    /// Removes the least recently freed cached buffer (lock held).
    private static func evictOldest() -> (UnsafeMutableRawPointer, Int) {
        var oldest: (size: Int, sequence: Int)?
        for (size, buffers) in state.cached {
            if let first = buffers.first, oldest == nil || first.sequence < oldest!.sequence { oldest = (size, first.sequence) }
        }
        let size = oldest!.size
        var buffers = state.cached[size]!
        let victim = buffers.removeFirst()
        state.cached[size] = buffers.isEmpty ? nil : buffers
        state.cachedBytes -= size
        return (victim.address, size)
    }
}

/// Memory held by tensor buffers, for monitoring and for handing cached memory back to the system.
///
/// Buffers of 256 KiB and more are mapped for themselves and, once freed, kept for reuse by the next
/// tensor of the same size (a training step repeats its shapes), without ever mapping more than the
/// highest live total seen so far.
public enum TensorMemory {
    /// One consistent reading of the pool's counters.
    public struct Usage: Sendable, Equatable {
        /// Bytes of large tensor buffers in use (page-rounded; buffers under 256 KiB are not counted).
        public let liveBytes: Int
        /// Bytes of freed large buffers kept mapped for reuse.
        public let cachedBytes: Int
        /// The highest `liveBytes` since the process started or since the last ``TensorMemory/releaseCachedBuffers()``.
        /// `liveBytes + cachedBytes` never exceeds it.
        public let peakLiveBytes: Int
    }

    /// The pool's counters now.
    public static var usage: Usage {
        let s = LargeBufferPool.statistics
        return Usage(liveBytes: s.live, cachedBytes: s.cached, peakLiveBytes: s.peakLive)
    }

    /// Unmaps every cached buffer (as `torch.cuda.empty_cache` does for PyTorch's GPU cache), for example
    /// after a large phase of a program that a smaller one follows; also resets the live peak
    /// (``Usage/peakLiveBytes``) to the current live total.
    public static func releaseCachedBuffers() { LargeBufferPool.releaseCached() }
}
