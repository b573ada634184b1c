/// Independent pieces of a differentiable computation run side by side, forward and backward.
extension Tensor {
    /// Runs `count` independent pieces of a forward pass at the same time (``Parallel/branches(_:_:)``: each
    /// on one worker, single-threaded inside) and joins their outputs to the caller's graph so that the
    /// backward pass also runs the pieces side by side.
    ///
    /// Use it for work made of many medium-sized ops over independent inputs: the two augmented views of a
    /// batch through one image encoder, or two halves of a batch: no hand-off per op, and the small ops run
    /// side by side. The gain is small where large matrix products dominate: on a 2-core machine PRIMA's
    /// stage-2 step with its two views in two branches took a median 0.98× the wall time (0.96–1.02 over 6
    /// interleaved rounds, same CPU time) of one pass over both views with every op split across the cores,
    /// and its peak memory rose by 60 MiB (Documentation/Benchmarks.md).
    ///
    /// The pieces may share parameters (their gradients add up, branch by branch in index order, so the result
    /// does not depend on timing) but no other state: a module that draws
    /// random numbers in its forward pass (`PRIMANN`'s dropout in training mode, for example) or fills a
    /// cache must not run in two branches at once. The outputs equal those of running the pieces one after
    /// the other, and so do the gradients up to the order of floating-point additions.
    ///
    /// - Parameters:
    ///   - count: the number of pieces.
    ///   - body: the piece with the given index; returns its output tensors.
    /// - Returns: each piece's outputs, in order. Outputs that require gradients come back as new tensors of
    ///   the same values whose backward pass runs every piece's backward pass concurrently.
    /// - Throws: the error of the lowest-numbered piece that threw (the other pieces still ran to the end).
    public static func concurrentBranches(_ count: Int, _ body: (Int) throws -> [Tensor]) throws -> [[Tensor]] {
        let results = Parallel.branches(count) { index in Result { try body(index) } }
        let outputs = try results.map { try $0.get() }
        let tracked = outputs.enumerated().flatMap { branch, tensors in
            tensors.indices.filter { tensors[$0].requiresGrad }.map { (branch: branch, index: $0) }
        }
        guard !tracked.isEmpty, GradMode.isEnabled else { return outputs }
        return join(outputs, tracked: tracked)
    }

    /// One tape node holds every tracked output (flattened end to end); the outputs handed back are slices of
    /// it. Its backward function splits the incoming gradient and back-propagates each branch's share from
    /// that branch's own outputs, all branches at once. The branches' graphs are not inputs of the node, so
    /// the caller's backward pass does not walk them a second time.
    private static func join(_ outputs: [[Tensor]], tracked: [(branch: Int, index: Int)]) -> [[Tensor]] {
        let pieces = tracked.map { outputs[$0.branch][$0.index] }
        let flat = noGrad { Tensor.concat(pieces.map { $0.detached().reshaped([$0.count]) }, axis: 0) }
        let counts = pieces.map(\.count)
        let branchCount = outputs.count
        let joined = attach(flat, inputs: [], backward: .general { gradient in
            var roots = Array(repeating: [(tensor: Tensor, gradient: Tensor)](), count: branchCount)
            var offset = 0
            for (position, piece) in pieces.enumerated() {
                let share = gradient.narrowed(axis: 0, start: offset, length: counts[position]).reshaped(piece.shape)
                roots[tracked[position].branch].append((piece, share))
                offset += counts[position]
            }
            // Each branch collects its leaf gradients apart; they are added in branch order afterwards, so
            // the parameters' gradients do not depend on which branch finished first.
            let sinks = (0..<branchCount).map { _ in LeafGradientSink() }
            _ = Parallel.branches(branchCount) { branch in
                GradNode.$leafGradientSink.withValue(sinks[branch]) { Tensor.backward(roots[branch]) }
            }
            for sink in sinks { sink.flush() }
            return []
        })
        var result = outputs
        var offset = 0
        for (position, place) in tracked.enumerated() {
            let piece = pieces[position]
            result[place.branch][place.index] = joined.narrowed(axis: 0, start: offset, length: counts[position]).reshaped(piece.shape)
            offset += counts[position]
        }
        return result
    }
}
