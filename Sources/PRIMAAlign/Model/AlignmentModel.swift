import PRIMAData
import PRIMANN
import PRIMAText
import PRIMATensor

/// The sizes of an ``AlignmentModel``'s shared space and projection heads.
public struct AlignmentModelConfiguration: Sendable, Codable, Equatable {
    /// Width D of the shared space every head maps into.
    public var sharedWidth: Int
    /// Shape of the two image heads (global and local).
    public var imageHead: ProjectionHeadConfiguration
    /// Shape of the two text heads (global and local).
    public var textHead: ProjectionHeadConfiguration
    /// Initial τ of the contrastive losses (**[ours]** 0.07).
    public var temperature: Float
    /// Whether τ is trained with the heads.
    public var learnableTemperature: Bool

    /// Sizes; **[ours]** defaults: shared width 256, two-layer GELU heads, τ = 0.07 fixed.
    public init(sharedWidth: Int = 256, imageHead: ProjectionHeadConfiguration = .init(),
                textHead: ProjectionHeadConfiguration = .init(), temperature: Float = 0.07, learnableTemperature: Bool = false) {
        self.sharedWidth = sharedWidth
        self.imageHead = imageHead
        self.textHead = textHead
        self.temperature = temperature
        self.learnableTemperature = learnableTemperature
    }

    /// Throws ``AlignmentError`` naming the offending field.
    public func validate() throws {
        guard sharedWidth > 0 else { throw AlignmentError("alignment model", "sharedWidth must be positive, got \(sharedWidth)") }
        guard temperature > 0, temperature.isFinite else {
            throw AlignmentError("alignment model", "temperature must be positive and finite, got \(temperature)")
        }
        try imageHead.validate("imageHead")
        try textHead.validate("textHead")
    }
}

/// PRIMA's dual encoder for stage 2: an image encoder and a metadata encoder, four projection heads into one
/// shared space (image global, image local, text global, text local) and the temperature τ.
///
/// Keys: `image_encoder.…`, `text_encoder.…`, `image_global_head.…`, `image_local_head.…`,
/// `text_global_head.…`, `text_local_head.…`, `temperature.log_temperature`.
/// Which parameters train is set by ``StageTwoSetup`` (or by hand): the trainer trains whatever is not frozen.
public final class AlignmentModel: Module {
    /// The image encoder (DINOv3, or a user's own).
    @Key("image_encoder") public private(set) var imageEncoder: any ImageEncoder
    /// The metadata encoder (`TextEncoder`, or a user's own).
    @Key("text_encoder") public private(set) var metadataEncoder: any MetadataEncoder
    /// Image CLS → shared space.
    @Key("image_global_head") public private(set) var imageGlobalHead: ProjectionHead
    /// Image patch tokens → shared space.
    @Key("image_local_head") public private(set) var imageLocalHead: ProjectionHead
    /// Text CLS → shared space.
    @Key("text_global_head") public private(set) var textGlobalHead: ProjectionHead
    /// Text word tokens → shared space.
    @Key("text_local_head") public private(set) var textLocalHead: ProjectionHead
    /// τ, shared by the contrastive losses.
    @Key("temperature") public private(set) var temperature: AlignmentTemperature
    /// The sizes it was built with.
    public let configuration: AlignmentModelConfiguration
    /// When true and the metadata encoder has nothing to train, each distinct text is encoded once (alone, so its
    /// features do not depend on the batch it first appears in) and its raw features are reused in later
    /// batches: a frozen encoder gives the same features every epoch. Off by default; ``AlignmentTrainer`` turns it on.
    /// Turning it off empties the cache.
    public var cachesTextFeatures = false {
        didSet { if !cachesTextFeatures { textCache = [:] } }
    }
    /// Whether ``inputs(view1:view2:texts:metadataVectors:labels:)`` encodes and projects the two views side by
    /// side (`Tensor.concurrentBranches`, one core each, backward too) instead of as one batch of both.
    /// On by default; it applies only while the image encoder draws no random numbers in its forward pass
    /// (`Module.drawsRandomNumbersInForward`: no active dropout, stochastic depth or RoPE augmentation).
    /// Turn it off for an encoder of your own that keeps other state its forward pass writes (a cache).
    /// Results equal the one-batch pass's up to the order of floating-point additions.
    public var encodesViewsConcurrently = true

    /// Raw features `[1, …]` of each text seen while ``cachesTextFeatures`` was on.
    private var textCache: [String: TextFeatures] = [:]

    /// Builds the four heads (weights drawn from `rng`) around the two encoders.
    /// - Throws: ``AlignmentError`` for a non-positive width, depth or temperature, or an encoder whose
    ///   ``ImageEncoder/featureWidth`` / ``MetadataEncoder/featureWidth`` is not positive.
    public init(imageEncoder: any ImageEncoder, metadataEncoder: any MetadataEncoder,
                configuration: AlignmentModelConfiguration = .init(), using rng: inout RandomGenerator) throws {
        try configuration.validate()
        guard imageEncoder.featureWidth > 0 else {
            throw AlignmentError("alignment model", "image encoder \(type(of: imageEncoder)) reports featureWidth \(imageEncoder.featureWidth)")
        }
        guard metadataEncoder.featureWidth > 0 else {
            throw AlignmentError("alignment model", "metadata encoder \(type(of: metadataEncoder)) reports featureWidth \(metadataEncoder.featureWidth)")
        }
        self.configuration = configuration
        let (d, imageWidth, textWidth) = (configuration.sharedWidth, imageEncoder.featureWidth, metadataEncoder.featureWidth)
        super.init()
        self.imageEncoder = imageEncoder
        self.metadataEncoder = metadataEncoder
        imageGlobalHead = try ProjectionHead(name: "image_global_head", inputWidth: imageWidth, outputWidth: d,
                                             configuration: configuration.imageHead, using: &rng)
        imageLocalHead = try ProjectionHead(name: "image_local_head", inputWidth: imageWidth, outputWidth: d,
                                            configuration: configuration.imageHead, using: &rng)
        textGlobalHead = try ProjectionHead(name: "text_global_head", inputWidth: textWidth, outputWidth: d,
                                            configuration: configuration.textHead, using: &rng)
        textLocalHead = try ProjectionHead(name: "text_local_head", inputWidth: textWidth, outputWidth: d,
                                           configuration: configuration.textHead, using: &rng)
        temperature = AlignmentTemperature(initial: configuration.temperature, learnable: configuration.learnableTemperature)
    }

    /// The four heads with their keys, in key order.
    public var heads: [(key: String, head: ProjectionHead)] {
        [("image_global_head", imageGlobalHead), ("image_local_head", imageLocalHead),
         ("text_global_head", textGlobalHead), ("text_local_head", textLocalHead)]
    }

    // MARK: Forward

    /// The image encoder's raw features of `pixels` `[B, C, H, W]`, checked against its declared width.
    /// - Throws: ``AlignmentError`` when the encoder's output does not have the shapes it promises.
    public func encodeImages(_ pixels: Tensor) throws -> ImageFeatures {
        let raw = imageEncoder.encodeImages(pixels)
        let (name, width, batch) = ("image encoder \(type(of: imageEncoder))", imageEncoder.featureWidth, pixels.shape.first ?? 0)
        guard raw.global.shape == [batch, width] else {
            throw AlignmentError(name, "global features have shape \(raw.global.shape), expected [\(batch), \(width)] (featureWidth \(width))")
        }
        if let tokens = raw.tokens {
            guard tokens.rank == 3, tokens.shape[0] == batch, tokens.shape[2] == width else {
                throw AlignmentError(name, "local tokens have shape \(tokens.shape), expected [\(batch), K, \(width)]")
            }
            if let grid = raw.grid, grid.count != tokens.shape[1] {
                throw AlignmentError(name, "grid \(grid.height)×\(grid.width) does not match \(tokens.shape[1]) tokens")
            }
        }
        return raw
    }

    /// Image features of `pixels` in the shared space: global through ``imageGlobalHead``, tokens through ``imageLocalHead``.
    public func projectImages(_ pixels: Tensor) throws -> ImageFeatures {
        let raw = try encodeImages(pixels)
        return ImageFeatures(global: imageGlobalHead(raw.global), tokens: raw.tokens.map { imageLocalHead($0) }, grid: raw.grid)
    }

    /// Text features of `texts` in the shared space (masks unchanged).
    /// - Throws: the metadata encoder's error, or ``AlignmentError`` when its output widths differ from its `featureWidth`.
    public func projectTexts(_ texts: [String]) throws -> TextFeatures {
        let raw = try rawTextFeatures(texts)
        let (name, width) = ("metadata encoder \(type(of: metadataEncoder))", metadataEncoder.featureWidth)
        guard raw.cls.shape == [texts.count, width], raw.tokens.rank == 3, raw.tokens.shape[2] == width,
              raw.wordMask.shape == Array(raw.tokens.shape.prefix(2)) else {
            throw AlignmentError(name, "features have shapes cls \(raw.cls.shape), tokens \(raw.tokens.shape), word mask \(raw.wordMask.shape); expected [\(texts.count), \(width)], [\(texts.count), L, \(width)], [\(texts.count), L]")
        }
        return TextFeatures(cls: textGlobalHead(raw.cls), tokens: textLocalHead(raw.tokens), mask: raw.mask, wordMask: raw.wordMask)
    }

    /// The metadata encoder's features of `texts`, from the cache when ``cachesTextFeatures`` applies.
    private func rawTextFeatures(_ texts: [String]) throws -> TextFeatures {
        guard cachesTextFeatures, metadataEncoder.trainableParameters.isEmpty else { return try metadataEncoder.encodeMetadata(texts) }
        var rows: [TextFeatures] = []
        for text in texts {
            if let cached = textCache[text] { rows.append(cached); continue }
            let features = try noGrad { try metadataEncoder.encodeMetadata([text]) }
            guard features.tokens.rank == 3, features.tokens.shape[0] == 1, features.mask.shape == Array(features.tokens.shape.prefix(2)),
                  features.wordMask.shape == features.mask.shape else {
                throw AlignmentError("metadata encoder \(type(of: metadataEncoder))",
                                     "features of one text have shapes tokens \(features.tokens.shape), mask \(features.mask.shape), word mask \(features.wordMask.shape); expected [1, L, D], [1, L], [1, L]")
            }
            textCache[text] = features
            rows.append(features)
        }
        let length = rows.map { $0.tokens.shape[1] }.max() ?? 0
        func padded(_ t: Tensor) -> Tensor { t.shape[1] == length ? t : t.padded(axis: 1, before: 0, after: length - t.shape[1]) }
        return TextFeatures(cls: Tensor.concat(rows.map(\.cls), axis: 0), tokens: Tensor.concat(rows.map { padded($0.tokens) }, axis: 0),
                            mask: Tensor.concat(rows.map { padded($0.mask) }, axis: 0),
                            wordMask: Tensor.concat(rows.map { padded($0.wordMask) }, axis: 0))
    }

    /// The losses' inputs for one batch: the two views side by side (``encodesViewsConcurrently``) or as one
    /// batch through the image encoder, the texts after them.
    public func inputs(view1: Tensor, view2: Tensor, texts: [String], metadataVectors: Tensor? = nil,
                       labels: Tensor? = nil) throws -> AlignmentInputs {
        guard view1.shape == view2.shape, view1.rank == 4, view1.shape[0] == texts.count else {
            throw AlignmentError("alignment model", "views of shapes \(view1.shape) and \(view2.shape) for \(texts.count) texts; expected two [\(texts.count), C, H, W]")
        }
        let (first, second) = try projectViews(view1, view2)
        return AlignmentInputs(view1: first, view2: second, text: try projectTexts(texts), metadataVectors: metadataVectors,
                               labels: labels, temperature: temperature.value)
    }

    /// Both views in the shared space.
    private func projectViews(_ view1: Tensor, _ view2: Tensor) throws -> (ImageFeatures, ImageFeatures) {
        if encodesViewsConcurrently, ![imageEncoder, imageGlobalHead, imageLocalHead].contains(where: \.drawsRandomNumbersInForward) {
            // One slot object per branch: the branches write no shared variable.
            let grids = [GridSlot(), GridSlot()]
            let outputs = try Tensor.concurrentBranches(2) { branch in
                let features = try projectImages(branch == 0 ? view1 : view2)
                grids[branch].grid = features.grid
                return [features.global] + (features.tokens.map { [$0] } ?? [])
            }
            func features(_ branch: Int) -> ImageFeatures {
                ImageFeatures(global: outputs[branch][0], tokens: outputs[branch].count > 1 ? outputs[branch][1] : nil,
                              grid: grids[branch].grid)
            }
            return (features(0), features(1))
        }
        let n = view1.shape[0]
        let both = try projectImages(Tensor.concat([view1, view2], axis: 0))
        func half(_ t: Tensor, _ start: Int) -> Tensor { t.narrowed(axis: 0, start: start, length: n) }
        return (ImageFeatures(global: half(both.global, 0), tokens: both.tokens.map { half($0, 0) }, grid: both.grid),
                ImageFeatures(global: half(both.global, n), tokens: both.tokens.map { half($0, n) }, grid: both.grid))
    }

    /// The losses' inputs for a `TwoViewBatch` of the `TwoViewLoader`.
    public func inputs(for batch: TwoViewBatch) throws -> AlignmentInputs {
        try inputs(view1: batch.view1, view2: batch.view2, texts: batch.texts, metadataVectors: batch.metadataVectors,
                   labels: batch.labels)
    }
}

/// The patch grid one branch of ``AlignmentModel``'s concurrent view encoding reports.
private final class GridSlot {
    var grid: PatchGrid?
}
