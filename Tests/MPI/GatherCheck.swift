import PRIMANN
import PRIMATensor

/// All-gather forward and backward, and the averaged gradient of a contrastive loss over the gathered batch,
/// against the same computation in one process over the whole batch.
enum GatherCheck {
    static func run(_ world: any DataParallelCommunicator) throws {
        let batch = 5, width = 4
        var rng = RandomGenerator(seed: 7)
        let all = Tensor.randomNormal([batch, width], using: &rng)
        let coefficients = Tensor.randomNormal([batch, width], using: &rng)
        let weights = Tensor.randomNormal([width, 3], using: &rng)
        let rows = BatchShard.range(count: batch, rank: world.rank, size: world.size)
        let local = all.narrowed(axis: 0, start: rows.lowerBound, length: rows.count)

        // Forward: the ranks' rows joined in rank order are the whole batch.
        let leaf = local.requiringGrad()
        let gathered = try world.allGather(leaf)
        try expect(gathered.shape == all.shape && maxAbsoluteError(gathered.scalars, all.scalars) == 0,
                   "all-gather gave \(gathered.shape) \(gathered.scalars.prefix(6)), expected \(all.shape) \(all.scalars.prefix(6))")

        // Backward: every rank's gradient of the gathered tensor, summed, restricted to this rank's rows.
        (gathered * coefficients).sum().backward()
        try world.throwDeferredError()
        let expected = coefficients.narrowed(axis: 0, start: rows.lowerBound, length: rows.count) * Float(world.size)
        try expect(maxAbsoluteError(leaf.grad!.scalars, expected.scalars) <= 1e-6,
                   "all-gather gradient \(leaf.grad!.scalars.prefix(6)), expected \(expected.scalars.prefix(6)) (size × the local rows' coefficients)")

        // A contrastive loss over 2 ranks × B/2 is the loss over B, and its averaged gradient is the one-process gradient.
        func contrastive(_ embeddings: Tensor) -> Tensor {
            let normalized = embeddings.l2Normalized(axis: 1)
            return Tensor.crossEntropy(logits: Tensor.matmul(normalized, normalized, transposeB: true) / 0.5,
                                       targets: Tensor((0..<batch).map(Float.init)))
        }
        let projection = Parameter(weights)
        let loss = contrastive(try world.allGather(Tensor.matmul(local, projection.value)))
        loss.backward()
        try world.averageGradients(of: [projection])
        let reference = Parameter(weights)
        let referenceLoss = contrastive(Tensor.matmul(all, reference.value))
        referenceLoss.backward()
        let lossError = abs(loss.item - referenceLoss.item) / abs(referenceLoss.item)
        let gradientError = maxRelativeError(projection.grad!.scalars, reference.grad!.scalars)
        try expect(lossError <= DataParallelTolerance.forward, "contrastive loss \(loss.item) over the ranks, \(referenceLoss.item) in one process")
        try expect(gradientError <= DataParallelTolerance.gradient,
                   "averaged gradient differs from one process's by \(gradientError) (relative): \(projection.grad!.scalars.prefix(4)) vs \(reference.grad!.scalars.prefix(4))")
        if world.rank == 0 { say("gather: loss error \(lossError), gradient error \(gradientError) (relative)") }
    }
}
