/// PRIMAAlign: stage 2 of PRIMA — aligning an image encoder with a metadata (text) encoder.
///
/// - Encoders: ``ImageEncoder`` (DINOv3 conforms) gives ``ImageFeatures``; ``MetadataEncoder`` (the text
///   encoder conforms) gives `TextFeatures`. Both protocols are open to a user's own networks.
/// - Losses: ``AlignmentLoss`` over one batch of ``AlignmentInputs``; ``AlignmentObjective`` weighs named terms
///   into the total; ``AlignmentTemperature`` is the shared τ.
public enum PRIMAAlign {}
