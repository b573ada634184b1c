import Foundation

/// Splits loops across cores with `DispatchQueue.concurrentPerform` once they are large enough to pay
/// for the hand-off.
public enum Parallel {
    /// Worker count used by the kernels: `PRIMA_NUM_THREADS` if set, else the active processor count.
    public static let threadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["PRIMA_NUM_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when `count * costPerItem`
    /// is above about 32k units of work.
    @inlinable
    public static func forEachRange(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let work = count * max(costPerItem, 1)
        let chunks = min(threadCount, count, max(1, work / 32_768))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { box.value(start..<end) }
            }
        }
    }
}

/// Moves a value the compiler cannot prove thread-safe into a `@Sendable` closure; used only where the
/// kernel writes disjoint ranges.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
