import PRIMATensor

/// Turns a decoded photo into a model input [3, H, W] (float, typically in [0, 1] or normalised), drawing
/// any augmentation randomness from `rng`. The vision module supplies the real ones (random resized crop,
/// flips, colour jitter); every view of a batch must come out the same size.
public typealias ImageTransform = @Sendable (RGBImage, inout RandomGenerator) throws -> Tensor

/// One batch for PRIMA's alignment stage: two views per sample, its metadata as text and as vector, its label.
public struct TwoViewBatch: Sendable {
    /// Positions of the samples in the loader's sample list.
    public let sampleIndices: [Int]
    /// First view of each sample, [B, 3, H, W].
    public let view1: Tensor
    /// Second view, [B, 3, H, W]: another photo of the same lesion/patient when it has one, else the same
    /// photo through its own augmentation.
    public let view2: Tensor
    /// The metadata rendered as text (``MetadataTextRenderer``).
    public let texts: [String]
    /// The soft-target vectors y, [B, D] (``MetadataVectorEncoder``).
    public let metadataVectors: Tensor
    /// Class indices, [B] (float, as all index tensors).
    public let labels: Tensor

    /// Number of samples.
    public var count: Int { sampleIndices.count }
}
