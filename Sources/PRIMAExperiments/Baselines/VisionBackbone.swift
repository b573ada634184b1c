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
    /// Where the weights come from, for the run's fingerprint (`checkpoint:<path>` or `random:<seed>`, with
    /// `+frozen-weights:bf16` appended when the weights are stored in bfloat16, so that such runs are keyed apart).
    public let origin: String
    /// How the frozen Linear weights are stored (`Module.storeFrozenWeights(as:)`): every encoder made by
    /// ``makeEncoder()`` keeps them so, under its LoRA adapters.
    public let frozenWeights: WeightPrecision
    /// The frozen weights, held by a model that every fold's copy shares them with (copy-on-write tensors, and
    /// bfloat16 storage shared as is).
    let weights: SharedModel<DINOv3Model>
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
    /// With `frozenWeights` `.bfloat16` the Linear weights are stored in bfloat16 as they load (a BF16 file's as
    /// stored): the float32 model never exists.
    public init(checkpoint folder: URL, frozenWeights: WeightPrecision = .float32) throws {
        let model: DINOv3Model
        do {
            model = try DINOv3Model(contentsOf: folder, frozenWeights: frozenWeights)
        } catch {
            throw ExperimentError(.invalidOption, "--vision-checkpoint \(folder.path): not a usable DINOv3 checkpoint: "
                                  + ExperimentError.describe(error))
        }
        config = model.config
        imageSide = DINOv3Preprocessing.imageSize
        origin = "checkpoint:" + folder.standardizedFileURL.path + Self.originSuffix(frozenWeights)
        self.frozenWeights = frozenWeights
        weights = SharedModel(model)
        decodedPhotos = Self.photoCache(imageSide: imageSide)
    }

    /// A backbone of `config` with `transformers`' initialisation drawn from `seed` (no pretrained knowledge:
    /// the LoRA adapters and the head must learn everything).
    /// With `frozenWeights` `.bfloat16` the drawn Linear weights are then rounded to bfloat16.
    /// - Throws: ``ExperimentError`` `.invalidOption` when the configuration is invalid.
    public init(randomWeights config: DINOv3Config = smallConfig, seed: UInt64, frozenWeights: WeightPrecision = .float32) throws {
        if let problem = config.problem { throw ExperimentError(.invalidOption, "DINOv3 configuration: \(problem)") }
        var rng = RandomGenerator(seed: seed)
        let model = DINOv3Model(config: config, using: &rng)
        model.freeze()
        model.storeFrozenWeights(as: frozenWeights)
        self.config = config
        imageSide = config.imageSize.height
        origin = "random:\(seed):\(config.hiddenSize)x\(config.numHiddenLayers)" + Self.originSuffix(frozenWeights)
        self.frozenWeights = frozenWeights
        weights = SharedModel(model)
        decodedPhotos = Self.photoCache(imageSide: imageSide)
    }

    /// What ``origin`` adds for a storage: nothing for float32, so that runs made before the setting existed keep
    /// their fingerprint.
    static func originSuffix(_ frozenWeights: WeightPrecision) -> String {
        frozenWeights == .float32 ? "" : "+frozen-weights:" + frozenWeights.optionName
    }

    /// A fresh model holding the frozen weights (shared with the backbone, stored as ``frozenWeights``), frozen,
    /// in evaluation mode, without adapters.
    public func makeEncoder() -> DINOv3Model {
        // The random streams of the drawn model this replaced, so that training-mode augmentation is unchanged.
        var unused = RandomGenerator(seed: 0)
        let model = DINOv3Model(placeholderFor: config, using: &unused)
        model.freeze()
        // The same keys and shapes as the model they came from: a failure here is a programming error.
        do { try model.shareWeights(of: weights.model) } catch { preconditionFailure("DINOv3 weights: \(error)") }
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

/// A model whose weights fresh copies share (`Module.shareWeights(of:)`) and that nothing changes after it is
/// built: Sendable because it is only read, so every fold (on any thread) can copy from it.
final class SharedModel<Model: Module>: @unchecked Sendable {
    /// The model; never mutated.
    let model: Model

    init(_ model: Model) { self.model = model }
}
