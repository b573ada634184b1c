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
/// plus cached) exceed the highest live total seen so far plus a headroom (a quarter of it by default): on
/// a miss it first unmaps cached buffers, the least recently freed first. Resident memory of large buffers
/// is therefore bounded by (1 + headroom) × the live peak.
///
/// Why a headroom: with the bound at the live peak itself nothing is cached at the step's peak, so every
/// size that is not live there (the backward pass's gradient temporaries, most of them) was unmapped and
/// mapped again, and its pages faulted and zeroed, on every step. A ViT-S/16 bf16 training step did about
/// 1,200 mmap calls and spent 14% of its time in page faults and kernel page zeroing; a quarter of the
/// peak as headroom brought it to about 500 calls and the step from 1.16 to 0.90 s (a tenth was not
/// enough, a half did no better than a quarter).
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
        var headroom = defaultHeadroom
    }

    /// The cache headroom over the live peak, as a fraction of it (see above why).
    static let defaultHeadroom = 0.25
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
        // Stay within the bound: drop cached buffers of other sizes before mapping more.
        let released = evictBeyondBound()
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

    static var statistics: (live: Int, cached: Int, peakLive: Int, bound: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (state.liveBytes, state.cachedBytes, state.peakLiveBytes, mappedBound)
    }

    static var headroom: Double {
        lock.lock()
        defer { lock.unlock() }
        return state.headroom
    }

    /// Sets the headroom and unmaps cached buffers beyond the new bound at once.
    static func setHeadroom(_ fraction: Double) {
        lock.lock()
        state.headroom = fraction
        let released = evictBeyondBound()
        lock.unlock()
        for (address, length) in released { munmap(address, length) }
    }

    /// The most bytes live and cached buffers may map together (lock held).
    private static var mappedBound: Int {
        state.peakLiveBytes + Int(Double(state.peakLiveBytes) * state.headroom)
    }

    /// Removes cached buffers, least recently freed first, until live plus cached fit the bound (lock held);
    /// the caller unmaps them after unlocking.
    private static func evictBeyondBound() -> [(UnsafeMutableRawPointer, Int)] {
        var released: [(UnsafeMutableRawPointer, Int)] = []
        let bound = mappedBound
        while state.cachedBytes > 0 && state.liveBytes + state.cachedBytes > bound {
            released.append(evictOldest())
        }
        return released
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
/// highest live total seen so far plus ``cacheHeadroom`` of it.
public enum TensorMemory {
    /// One consistent reading of the pool's counters.
    public struct Usage: Sendable, Equatable {
        /// Bytes of large tensor buffers in use (page-rounded; buffers under 256 KiB are not counted).
        public let liveBytes: Int
        /// Bytes of freed large buffers kept mapped for reuse.
        public let cachedBytes: Int
        /// The highest `liveBytes` since the process started or since the last ``TensorMemory/releaseCachedBuffers()``.
        public let peakLiveBytes: Int
        /// The most the pool maps: `peakLiveBytes` plus ``TensorMemory/cacheHeadroom`` of it.
        /// `liveBytes + cachedBytes` never exceeds it after an allocation.
        public let mappedBoundBytes: Int
    }

    /// The pool's counters now.
    public static var usage: Usage {
        let s = LargeBufferPool.statistics
        return Usage(liveBytes: s.live, cachedBytes: s.cached, peakLiveBytes: s.peakLive, mappedBoundBytes: s.bound)
    }

    /// How much memory beyond the live peak the pool may keep mapped for reuse, as a fraction of the peak
    /// (0.25 unless set). Freed buffers of sizes that are not live at a step's peak (the backward pass's
    /// gradient temporaries) survive to the next step only within this headroom; with none they are
    /// mapped and faulted in again every step (measured: 14% of a ViT-S/16 bf16 training step).
    public static var cacheHeadroom: Double { LargeBufferPool.headroom }

    /// Sets ``cacheHeadroom``: 0 bounds resident tensor memory by the live peak at the cost of re-mapping
    /// every step; larger values keep more sizes cached. Cached buffers beyond the new bound are unmapped now.
    /// - Throws: ``TensorError/invalidArgument(_:)`` for a negative or non-finite fraction.
    public static func setCacheHeadroom(_ fraction: Double) throws {
        guard fraction.isFinite, fraction >= 0 else {
            throw TensorError.invalidArgument("TensorMemory.setCacheHeadroom: the headroom must be a finite fraction ≥ 0, got \(fraction)")
        }
        LargeBufferPool.setHeadroom(fraction)
    }

    /// Unmaps every cached buffer (as `torch.cuda.empty_cache` does for PyTorch's GPU cache), for example
    /// after a large phase of a program that a smaller one follows; also resets the live peak
    /// (``Usage/peakLiveBytes``) to the current live total.
    public static func releaseCachedBuffers() { LargeBufferPool.releaseCached() }
}
