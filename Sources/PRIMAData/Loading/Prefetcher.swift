import Foundation

/// Builds a fixed list of work items on a background thread, in order, at most `depth` ahead of the consumer.
///
/// The producer waits while `depth` items are built (or being built) but not yet taken, so memory is
/// bounded by `depth` items, not by the list's length.
final class Prefetcher<Output: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<Output, Error>] = [:]
    /// Items handed to the consumer so far.
    private var taken = 0
    private var cancelled = false
    private let count: Int
    private let depth: Int

    init(batches: [[Int]], depth: Int, build: @escaping @Sendable ([Int]) throws -> Output) {
        count = batches.count
        self.depth = depth
        let thread = Thread { [self] in
            for (k, batch) in batches.enumerated() {
                // Item k may start once fewer than `depth` items are ahead of the consumer.
                condition.lock()
                while k - taken >= depth && !cancelled { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { return }
                let result = Result { try build(batch) }
                condition.lock()
                ready[k] = result
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.name = "PRIMAData.Prefetcher"
        thread.start()
    }

    /// The next item in order, waiting for it if needed; `nil` after the last.
    func next() throws -> Output? {
        condition.lock()
        guard taken < count else { condition.unlock(); return nil }
        while ready[taken] == nil { condition.wait() }
        let result = ready.removeValue(forKey: taken)!
        taken += 1
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    /// Stops the background thread after the item it is building.
    func cancel() {
        condition.lock()
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
