/// PRIMAAlign: stage 2 of PRIMA — aligning an image encoder with a metadata (text) encoder.
///
/// - Encoders: ``ImageEncoder`` (DINOv3 conforms) gives ``ImageFeatures``; ``MetadataEncoder`` (the text
///   encoder conforms) gives `TextFeatures`. Both protocols are open to a user's own networks.
/// - Losses: ``AlignmentLoss`` over one batch of ``AlignmentInputs``; ``AlignmentObjective`` weighs named terms
///   into the total; ``AlignmentTemperature`` is the shared τ.
/// - Model and training: ``AlignmentModel`` (two encoders, four ``ProjectionHead``s, τ), ``StageTwoSetup`` (what
///   trains), ``AlignmentTrainer`` (AdamW, warm-up + cosine, per-term logs, checkpoints, exact resume),
///   ``SupervisedRefinementTrainer`` (classification head, class-weighted cross-entropy).
/// - Results: ``AlignedImageEncoder`` saves and loads the aligned image side for stage 3; ``RetrievalRecall``
///   measures image↔text retrieval in the shared space.
///
/// The article "Training stage 2" walks through a run with DINOv3 and with an encoder of one's own.
public enum PRIMAAlign {}
