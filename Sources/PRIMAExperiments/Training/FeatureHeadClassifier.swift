import PRIMAData
import PRIMANN
import PRIMATensor

/// A classification head over fixed (untrained) features of a batch: a linear layer, or an MLP with hidden
/// layers. The generic baseline of the harness: the features may be image statistics, metadata vectors, or
/// embeddings of a frozen encoder.
public final class FeatureHeadClassifier: Module, BatchClassifier {
    /// The head: `[featureCount, hidden…, classCount]` (no hidden sizes: a linear classifier).
    public let head: MLP
    /// Turns a batch into features [B, featureCount]; no gradient flows into it.
    let features: @Sendable (TwoViewBatch) -> Tensor

    /// A head over `features`, initialised from `rng`.
    /// - Parameters:
    ///   - featureCount: the width of `features`' output.
    ///   - hiddenSizes: hidden layer sizes (GELU between layers); empty for a linear head.
    ///   - dropout: dropout after each hidden activation.
    public init(featureCount: Int, hiddenSizes: [Int] = [], classCount: Int, dropout: Float = 0,
                features: @escaping @Sendable (TwoViewBatch) -> Tensor, using rng: inout RandomGenerator) {
        head = MLP(sizes: [featureCount] + hiddenSizes + [classCount], activation: .gelu, dropout: dropout, using: &rng)
        self.features = features
        super.init()
    }

    public func logits(for batch: TwoViewBatch) -> Tensor {
        head(features(batch).detached())
    }
}

/// The two baselines of the paper's Table 1 as placeholders over ``ImageStatistics`` instead of DINOv3
/// features (the encoder baselines replace them once PRIMAVision and PRIMAText are in): image statistics with a
/// linear head, and image statistics concatenated with the metadata vector through an MLP.
public enum PlaceholderBaselines {
    /// The side photos are resized to before their statistics are taken.
    public static let imageSide = 32

    /// The batch pipeline: photos resized to ``imageSide``, flipped and turned at random for training.
    public static func pipeline(schema: MetadataSchema) -> BatchPipeline {
        BatchPipeline(schema: schema, trainTransform: ImageStatistics.resizeTransform(side: imageSide, augment: true),
                      evaluationTransform: ImageStatistics.resizeTransform(side: imageSide, augment: false))
    }

    /// "Image only": image statistics → linear head (stands in for DINOv3 + LoRA → linear head).
    public static func imageOnly(schema: MetadataSchema, settings: TrainingSettings) -> ClassifierExperiment {
        ClassifierExperiment(name: "image-only", title: "Image statistics + linear head (placeholder for DINOv3 + LoRA)",
                             settings: settings, pipeline: pipeline(schema: schema),
                             modelFingerprint: ["features": "image-statistics-v1", "side": String(imageSide), "head": "linear"]) { context in
            var rng = RandomGenerator(seed: context.seed)
            return FeatureHeadClassifier(featureCount: ImageStatistics.featureCount, classCount: context.classCount,
                                         features: { ImageStatistics.features(of: $0.view1) }, using: &rng)
        }
    }

    /// "Image + metadata": image statistics and the metadata vector (label slots removed) → MLP head (stands in
    /// for DINOv3 features + the text encoder's CLS of the metadata text → MLP).
    public static func imageAndMetadata(schema: MetadataSchema, settings: TrainingSettings, hiddenSize: Int = 64,
                                        dropout: Float = 0.1) -> ClassifierExperiment {
        let classCount = schema.label.classes.count
        let metadataWidth = MetadataVectorEncoder(schema: schema).dimension - classCount
        return ClassifierExperiment(name: "image-metadata", title: "+ Metadata via MLP (placeholder: image statistics + metadata vector)",
                                    settings: settings, pipeline: pipeline(schema: schema),
                                    modelFingerprint: ["features": "image-statistics-v1+metadata-vector", "side": String(imageSide),
                                                       "head": "mlp-\(hiddenSize)", "dropout": String(dropout)]) { context in
            var rng = RandomGenerator(seed: context.seed)
            return FeatureHeadClassifier(
                featureCount: ImageStatistics.featureCount + metadataWidth, hiddenSizes: [hiddenSize], classCount: context.classCount,
                dropout: dropout,
                features: { batch in
                    Tensor.concat([ImageStatistics.features(of: batch.view1), batch.metadataFeatures(classCount: classCount)], axis: 1)
                }, using: &rng)
        }
    }
}
