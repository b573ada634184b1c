import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAVision

/// The frozen DINOv3 weights every fold of a baseline starts from: a Hugging Face checkpoint folder, or a
/// small configuration with seeded random weights (the built-in default, which needs no download).
///
/// The weights are read (or drawn) once; ``makeEncoder()`` builds a fresh model from them for each fold, so
/// every fold sees the same frozen backbone and only its LoRA adapters and head train.
public struct VisionBackbone: Sendable {
    /// The model's configuration.
    public let config: DINOv3Config
    /// The side length photos are resized to: 224 for a checkpoint (DINOv3's preprocessing), the configuration's
    /// `image_size` for random weights.
    public let imageSide: Int
    /// Where the weights come from, for the run's fingerprint (`checkpoint:<path>` or `random:<seed>`).
    public let origin: String
    /// The frozen weights by checkpoint key (copy-on-write tensors, shared by every fold).
    let weights: [String: Tensor]
    /// The photos decoded for this backbone's pipelines (at ``imageSide``'s decode size), shared by every fold and
    /// experiment that uses it, so a run decodes each file once.
    let decodedPhotos: DecodedImageCache

    /// **[ours]** The built-in default: a DINOv3 of the real architecture (patch 16, 4 register tokens, RoPE,
    /// LayerScale) cut down to 3 layers of width 96 with 3 heads, on 96 × 96 photos (a 6 × 6 patch grid), so that
    /// five folds of both baselines train in a few minutes on two CPU cores.
    public static let smallConfig = DINOv3Config(
        patchSize: Size2D(16), hiddenSize: 96, intermediateSize: 384, numHiddenLayers: 3, numAttentionHeads: 3,
        initializerRange: 0.02, imageSize: Size2D(96), numRegisterTokens: 4, posEmbedRescale: nil)

    /// Loads a Hugging Face DINOv3 folder (`config.json`, `model.safetensors`) strictly; photos are then
    /// preprocessed as DINOv3 expects (224 × 224, ImageNet normalisation).
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the folder and what is wrong with it (missing or invalid
    ///   config, bad weights file, missing, unexpected or mis-shaped keys).
    public init(checkpoint folder: URL) throws {
        let model: DINOv3Model
        do {
            model = try DINOv3Model(contentsOf: folder)
        } catch {
            throw ExperimentError(.invalidOption, "--vision-checkpoint \(folder.path): not a usable DINOv3 checkpoint: "
                                  + ExperimentError.describe(error))
        }
        config = model.config
        imageSide = DINOv3Preprocessing.imageSize
        origin = "checkpoint:" + folder.standardizedFileURL.path
        weights = model.stateDict()
        decodedPhotos = Self.photoCache(imageSide: imageSide)
    }

    /// A backbone of `config` with `transformers`' initialisation drawn from `seed` (no pretrained knowledge:
    /// the LoRA adapters and the head must learn everything).
    /// - Throws: ``ExperimentError`` `.invalidOption` when the configuration is invalid.
    public init(randomWeights config: DINOv3Config = smallConfig, seed: UInt64) throws {
        if let problem = config.problem { throw ExperimentError(.invalidOption, "DINOv3 configuration: \(problem)") }
        var rng = RandomGenerator(seed: seed)
        let model = DINOv3Model(config: config, using: &rng)
        self.config = config
        imageSide = config.imageSize.height
        origin = "random:\(seed):\(config.hiddenSize)x\(config.numHiddenLayers)"
        weights = model.stateDict()
        decodedPhotos = Self.photoCache(imageSide: imageSide)
    }

    /// A fresh model holding the frozen weights, in evaluation mode, without adapters.
    public func makeEncoder() -> DINOv3Model {
        var unused = RandomGenerator(seed: 0)
        let model = DINOv3Model(config: config, using: &unused)
        // The same keys and shapes as the model they came from: a failure here is a programming error.
        do { try model.loadStateDict(weights, strict: true) } catch { preconditionFailure("DINOv3 weights: \(error)") }
        model.freeze()
        model.eval()
        return model
    }

    /// Batches for this backbone: DINOv3's training augmentations and evaluation resize at ``imageSide``.
    /// Photos may be PNG or JPEG (told apart by their first bytes, not their names) and are decoded at no less than twice ``imageSide`` a side (a large photo is reduced by 2, 4 or 8
    /// while it is decoded, so its memory and time follow what the resize keeps), and kept decoded in memory
    /// (up to 512 MiB of pixels, see `DecodedImageCache`) for the later epochs and folds.
    public func pipeline(schema: MetadataSchema) -> BatchPipeline {
        BatchPipeline(schema: schema,
                      trainTransform: DINOv3Preprocessing.trainingTransform(height: imageSide, width: imageSide),
                      evaluationTransform: DINOv3Preprocessing.evaluationTransform(height: imageSide, width: imageSide),
                      decode: decodedPhotos.reader)
    }

    private static func photoCache(imageSide: Int) -> DecodedImageCache {
        DecodedImageCache(decode: ImageDecoder.reader(options: ImageDecodingOptions(minimumSide: 2 * imageSide)))
    }
}
