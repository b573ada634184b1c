/// The group of one process: every collective is the identity. The default of every trainer, so that a
/// plain run does exactly what it did before data parallelism existed.
public final class SingleProcessCommunicator: DataParallelCommunicator {
    /// A group holding only this process.
    public init() {}

    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// An error a backward pass deferred (never set by this group's own collectives, which cannot fail).
    public var deferredError: (any Error)?

    /// The identity: the sum over one rank.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    /// The identity: `root` must be 0.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        precondition(root == 0, "broadcast from rank \(root) in a group of one")
    }
    /// Copies `local` into `output`.
    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(counts == [local.count] && output.count == local.count, "all-gather counts \(counts) in a group of one")
        if let source = local.baseAddress, let target = output.baseAddress { target.update(from: source, count: local.count) }
    }
    /// `[value]`.
    public func allGather(_ value: Int64) throws -> [Int64] { [value] }
    /// Returns at once.
    public func barrier() throws {}
    /// Runs `body`.
    public func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T { try body() }
}
