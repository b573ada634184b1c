import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAVision

/// The paper's image-only baseline ("DINOv3 + LoRA"): a frozen DINOv3 with LoRA adapters (rank 32 on the
/// attention's q/k/v/o projections by default) and a linear head on the CLS token.
public final class DINOv3Classifier: Module, BatchClassifier {
    /// The image encoder: frozen backbone, trainable adapters.
    public let encoder: DINOv3Model
    /// CLS → class logits.
    public let head: Linear
    /// **[ours]** Average the CLS of both views of a sample (two photos, or one photo augmented twice) instead of
    /// reading view 1 only; costs a second encoder pass.
    public let averagesViews: Bool

    /// Attaches `lora` adapters to `encoder` (freezing everything else in it) and a new linear head.
    /// - Throws: when no layer of the encoder matches the adapters' targets.
    public init(encoder: DINOv3Model, lora: LoRA.Configuration = .dinov3(), classCount: Int, averagesViews: Bool = false,
                using rng: inout RandomGenerator) throws {
        try encoder.applyLoRA(lora, using: &rng)
        self.encoder = encoder
        head = Linear(encoder.config.hiddenSize, classCount, using: &rng)
        self.averagesViews = averagesViews
        super.init()
    }

    public func logits(for batch: TwoViewBatch) -> Tensor {
        head(DINOv3Classifier.imageFeatures(encoder, batch, averagesViews: averagesViews))
    }

    public var viewsPerSample: Int { averagesViews ? 2 : 1 }

    /// The CLS features [B, hidden] of a batch (view 1, or the mean over both views).
    static func imageFeatures(_ encoder: DINOv3Model, _ batch: TwoViewBatch, averagesViews: Bool) -> Tensor {
        let first = encoder(batch.view1).cls
        guard averagesViews else { return first }
        return (first + encoder(batch.view2).cls) * 0.5
    }
}

/// The paper's image+metadata baseline ("+ Metadata via MLP"): the image features of ``DINOv3Classifier``
/// concatenated with the frozen text encoder's CLS embedding of the metadata text, through an MLP.
public final class DINOv3MetadataClassifier: Module, BatchClassifier {
    /// The image encoder: frozen backbone, trainable adapters.
    public let encoder: DINOv3Model
    /// [image CLS ⊕ text CLS (⊕ metadata vector)] → hidden → class logits.
    public let head: MLP
    /// Average the CLS of both views (see ``DINOv3Classifier/averagesViews``).
    public let averagesViews: Bool
    /// **[ours]** When set, the metadata vector (one-hot fields and bins, label slots removed) is appended to the
    /// head's input as well: with a random-weight text encoder, its CLS carries the metadata only weakly.
    public let metadataVectorWidth: Int?
    /// The number of classes (to cut the label slots off the metadata vectors).
    let classCount: Int
    /// The frozen text encoder's embeddings; outside the module tree, so checkpoints and the optimiser never see it.
    let text: TextBackbone

    /// Attaches `lora` adapters to `encoder` and builds the MLP head with one hidden layer of `hiddenSize`.
    /// Every text the classifier will meet must have been passed to ``TextBackbone/precompute(_:)``.
    public init(encoder: DINOv3Model, text: TextBackbone, lora: LoRA.Configuration = .dinov3(), classCount: Int,
                hiddenSize: Int = 128, dropout: Float = 0.1, metadataVectorWidth: Int? = nil, averagesViews: Bool = false,
                using rng: inout RandomGenerator) throws {
        try encoder.applyLoRA(lora, using: &rng)
        self.encoder = encoder
        self.text = text
        self.classCount = classCount
        self.averagesViews = averagesViews
        self.metadataVectorWidth = metadataVectorWidth
        let inputWidth = encoder.config.hiddenSize + text.hiddenSize + (metadataVectorWidth ?? 0)
        head = MLP(sizes: [inputWidth, hiddenSize, classCount], activation: .gelu, dropout: dropout, using: &rng)
        super.init()
    }

    public func logits(for batch: TwoViewBatch) -> Tensor {
        var parts = [DINOv3Classifier.imageFeatures(encoder, batch, averagesViews: averagesViews), text.embeddings(of: batch.texts)]
        if metadataVectorWidth != nil { parts.append(batch.metadataFeatures(classCount: classCount)) }
        return head(Tensor.concat(parts, axis: 1))
    }

    public var viewsPerSample: Int { averagesViews ? 2 : 1 }
}
