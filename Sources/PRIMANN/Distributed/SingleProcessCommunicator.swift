/// The group of one process: every collective is the identity. The default of every trainer, so that a
/// plain run does exactly what it did before data parallelism existed.
public final class SingleProcessCommunicator: DataParallelCommunicator {
    /// A group holding only this process.
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var deferredError: (any Error)?

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        precondition(root == 0, "broadcast from rank \(root) in a group of one")
    }
    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(counts == [local.count] && output.count == local.count, "all-gather counts \(counts) in a group of one")
        if let source = local.baseAddress, let target = output.baseAddress { target.update(from: source, count: local.count) }
    }
    public func allGather(_ value: Int64) throws -> [Int64] { [value] }
    public func barrier() throws {}
    public func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T { try body() }
}
