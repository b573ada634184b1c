import Foundation
import PRIMANN
import PRIMATensor
import PRIMAVision

/// The image side of a trained alignment, as stage 3 and users load it: the image encoder with its LoRA
/// adapters merged into the weights, the two image projection heads, and the supervised classification head
/// when there is one.
///
/// On disk: one safetensors file (keys `image_encoder.…` — the encoder's own checkpoint keys, no adapter keys —
/// `image_global_head.…`, `image_local_head.…`, `classifier.…`) written atomically, and an
/// ``AlignedEncoderManifest`` JSON file next to it (same name, extension `json`).
///
/// ```swift
/// try AlignedImageEncoder.save(model, classifier: refinement.classifier, stage: "supervised refinement", fold: 2, seed: 7,
///                              to: folder.appendingPathComponent("aligned-image-encoder.safetensors"))
/// let aligned = try AlignedImageEncoder(contentsOf: url, encoder: DINOv3Model(config: config, using: &rng))
/// let features = aligned.encode(pixels)        // what stage 3 reads
/// ```
public final class AlignedImageEncoder: Module {
    /// The image encoder with merged weights.
    @Key("image_encoder") public private(set) var encoder: any ImageEncoder
    /// Global feature → shared space.
    @Key("image_global_head") public private(set) var globalHead: ProjectionHead
    /// Local tokens → shared space.
    @Key("image_local_head") public private(set) var localHead: ProjectionHead
    /// The supervised classification head, nil when the file has none.
    @Key("classifier") public private(set) var classifier: Linear? = nil
    /// What the manifest says.
    public let manifest: AlignedEncoderManifest

    // MARK: Saving

    /// Writes the image side of `model` (LoRA merged, without changing `model`) and `classifier`, and its manifest.
    /// - Parameters:
    ///   - model: the trained alignment model; its image encoder's adapters are merged into the saved weights.
    ///   - classifier: the supervised step's head, saved beside the encoder when given.
    ///   - stage: the stage that produced it, recorded in the manifest.
    ///   - fold: the cross-validation fold, recorded when given.
    ///   - seed: the run's seed, recorded when given.
    ///   - url: the safetensors file to write; the manifest goes beside it as `<name>.json`.
    /// - Returns: the manifest written.
    /// - Throws: ``AlignedEncoderError`` for a non-finite weight (nothing is written then), or a writer's error.
    @discardableResult
    public static func save(_ model: AlignmentModel, classifier: Linear? = nil, stage: String, fold: Int? = nil, seed: UInt64? = nil,
                            to url: URL) throws -> AlignedEncoderManifest {
        var tensors: [String: Tensor] = [:]
        for (key, t) in LoRA.mergedStateDict(of: model.imageEncoder) { tensors["image_encoder." + key] = t }
        var headShapes: [String: [Int]] = [:]
        var heads: [(String, Module)] = [("image_global_head", model.imageGlobalHead), ("image_local_head", model.imageLocalHead)]
        if let classifier { heads.append(("classifier", classifier)) }
        for (prefix, module) in heads {
            for (key, t) in module.stateDict() {
                tensors[prefix + "." + key] = t
                headShapes[prefix + "." + key] = t.shape
            }
        }
        for (key, t) in tensors where t.withUnsafeBuffer({ $0.contains { !$0.isFinite } }) {
            throw AlignedEncoderError(file: url.path, key: key, "holds NaN or infinite values; not saving")
        }
        let manifest = AlignedEncoderManifest(
            encoderKind: String(describing: type(of: model.imageEncoder)), encoderConfiguration: try encoderConfiguration(of: model.imageEncoder),
            featureWidth: model.imageEncoder.featureWidth, sharedWidth: model.configuration.sharedWidth, imageHead: model.configuration.imageHead,
            headShapes: headShapes, temperature: model.temperature.value.item, classCount: classifier?.outputSize,
            stage: stage, fold: fold, seed: seed, weightsFile: url.lastPathComponent)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(manifest)
        try SafeTensors.write(tensors, metadata: ["format": "pt", "prima.stage": stage], dtype: .f32, to: url)
        try json.write(to: AlignedEncoderManifest.url(forWeights: url), options: .atomic)
        return manifest
    }

    /// The encoder's configuration as JSON when PRIMA knows its type (DINOv3), else nil.
    static func encoderConfiguration(of encoder: any ImageEncoder) throws -> String? {
        guard let dino = encoder as? DINOv3Model else { return nil }
        let json = JSONEncoder()
        json.outputFormatting = .sortedKeys
        return String(decoding: try json.encode(dino.config), as: UTF8.self)
    }

    // MARK: Loading

    /// Rebuilds a saved aligned encoder around `encoder`, a freshly built base encoder of the same kind and
    /// configuration (no LoRA adapters: the file holds merged weights), and loads every weight strictly.
    /// Frozen and in evaluation mode.
    /// - Throws: ``AlignedEncoderError`` naming the file and the manifest field that does not fit (missing or
    ///   malformed manifest, other format version, encoder kind, configuration or feature width, head shapes);
    ///   `StateDictError` naming the weights file and every missing, unexpected or mis-shaped key.
    public init(contentsOf url: URL, encoder: any ImageEncoder) throws {
        let manifestURL = AlignedEncoderManifest.url(forWeights: url)
        let manifestPath = manifestURL.path
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw AlignedEncoderError(file: manifestPath, key: "manifest", "not found (it is written next to the weights by AlignedImageEncoder.save)")
        }
        let manifest: AlignedEncoderManifest
        do { manifest = try JSONDecoder().decode(AlignedEncoderManifest.self, from: data) } catch {
            throw AlignedEncoderError(file: manifestPath, key: "manifest", "not a valid manifest: \(error)")
        }
        guard manifest.formatVersion == AlignedEncoderManifest.currentFormatVersion else {
            throw AlignedEncoderError(file: manifestPath, key: "formatVersion", "is \(manifest.formatVersion), expected \(AlignedEncoderManifest.currentFormatVersion)")
        }
        let kind = String(describing: type(of: encoder))
        guard manifest.encoderKind == kind else {
            throw AlignedEncoderError(file: manifestPath, key: "encoderKind", "the file holds a \(manifest.encoderKind), the encoder given is a \(kind)")
        }
        guard manifest.featureWidth == encoder.featureWidth else {
            throw AlignedEncoderError(file: manifestPath, key: "featureWidth", "the file's encoder has width \(manifest.featureWidth), the encoder given \(encoder.featureWidth)")
        }
        if let saved = manifest.encoderConfiguration, let given = try Self.encoderConfiguration(of: encoder), saved != given {
            throw AlignedEncoderError(file: manifestPath, key: "encoderConfiguration", "the encoder given has configuration \(given), the file \(saved)")
        }
        self.manifest = manifest
        var rng = RandomGenerator(seed: 0)  // every weight is overwritten by the load below
        let width = manifest.featureWidth
        let global: ProjectionHead, local: ProjectionHead
        do {
            global = try ProjectionHead(name: "image_global_head", inputWidth: width, outputWidth: manifest.sharedWidth,
                                        configuration: manifest.imageHead, using: &rng)
            local = try ProjectionHead(name: "image_local_head", inputWidth: width, outputWidth: manifest.sharedWidth,
                                       configuration: manifest.imageHead, using: &rng)
        } catch {
            throw AlignedEncoderError(file: manifestPath, key: "imageHead", "\(error)")
        }
        var classifier: Linear? = nil
        if let classes = manifest.classCount {
            guard classes >= 2 else { throw AlignedEncoderError(file: manifestPath, key: "classCount", "must be at least 2, got \(classes)") }
            classifier = Linear(width, classes, using: &rng)
        }
        super.init()
        self.encoder = encoder
        globalHead = global
        localHead = local
        self.classifier = classifier
        let built = namedParameters().filter { !$0.key.hasPrefix("image_encoder.") }
        for (key, p) in built where manifest.headShapes[key] != p.shape {
            throw AlignedEncoderError(file: manifestPath, key: "headShapes", "\(key) is \(manifest.headShapes[key].map { "\($0)" } ?? "missing") in the manifest, \(p.shape) as rebuilt")
        }
        let file = try SafeTensorsFile(contentsOf: url)
        try loadStateDict(try file.tensors(), strict: true, source: url.path)
        freeze()
        eval()
    }

    // MARK: Use

    /// The encoder's own features of `pixels` `[B, C, H, W]` (what stage 3 reads).
    public func encode(_ pixels: Tensor) -> ImageFeatures { encoder.encodeImages(pixels) }

    /// The features of `pixels` in the shared space of the alignment.
    public func project(_ pixels: Tensor) -> ImageFeatures {
        let raw = encode(pixels)
        return ImageFeatures(global: globalHead(raw.global), tokens: raw.tokens.map { localHead($0) }, grid: raw.grid)
    }

    /// Class logits `[B, classCount]` of `pixels`, nil without a supervised head.
    public func classify(_ pixels: Tensor) -> Tensor? {
        classifier.map { $0(encode(pixels).global) }
    }
}
