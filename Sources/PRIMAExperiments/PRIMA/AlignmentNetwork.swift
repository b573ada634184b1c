import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

/// The trainable side of PRIMA's stage 2 as the harness runs it: the image encoder (frozen DINOv3 with LoRA
/// adapters), a linear projection of each encoder into the shared space, and τ. The text encoder stays
/// outside the module tree (frozen, never checkpointed); its features are passed in.
final class AlignmentNetwork: Module {
    /// The image encoder: frozen backbone, trainable adapters.
    let encoder: DINOv3Model
    /// Image features (CLS and patches) → shared space.
    let imageProjection: Linear
    /// Text features (CLS and tokens) → shared space.
    let textProjection: Linear
    /// The contrastive temperature.
    let temperature: AlignmentTemperature
    /// The image's and the text's global features.
    let imagePooling: FeaturePooling, textPooling: FeaturePooling
    /// Centring and scaling of the encoders' outputs before the projections, when used.
    var scaling: FeatureScaling?

    /// Adapts `encoder` with `lora` and draws the projections from `rng`.
    init(encoder: DINOv3Model, textWidth: Int, lora: LoRA.Configuration, projectionWidth: Int, temperature: Float,
         learnableTemperature: Bool, imagePooling: FeaturePooling, textPooling: FeaturePooling,
         using rng: inout RandomGenerator) throws {
        self.imagePooling = imagePooling
        self.textPooling = textPooling
        try encoder.applyLoRA(lora, using: &rng)
        self.encoder = encoder
        imageProjection = Linear(encoder.config.hiddenSize, projectionWidth, using: &rng)
        textProjection = Linear(textWidth, projectionWidth, using: &rng)
        self.temperature = AlignmentTemperature(initial: temperature, learnable: learnableTemperature)
        super.init()
    }

    /// The projected features of one view `[B, 3, H, W]`.
    func image(_ pixels: Tensor) -> ImageFeatures {
        let raw = encoder.encodeImages(pixels)
        let pooled = imageGlobal(raw)
        let global = scaling.map { $0.imageGlobal(pooled) } ?? pooled
        let tokens = raw.tokens.map { tokens in scaling.map { $0.imagePatches(tokens) } ?? tokens }
        return ImageFeatures(global: imageProjection(global), tokens: tokens.map { imageProjection($0) }, grid: raw.grid)
    }

    /// The projected features of a text batch (the mask and word mask unchanged); the global feature as
    /// ``textPooling`` says.
    func text(_ raw: TextFeatures) -> TextFeatures {
        var global = textGlobal(raw), tokens = raw.tokens
        if let scaling {
            global = scaling.textGlobal(global)
            tokens = scaling.textWords(tokens)
        }
        return TextFeatures(cls: textProjection(global), tokens: textProjection(tokens), mask: raw.mask, wordMask: raw.wordMask)
    }

    /// The image's global feature before projection, as ``imagePooling`` says.
    func imageGlobal(_ raw: ImageFeatures) -> Tensor {
        guard imagePooling == .mean, let tokens = raw.tokens else { return raw.global }
        return tokens.mean(axis: 1)
    }

    /// The text's global feature before projection, as ``textPooling`` says.
    func textGlobal(_ raw: TextFeatures) -> Tensor {
        switch textPooling {
        case .cls: return raw.cls
        case .mean:
            let weights = raw.wordMask.unsqueezed(-1)
            return (raw.tokens * weights).sum(axis: 1) / weights.sum(axis: 1).clamped(min: 1)
        }
    }

    /// The losses' inputs of a batch whose texts the frozen text encoder gave `text`.
    func inputs(_ batch: TwoViewBatch, text raw: TextFeatures) -> AlignmentInputs {
        AlignmentInputs(view1: image(batch.view1), view2: image(batch.view2), text: text(raw),
                        metadataVectors: batch.metadataVectors, labels: batch.labels, temperature: temperature.value)
    }
}
