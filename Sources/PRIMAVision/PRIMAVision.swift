/// PRIMAVision: the image side of PRIMA.
///
/// - ``DINOv3Model``: the DINOv3 ViT image encoder, parameter for parameter `transformers`'
///   `DINOv3ViTModel`, loading Hugging Face folders (``DINOv3Model/init(contentsOf:)``) and configured by
///   ``DINOv3Config`` (read from `config.json`, or one of the four public presets such as
///   ``DINOv3Config/vitSmall16``). Its ``DINOv3Output`` separates the CLS token, the register tokens
///   and the patch tokens with their grid, which is what the alignment losses consume.
/// - LoRA adapters for the encoder (``DINOv3Model/applyLoRA(_:using:)``, rank 32 by default).
/// - Image transforms (resizing, cropping, augmentation, normalisation) turning decoded images into
///   the encoder's pixel tensors.
public enum PRIMAVision {}
