import Foundation

/// Reference-counted, 64-byte aligned Float32 buffer behind every ``Tensor``.
///
/// Tensors share a storage until one of them is written to (copy-on-write, see ``Tensor/withUnsafeMutableBuffer(_:)``).
public final class TensorStorage: @unchecked Sendable {
    /// Start of the buffer (64-byte aligned).
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of floats in the buffer.
    public let count: Int

    /// Allocates `count` floats; contents are uninitialised.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count")
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = LargeBufferPool.allocateBuffer(bytes: bytes)
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
    }

    /// Allocates `count` floats set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    /// A new buffer holding the same values.
    public func copy() -> TensorStorage {
        let other = TensorStorage(uninitializedCount: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        LargeBufferPool.releaseBuffer(UnsafeMutableRawPointer(pointer), bytes: bytes)
    }
}
