import PRIMATensor

/// The steps every data-parallel trainer shares, on top of the collectives of `Communicator+Tensors.swift`.
extension DataParallelCommunicator {
    /// The start of a data-parallel run: throws on every rank unless all ranks were started with the same
    /// `settings` and the same trainable parameters (keys and shapes), then copies rank 0's `initialWeights` to
    /// every rank, so that ranks that initialised their models from other random streams train one model.
    /// Does nothing in a group of one.
    /// - Parameters:
    ///   - settings: what identifies the run (options, sample-id hashes, schedule length), as key/value pairs.
    ///   - trainable: the parameters trained, in module order.
    ///   - initialWeights: the parameters rank 0 sends (at least the trainable ones; a model's frozen weights too
    ///     when the ranks may have built them differently).
    ///   - what: what is compared, for the message (`the fusion trainer's settings, samples or trainable parameters`).
    /// - Throws: ``CommunicatorError`` when the ranks disagree or a collective fails.
    public func startDataParallelRun(settings: [String: String], trainable: [(key: String, parameter: Parameter)],
                                     initialWeights: [Parameter], what: String) throws {
        guard size > 1 else { return }
        let lines = settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + ["trainable=" + trainable.map { "\($0.key)\($0.parameter.shape)" }.joined(separator: ",")]
        try checkSameSettings(lines.joined(separator: "\n"), what: what)
        try broadcast(initialWeights, root: 0)
    }

    /// The class logits `[B, C]` and labels `[B]` of the whole global batch, joined in rank order from every
    /// rank's slice (differentiable in the logits, as `allGather(_:)` on a tensor): every rank then takes a (class-weighted)
    /// cross-entropy over all B samples, whose mean divides by the whole batch's weight, so 2 ranks × B/2 give the
    /// loss over B even when the slices' sizes or class mixes differ. Returns the inputs in a group of one.
    /// - Throws: ``CommunicatorError`` when a collective fails or the ranks' class counts differ.
    public func allGather(logits: Tensor, labels: Tensor) throws -> (logits: Tensor, labels: Tensor) {
        guard size > 1 else { return (logits, labels) }
        return (try allGather(logits), try allGather(labels))
    }

    /// Rows `[count, …]` computed by the ranks together: each rank computes the rows of its contiguous slice of
    /// `0..<count` (``BatchShard``) with `rows`, and the slices are all-gathered in rank order, so every rank holds
    /// the same values bit for bit (for an evaluation every rank must agree on, such as a validation score that
    /// selects an epoch). With fewer rows than ranks, every rank computes all rows itself.
    /// - Parameters:
    ///   - count: the number of rows.
    ///   - rows: the rows of a range of `0..<count`, as a tensor of that many rows (no gradient is kept).
    /// - Throws: `rows`'s error, or ``CommunicatorError`` when a collective fails.
    public func computeSharded(count: Int, _ rows: (Range<Int>) throws -> Tensor) throws -> Tensor {
        guard size > 1, count >= size else { return try rows(0..<count) }
        let local = try rows(BatchShard.range(count: count, rank: rank, size: size))
        return try noGrad { try allGather(local) }
    }
}
