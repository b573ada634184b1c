import PRIMAData
import PRIMANN
import PRIMATensor

/// A classification head over fixed (untrained) features of a batch: a linear layer, or an MLP with hidden
/// layers. The generic baseline of the harness: the features may be metadata vectors, embeddings of a frozen
/// encoder, or any fixed function of the batch.
public final class FeatureHeadClassifier: Module, BatchClassifier {
    /// The head: `[featureCount, hidden…, classCount]` (no hidden sizes: a linear classifier).
    public let head: MLP
    /// Turns a batch into features [B, featureCount]; no gradient flows into it.
    let features: @Sendable (TwoViewBatch) -> Tensor
    /// Applied to the features before the head, if set.
    public let standardization: FeatureStandardization?

    /// A head over `features`, initialised from `rng`.
    /// - Parameters:
    ///   - featureCount: the width of `features`' output.
    ///   - hiddenSizes: hidden layer sizes (GELU between layers); empty for a linear head.
    ///   - classCount: the number of classes (the head's output width).
    ///   - dropout: dropout after each hidden activation.
    ///   - standardization: per-feature scaling fitted on the training samples (not a trained weight).
    ///   - features: turns a batch into features `[B, featureCount]`; no gradient flows into it.
    ///   - rng: draws the head's initial weights.
    public init(featureCount: Int, hiddenSizes: [Int] = [], classCount: Int, dropout: Float = 0,
                standardization: FeatureStandardization? = nil,
                features: @escaping @Sendable (TwoViewBatch) -> Tensor, using rng: inout RandomGenerator) {
        head = MLP(sizes: [featureCount] + hiddenSizes + [classCount], activation: .gelu, dropout: dropout, using: &rng)
        self.features = features
        self.standardization = standardization
        super.init()
    }

    public func logits(for batch: TwoViewBatch) -> Tensor {
        let x = features(batch).detached()
        return head(standardization.map { $0(x) } ?? x)
    }
}
