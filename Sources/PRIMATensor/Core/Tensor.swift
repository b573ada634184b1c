/// An n-dimensional, row-major Float32 array with reverse-mode automatic differentiation.
///
/// `Tensor` is a value type: copies share storage until one of them is written to. A tensor that
/// ``requiresGrad`` records the operations applied to it on a tape; ``backward(_:)-swift.method`` on a scalar result
/// accumulates ``grad`` into every leaf tensor that requires gradients.
///
/// ```swift
/// let w = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]).requiringGrad()
/// let loss = (w * w).sum()
/// loss.backward()
/// print(w.grad!)   // 2 * w
/// ```
public struct Tensor: @unchecked Sendable {
    /// The row-major element buffer, shared between copies until one is written to.
    public internal(set) var storage: TensorStorage
    /// Extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The autodiff record of this tensor: a leaf node for tensors created with ``requiringGrad(_:)``,
    /// an interior node for results of differentiable ops, `nil` for constants.
    public internal(set) var node: GradNode?

    /// A tensor over existing `storage` (its count must equal the shape's element count).
    public init(storage: TensorStorage, shape: [Int], node: GradNode? = nil) {
        precondition(storage.count == Shape.count(shape), "storage of \(storage.count) elements for shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.node = node
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(storage: TensorStorage(count: Shape.count(shape), repeating: value), shape: shape)
    }

    /// A tensor from row-major scalars; `scalars.count` must equal the shape's element count.
    public init(shape: [Int], scalars: [Float]) {
        precondition(scalars.count == Shape.count(shape), "\(scalars.count) scalars for shape \(shape)")
        let storage = TensorStorage(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: scalars.count) }
        self.init(storage: storage, shape: shape)
    }

    /// A 0-dimensional tensor.
    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A 1-dimensional tensor.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// An uninitialised tensor, for kernels that write every element.
    public init(uninitializedShape shape: [Int]) {
        self.init(storage: TensorStorage(uninitializedCount: Shape.count(shape)), shape: shape)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { storage.count }
    /// The elements in row-major order (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with \(count) elements")
        return storage.pointer[0]
    }

    /// Reads the elements in place.
    public func withUnsafeBuffer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Writes in place, copying the storage first if another tensor shares it. Not recorded by autodiff.
    public mutating func withUnsafeMutableBuffer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Element at a multi-index (slow; for tests and debugging).
    public subscript(index: Int...) -> Float {
        precondition(index.count == rank, "index rank \(index.count) for tensor of rank \(rank)")
        let strides = Shape.strides(shape)
        var offset = 0
        for (i, s) in zip(index, strides) { offset += i * s }
        return storage.pointer[offset]
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape and the first elements, for debugging.
    public var description: String {
        let shown = scalars.prefix(16).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 16 ? ", …" : "")]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

import Foundation
