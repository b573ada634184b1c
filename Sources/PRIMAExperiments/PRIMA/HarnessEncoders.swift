import PRIMAAlign
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

/// The harness's image encoder for ``AlignmentModel``: DINOv3 (keys unchanged, the wrapper adds none) with the
/// global feature chosen by ``pooling`` and, once ``scaling`` is set, its outputs centred and scaled
/// (``FeatureScaling``). Kept in the harness rather than in PRIMAAlign because both choices exist only for the
/// small random encoders of the synthetic run; PRIMAAlign's encoders stay the paper's (CLS, raw features).
final class PooledImageEncoder: Module, ImageEncoder {
    /// The adapted DINOv3.
    @Key("") private(set) var backbone: DINOv3Model
    /// CLS, or the mean of the patch tokens.
    let pooling: FeaturePooling
    /// Standardisation of the global feature and of the patch tokens; nil leaves them raw.
    var scaling: (global: FeatureStandardization, tokens: FeatureStandardization)?

    init(_ backbone: DINOv3Model, pooling: FeaturePooling) {
        self.pooling = pooling
        super.init()
        self.backbone = backbone
    }

    var featureWidth: Int { backbone.config.hiddenSize }

    func encodeImages(_ pixels: Tensor) -> ImageFeatures {
        let raw = backbone.encodeImages(pixels)
        var global = pooling == .mean ? raw.tokens.map { $0.mean(axis: 1) } ?? raw.global : raw.global
        var tokens = raw.tokens
        if let scaling {
            global = scaling.global(global)
            tokens = tokens.map { scaling.tokens($0) }
        }
        return ImageFeatures(global: global, tokens: tokens, grid: raw.grid)
    }
}

/// The harness's metadata encoder for ``AlignmentModel``: the frozen ``TextBackbone`` encoder truncating at the
/// backbone's maximum length, the global feature chosen by ``pooling`` (CLS or the mean of the word tokens),
/// and, once ``scaling`` is set, its outputs centred and scaled.
final class PooledMetadataEncoder: Module, MetadataEncoder {
    /// The text encoder.
    @Key("") private(set) var encoder: TextEncoder
    /// Longest tokenized text.
    let maxLength: Int
    /// CLS, or the mean of the word tokens (padding and special tokens excluded).
    let pooling: FeaturePooling
    /// Standardisation of the global feature and of the word tokens; nil leaves them raw.
    var scaling: (global: FeatureStandardization, tokens: FeatureStandardization)?

    init(_ encoder: TextEncoder, maxLength: Int, pooling: FeaturePooling) {
        self.maxLength = maxLength
        self.pooling = pooling
        super.init()
        self.encoder = encoder
    }

    var featureWidth: Int { encoder.hiddenSize }

    func encodeMetadata(_ texts: [String]) throws -> TextFeatures {
        let raw = try encoder.encode(texts, maxLength: maxLength)
        var global: Tensor
        switch pooling {
        case .cls: global = raw.cls
        case .mean:
            let weights = raw.wordMask.unsqueezed(-1)
            global = (raw.tokens * weights).sum(axis: 1) / weights.sum(axis: 1).clamped(min: 1)
        }
        var tokens = raw.tokens
        if let scaling {
            global = scaling.global(global)
            tokens = scaling.tokens(tokens)
        }
        return TextFeatures(cls: global, tokens: tokens, mask: raw.mask, wordMask: raw.wordMask)
    }
}
