import PRIMANN
import PRIMATensor
import PRIMAVision

/// An image encoder PRIMA can align: a `Module` (so the trainer finds, freezes and adapts its parameters)
/// that maps a batch of images to ``ImageFeatures``.
///
/// `DINOv3Model` conforms; so can any network of a user's own (a small CNN, another ViT).
public protocol ImageEncoder: Module {
    /// The width D of ``ImageFeatures/global`` and ``ImageFeatures/tokens``.
    var featureWidth: Int { get }
    /// Encodes `pixels` `[B, C, H, W]` (as the data pipeline's image transform produced them).
    func encodeImages(_ pixels: Tensor) -> ImageFeatures
}

extension DINOv3Model: ImageEncoder {
    /// The hidden size.
    public var featureWidth: Int { config.hiddenSize }

    /// CLS as the global feature, the patch tokens as local features; the register tokens are dropped, as
    /// PRIMA does.
    public func encodeImages(_ pixels: Tensor) -> ImageFeatures {
        let out = self(pixels)
        return ImageFeatures(global: out.cls, tokens: out.patches,
                             grid: PatchGrid(height: out.gridShape.height, width: out.gridShape.width))
    }
}
