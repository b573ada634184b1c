import PRIMATensor

/// PRIMA's soft semantic loss `L_soft`: image–text matching with soft targets, so that samples whose metadata
/// look alike (same diagnosis, similar risk factors) are not pushed apart as hard negatives.
///
/// From each sample's metadata vector `y_i` (``AlignmentInputs/metadataVectors``, built by PRIMAData's
/// `MetadataVectorEncoder`: one-hot fields, binned numbers, the diagnosis one-hot weighted ×3), the targets are
/// the row-wise softmax `s_{i,j} = softmax_j(⟨y_i, y_j⟩ / τ_label)`. With `p_{i,k}` the global feature of view k,
/// `q_j` the text CLS and `sim(a, b) = cos(a, b) / τ`:
///
/// ```
/// L_soft = −1/(4N²) Σ_i Σ_j Σ_{k=1,2} s_{i,j} [ log softmax_l sim(p_{i,k}, q_l) |_{l=j} + log softmax_l sim(q_j, p_{l,k}) |_{l=i} ]
/// ```
///
/// The normaliser `1/(4N²)` is kept as the paper prints it: since each row of s sums to 1, it is the mean
/// over samples, views and directions divided by N (a rescaling of the loss's weight β).
///
/// With ``Targets/labels(weight:)`` the same loss uses `y_i = weight · onehot(label_i)` (the `L_sup_con`
/// ablation): then `⟨y_i, y_j⟩ = weight²` for two samples of the same class and 0 otherwise. Needs N ≥ 2.
public struct SoftSemanticLoss: AlignmentLoss {
    /// Where the vectors y of the targets come from.
    public enum Targets: Sendable, Equatable, Hashable {
        /// ``AlignmentInputs/metadataVectors`` (PRIMA).
        case metadataVectors
        /// The class one-hot of ``AlignmentInputs/labels`` times `weight` (the `L_sup_con` ablation; 3 is the
        /// weight the metadata vectors put on their label slots).
        case labels(weight: Float)
    }

    /// The source of y.
    public var targets: Targets
    /// τ_label of the targets' softmax; our default 0.5 (the paper gives none).
    public var labelTemperature: Float

    /// The loss with targets from `targets` sharpened by `labelTemperature`.
    public init(targets: Targets = .metadataVectors, labelTemperature: Float = 0.5) {
        self.targets = targets
        self.labelTemperature = labelTemperature
    }

    /// The `L_sup_con` ablation: the same loss with y the weighted class one-hot.
    public static func supervisedContrastive(labelWeight: Float = 3, labelTemperature: Float = 0.5) -> SoftSemanticLoss {
        SoftSemanticLoss(targets: .labels(weight: labelWeight), labelTemperature: labelTemperature)
    }

    /// `soft_semantic`, or `supervised_contrastive` for the ablation.
    public var name: String {
        switch targets {
        case .metadataVectors: "soft_semantic"
        case .labels: "supervised_contrastive"
        }
    }

    /// `L_soft` (or `L_sup_con`) of the batch, a scalar.
    /// - Throws: ``AlignmentError`` when the global features disagree in shape or are not finite, N < 2, τ or
    ///   τ_label (or the label weight) is not positive and finite, or the metadata vectors (labels) are missing,
    ///   of the wrong shape or invalid.
    public func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let check = LossInputCheck(loss: name)
        let tau = try check.temperature(inputs.temperature)
        try check.positiveOption(labelTemperature, "the label temperature τ_label")
        let n = try check.globalFeatures(inputs, withText: true, minimumBatch: 2)
        let softTargets = (try targetAffinities(inputs, batch: n, check: check) / labelTemperature).softmax(axis: 1)
        var total = Tensor(0)
        for view in inputs.views {
            // logits[i, l] = sim(p_i, q_l): rows give image → text, columns text → image.
            let logits = ContrastiveMath.similarityLogits(view.global, inputs.text.cls, temperature: tau)
            total = total + (softTargets * (logits.logSoftmax(axis: 1) + logits.logSoftmax(axis: 0))).sum()
        }
        return -total / Float(4 * n * n)
    }

    /// `⟨y_i, y_j⟩` `[N, N]`.
    private func targetAffinities(_ inputs: AlignmentInputs, batch n: Int, check: LossInputCheck) throws -> Tensor {
        switch targets {
        case .metadataVectors:
            guard let y = inputs.metadataVectors else {
                throw check.failure("needs AlignmentInputs.metadataVectors [N, M]; they are nil")
            }
            guard y.rank == 2, y.shape[0] == n, y.shape[1] > 0 else {
                throw check.failure("metadata vectors have shape \(y.shape), need [N, M] with N = \(n) (the global features' batch) and M > 0")
            }
            try check.finite(y, "metadata vectors")
            return Tensor.matmul(y, y, transposeB: true)
        case .labels(let weight):
            try check.positiveOption(weight, "the label weight")
            let classes = try classIndices(inputs.labels, batch: n, check: check)
            var scalars = [Float](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n where classes[i] == classes[j] { scalars[i * n + j] = weight * weight } }
            return Tensor(shape: [n, n], scalars: scalars)
        }
    }

    /// The labels as non-negative integers, checked.
    private func classIndices(_ labels: Tensor?, batch n: Int, check: LossInputCheck) throws -> [Int] {
        guard let labels else { throw check.failure("needs AlignmentInputs.labels [N]; they are nil") }
        guard labels.shape == [n] else {
            throw check.failure("labels have shape \(labels.shape), need [\(n)] (the global features' batch)")
        }
        return try labels.scalars.enumerated().map { index, value in
            guard value >= 0, let label = Int(exactly: value) else {
                throw check.failure("label \(value) of sample \(index) is not a class index (a non-negative integer)")
            }
            return label
        }
    }
}
