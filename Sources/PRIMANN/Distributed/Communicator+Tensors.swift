import PRIMATensor

/// The tensor-level collectives of data-parallel training, built on the protocol's buffer primitives.
extension DataParallelCommunicator {
    /// Floats per collective message when many tensors travel together (25 MiB, PyTorch DDP's bucket size):
    /// few messages (latency) without one huge copy of every gradient.
    public static var defaultBucketSize: Int { 25 * 1024 * 1024 / MemoryLayout<Float>.stride }

    /// Throws (and clears) the error a backward pass deferred (see ``deferredError``).
    public func throwDeferredError() throws {
        if let error = deferredError {
            deferredError = nil
            throw error
        }
    }

    /// Overwrites every rank's `parameters` with rank `root`'s values (same parameters, same order and shapes on
    /// every rank), in buckets of `bucketSize` floats; the start of a data-parallel run.
    public func broadcast(_ parameters: [Parameter], root: Int = 0, bucketSize: Int = Self.defaultBucketSize) throws {
        try throwDeferredError()
        guard size > 1 else { return }
        try checkSameShapes(parameters.map(\.shape), what: "the parameters to broadcast")
        try forEachBucket(parameters.map(\.count), bucketSize: bucketSize) { range, buffer in
            var offset = 0
            for p in parameters[range] {
                p.value.withUnsafeBuffer { buffer.baseAddress!.advanced(by: offset).update(from: $0.baseAddress!, count: $0.count) }
                offset += p.count
            }
            try broadcast(buffer, root: root)
            offset = 0
            for p in parameters[range] {
                p.update { $0.baseAddress!.update(from: buffer.baseAddress!.advanced(by: offset), count: $0.count) }
                offset += p.count
            }
        }
    }

    /// Replaces the gradient of each of `parameters` (trainable, same order on every rank) by its mean over the
    /// ranks, in buckets of `bucketSize` floats; a parameter without a gradient counts as zeros. Called after
    /// backward and before clipping and the optimiser, so every rank takes the same step.
    ///
    /// When every rank computes the same loss from all-gathered outputs (`allGather(_:)` on a tensor), the mean is exactly
    /// the gradient of that loss, whatever the sizes of the ranks' shards.
    /// - Throws: an error deferred by the backward pass, or the collective's error.
    public func averageGradients(of parameters: [Parameter], bucketSize: Int = Self.defaultBucketSize) throws {
        try throwDeferredError()
        guard size > 1 else { return }
        let scale = 1 / Float(size)
        try forEachBucket(parameters.map(\.count), bucketSize: bucketSize) { range, buffer in
            var offset = 0
            for p in parameters[range] {
                let target = buffer.baseAddress!.advanced(by: offset)
                if let grad = p.grad {
                    grad.withUnsafeBuffer { target.update(from: $0.baseAddress!, count: $0.count) }
                } else {
                    target.update(repeating: 0, count: p.count)
                }
                offset += p.count
            }
            try allReduceSum(buffer)
            for i in buffer.indices { buffer[i] *= scale }
            offset = 0
            for p in parameters[range] {
                var mean = Tensor(uninitializedShape: p.shape)
                mean.withUnsafeMutableBuffer { $0.baseAddress!.update(from: buffer.baseAddress!.advanced(by: offset), count: $0.count) }
                p.grad = mean
                offset += p.count
            }
        }
    }

    /// Every rank's `tensor` joined along axis 0 in rank order (the ranks' first axes may differ; the other axes
    /// must agree). Differentiable: the gradient of the joined tensor is summed over the ranks and each rank keeps
    /// the rows of its own `tensor`, so a loss every rank computes over the whole gathered batch back-propagates
    /// into each rank's shard, and ``averageGradients(of:bucketSize:)`` then gives that loss's gradient.
    /// - Throws: ``CommunicatorError`` when the trailing shapes differ between ranks, or the collective's error.
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        try throwDeferredError()
        precondition(tensor.rank >= 1, "all-gather of a scalar")
        let trailing = Array(tensor.shape.dropFirst())
        try checkSameShapes([trailing], what: "the trailing shape of an all-gathered tensor")
        let rows = try allGather(Int64(tensor.shape[0])).map { Int($0) }
        let width = trailing.reduce(1, *)
        var gathered = Tensor(uninitializedShape: [rows.reduce(0, +)] + trailing)
        try tensor.withUnsafeBuffer { local in
            try gathered.withUnsafeMutableBuffer { try allGather(local, counts: rows.map { $0 * width }, into: $0) }
        }
        let start = rows[..<rank].reduce(0, +), own = rows[rank]
        return Tensor.record(gathered, inputs: [tensor]) { [self] g in
            // Collectives cannot throw here: a failure is kept for the next collective call, and the
            // gradient is zero (the step that follows throws before any weight changes).
            guard deferredError == nil else { return [Tensor.zeros(tensor.shape)] }
            var total = Tensor(storage: g.storage.copy(), shape: g.shape)
            do {
                try total.withUnsafeMutableBuffer { try allReduceSum($0) }
            } catch {
                deferredError = error
                return [Tensor.zeros(tensor.shape)]
            }
            return [total.narrowed(axis: 0, start: start, length: own)]
        }
    }

    /// Throws on every rank unless every rank passes the same `settings` (compared by hash): ranks that were
    /// started with different options would silently train different models.
    /// - Parameters:
    ///   - settings: everything that must agree, as text (options, sample ids, parameter shapes).
    ///   - what: what the settings are, for the message (`alignment trainer settings`).
    public func checkSameSettings(_ settings: String, what: String) throws {
        try throwDeferredError()
        guard size > 1 else { return }
        let hashes = try allGather(Int64(bitPattern: Self.fingerprint(settings)))
        let differing = hashes.indices.filter { hashes[$0] != hashes[0] }
        guard differing.isEmpty else {
            throw CommunicatorError(rank: rank, operation: "settings check",
                                    "\(what) differ between ranks: rank\(differing.count == 1 ? "" : "s") \(differing.map(String.init).joined(separator: ", ")) disagree\(differing.count == 1 ? "s" : "") with rank 0. Start every rank with the same options and data.")
        }
    }

    /// Runs `body` on this rank, then tells every rank whether it succeeded everywhere: rethrows this rank's own
    /// error, or throws ``CommunicatorError`` naming the ranks that failed (their own messages are on their
    /// output), so that no rank goes on alone after another one stopped.
    /// - Parameters:
    ///   - what: the step, for the message (`preparing the run folder`).
    ///   - body: this rank's part of the step.
    public func allSucceed<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let outcome = Result { try body() }
        guard size > 1 else { return try outcome.get() }
        let failed = if case .failure = outcome { Int64(1) } else { Int64(0) }
        let statuses = try allGather(failed)
        if case .failure(let error) = outcome { throw error }
        let others = statuses.indices.filter { statuses[$0] != 0 }
        guard others.isEmpty else {
            throw CommunicatorError(rank: rank, operation: what,
                                    "rank\(others.count == 1 ? "" : "s") \(others.map(String.init).joined(separator: ", ")) failed (see \(others.count == 1 ? "its" : "their") error); stopping this rank too")
        }
        return try outcome.get()
    }

    /// The shapes must be the same list on every rank (a collective on buffers of different sizes would
    /// corrupt memory or hang).
    private func checkSameShapes(_ shapes: [[Int]], what: String) throws {
        try checkSameSettings(shapes.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ","), what: what)
    }

    /// Calls `body` with consecutive index ranges of `counts` whose totals stay within `bucketSize` (a larger
    /// item goes alone) and a scratch buffer of that total.
    private func forEachBucket(_ counts: [Int], bucketSize: Int,
                               _ body: (Range<Int>, UnsafeMutableBufferPointer<Float>) throws -> Void) throws {
        var start = 0
        while start < counts.count {
            var end = start, total = 0
            while end < counts.count && (end == start || total + counts[end] <= bucketSize) {
                total += counts[end]
                end += 1
            }
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(total, 1))
            defer { buffer.deallocate() }
            try body(start..<end, UnsafeMutableBufferPointer(rebasing: buffer[0..<total]))
            start = end
        }
    }

    /// FNV-1a of the UTF-8 bytes: equal on every rank for equal text.
    static func fingerprint(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }
}
