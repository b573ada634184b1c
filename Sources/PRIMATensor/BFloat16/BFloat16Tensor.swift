import Foundation

/// A row-major array of bfloat16 values kept as their 16-bit patterns: half the bytes of a Float32 ``Tensor``.
///
/// A storage format, not a compute type: it holds frozen weights (see `Tensor.linear(_:weight:bias:)` with a `BFloat16Tensor` weight),
/// which are widened to Float32 tile by tile when used, so every product still accumulates in Float32.
/// Immutable once built; copies share the buffer.
public struct BFloat16Tensor: @unchecked Sendable {
    /// The bit patterns, row-major.
    public let storage: BFloat16Storage
    /// Extent of each axis.
    public let shape: [Int]

    /// Number of elements.
    public var count: Int { storage.count }
    /// Bytes held by the values (two per element).
    public var byteCount: Int { storage.count * MemoryLayout<UInt16>.stride }

    /// A tensor over existing bit patterns (the storage count must equal the shape's element count).
    public init(storage: BFloat16Storage, shape: [Int]) {
        precondition(storage.count == Shape.count(shape), "storage of \(storage.count) elements for shape \(shape)")
        self.storage = storage
        self.shape = shape
    }

    /// A tensor from bfloat16 bit patterns, row-major.
    public init(bits: [UInt16], shape: [Int]) {
        precondition(bits.count == Shape.count(shape), "\(bits.count) bfloat16 values for shape \(shape)")
        let storage = BFloat16Storage(uninitializedCount: bits.count)
        bits.withUnsafeBufferPointer { if let base = $0.baseAddress { storage.pointer.update(from: base, count: bits.count) } }
        self.init(storage: storage, shape: shape)
    }

    /// `tensor` rounded to the nearest bfloat16, ties to even: bit for bit what `tensor.to(torch.bfloat16)`
    /// holds in PyTorch (NaN stays NaN, overflow goes to infinity).
    public init(rounding tensor: Tensor) {
        let storage = BFloat16Storage(uninitializedCount: tensor.count)
        HalfPrecision.convert(floats: tensor.storage.pointer, toBFloat16Bits: storage.pointer, count: tensor.count)
        self.init(storage: storage, shape: tensor.shape)
    }

    /// The bit patterns, row-major (a copy).
    public var bits: [UInt16] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The values as a Float32 tensor (exact; a new constant tensor of the full size).
    public func widened() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        HalfPrecision.convert(bfloat16Bits: storage.pointer, to: out.storage.pointer, count: count)
        return out
    }
}

/// Reference-counted, 64-byte aligned buffer of bfloat16 bit patterns behind a ``BFloat16Tensor``.
public final class BFloat16Storage: @unchecked Sendable {
    /// Start of the buffer (64-byte aligned).
    public let pointer: UnsafeMutablePointer<UInt16>
    /// Number of values in the buffer.
    public let count: Int

    /// Allocates `count` values; contents are uninitialised. Large buffers come from the same pool as
    /// ``TensorStorage``'s (page-aligned, reused by size, handed back by `TensorMemory.releaseCachedBuffers()`).
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count")
        let bytes = max(count, 1) * MemoryLayout<UInt16>.stride
        let raw = LargeBufferPool.allocateBuffer(bytes: bytes)
        self.pointer = raw.bindMemory(to: UInt16.self, capacity: max(count, 1))
        self.count = count
    }

    deinit {
        let bytes = max(count, 1) * MemoryLayout<UInt16>.stride
        LargeBufferPool.releaseBuffer(UnsafeMutableRawPointer(pointer), bytes: bytes)
    }
}
