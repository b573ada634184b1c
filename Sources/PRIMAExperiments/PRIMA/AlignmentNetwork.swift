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

    /// Adapts `encoder` with `lora` and draws the projections from `rng`.
    init(encoder: DINOv3Model, textWidth: Int, lora: LoRA.Configuration, projectionWidth: Int, temperature: Float,
         learnableTemperature: Bool, using rng: inout RandomGenerator) throws {
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
        return ImageFeatures(global: imageProjection(raw.global), tokens: raw.tokens.map { imageProjection($0) }, grid: raw.grid)
    }

    /// The projected features of a text batch (the mask and word mask unchanged).
    func text(_ raw: TextFeatures) -> TextFeatures {
        TextFeatures(cls: textProjection(raw.cls), tokens: textProjection(raw.tokens), mask: raw.mask, wordMask: raw.wordMask)
    }

    /// The losses' inputs of a batch whose texts the frozen text encoder gave `text`.
    func inputs(_ batch: TwoViewBatch, text raw: TextFeatures) -> AlignmentInputs {
        AlignmentInputs(view1: image(batch.view1), view2: image(batch.view2), text: text(raw),
                        metadataVectors: batch.metadataVectors, labels: batch.labels, temperature: temperature.value)
    }
}
