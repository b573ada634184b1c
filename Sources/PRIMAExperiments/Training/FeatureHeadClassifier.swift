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

/// Stand-ins for the two baselines of the paper's Table 1 over ``ImageStatistics`` instead of DINOv3
/// features (``BaselineChoice/placeholder``; the real ones are ``EncoderBaselines``): image statistics with a
/// linear head, and image statistics concatenated with the metadata vector through an MLP.
public enum PlaceholderBaselines {
    /// The side photos are resized to before their statistics are taken.
    public static let imageSide = 32

    /// The batch pipeline: photos resized to ``imageSide``, flipped and turned at random for training.
    public static func pipeline(schema: MetadataSchema) -> BatchPipeline {
        BatchPipeline(schema: schema, trainTransform: ImageStatistics.resizeTransform(side: imageSide, augment: true),
                      evaluationTransform: ImageStatistics.resizeTransform(side: imageSide, augment: false),
                      decode: PNGDecoder.reader(options: ImageDecodingOptions(minimumSide: 2 * imageSide)))
    }

    /// "Image only": image statistics → linear head (stands in for DINOv3 + LoRA → linear head).
    public static func imageOnly(schema: MetadataSchema, settings: TrainingSettings) -> ClassifierExperiment {
        let pipeline = pipeline(schema: schema)
        let features: @Sendable (TwoViewBatch) -> Tensor = { ImageStatistics.features(of: $0.view1) }
        return ClassifierExperiment(name: "placeholder-image-only", title: "Image statistics + linear (placeholder)",
                                    settings: settings, pipeline: pipeline,
                                    modelFingerprint: ["features": "image-statistics-v1-standardized", "side": String(imageSide),
                                                       "head": "linear"]) { context in
            let standardization = try FeatureStandardization.fit(features, samples: context.train, pipeline: pipeline, seed: context.seed)
            var rng = RandomGenerator(seed: context.seed)
            return FeatureHeadClassifier(featureCount: ImageStatistics.featureCount, classCount: context.classCount,
                                         standardization: standardization, features: features, using: &rng)
        }
    }

    /// "Image + metadata": image statistics and the metadata vector (label slots removed) → MLP head (stands in
    /// for DINOv3 features + the text encoder's CLS of the metadata text → MLP).
    public static func imageAndMetadata(schema: MetadataSchema, settings: TrainingSettings, hiddenSize: Int = 64,
                                        dropout: Float = 0.1) -> ClassifierExperiment {
        let classCount = schema.label.classes.count
        let metadataWidth = MetadataVectorEncoder(schema: schema).dimension - classCount
        let pipeline = pipeline(schema: schema)
        let features: @Sendable (TwoViewBatch) -> Tensor = { batch in
            Tensor.concat([ImageStatistics.features(of: batch.view1), batch.metadataFeatures(classCount: classCount)], axis: 1)
        }
        return ClassifierExperiment(name: "placeholder-image-metadata", title: "Image statistics + metadata vector via MLP (placeholder)",
                                    settings: settings, pipeline: pipeline,
                                    modelFingerprint: ["features": "image-statistics-v1+metadata-vector-standardized",
                                                       "side": String(imageSide), "head": "mlp-\(hiddenSize)", "dropout": String(dropout)]) { context in
            let standardization = try FeatureStandardization.fit(features, samples: context.train, pipeline: pipeline, seed: context.seed)
            var rng = RandomGenerator(seed: context.seed)
            return FeatureHeadClassifier(
                featureCount: ImageStatistics.featureCount + metadataWidth, hiddenSizes: [hiddenSize], classCount: context.classCount,
                dropout: dropout, standardization: standardization, features: features, using: &rng)
        }
    }
}
