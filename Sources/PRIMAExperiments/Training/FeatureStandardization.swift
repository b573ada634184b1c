import PRIMAData
import PRIMATensor

/// Per-feature standardisation `(x − mean) / sd`, fitted on a fold's training samples, so that a head sees
/// features of comparable scale (histogram shares of 0.1 next to one-hot metadata). Constant features keep
/// their scale (sd taken as 1).
public struct FeatureStandardization: Sendable {
    /// Mean per feature, [1, F].
    public let mean: Tensor
    /// 1 / sd per feature, [1, F].
    public let inverseSD: Tensor

    /// A standardisation from explicit statistics.
    public init(mean: [Float], sd: [Float]) {
        precondition(mean.count == sd.count, "\(mean.count) means for \(sd.count) standard deviations")
        self.mean = Tensor(shape: [1, mean.count], scalars: mean)
        inverseSD = Tensor(shape: [1, sd.count], scalars: sd.map { $0 > 1e-6 ? 1 / $0 : 1 })
    }

    /// Fits the statistics of `features` over the batches of `samples` (evaluation transform, no shuffling).
    static func fit(_ features: (TwoViewBatch) -> Tensor, samples: [DatasetSample], pipeline: BatchPipeline,
                    seed: UInt64) throws -> FeatureStandardization {
        let loader = pipeline.loader(samples, batchSize: 64, training: false, seed: seed)
        var batches = loader.epoch(0)
        var sum: [Double] = [], squares: [Double] = [], count = 0
        while let batch = try batches.next() {
            let x = features(batch), width = x.shape[1], values = x.scalars
            if sum.isEmpty { sum = [Double](repeating: 0, count: width); squares = sum }
            for row in 0..<x.shape[0] {
                for j in 0..<width {
                    let v = Double(values[row * width + j])
                    sum[j] += v
                    squares[j] += v * v
                }
            }
            count += x.shape[0]
        }
        precondition(count > 0, "standardisation fitted on no samples")
        let mean = sum.map { $0 / Double(count) }
        let sd = zip(squares, mean).map { (max(0, $0 / Double(count) - $1 * $1)).squareRoot() }
        return FeatureStandardization(mean: mean.map(Float.init), sd: sd.map(Float.init))
    }

    /// Standardises `x` [B, F].
    public func callAsFunction(_ x: Tensor) -> Tensor { (x - mean) * inverseSD }
}
