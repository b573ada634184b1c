import Foundation
import PRIMANN
import PRIMATensor

// DINOv3 vision transformer (Siméoni et al., 2025), as `transformers`' `DINOv3ViTModel`: a Conv2d patch
// embedding, a CLS token and 0 or 4 register tokens, no absolute position embedding but a 2-D rotary
// embedding of the patch tokens, pre-norm layers with LayerScale, and a final LayerNorm. Parameter keys
// are those of the Hugging Face checkpoints (`embeddings.cls_token`, `layer.3.attention.q_proj.weight`, …).
//
// Training mode differs from evaluation mode only where the configuration asks for it: RoPE coordinate
// augmentation (`pos_embed_shift/jitter/rescale`; the public checkpoints set rescale = 2), stochastic depth
// (`drop_path_rate`) and attention dropout (`attention_dropout`), both 0 in the public checkpoints.

// MARK: - What the encoder returns

/// The outputs of ``DINOv3Model``, all after the final LayerNorm.
public struct DINOv3Output: Sendable {
    /// Every token: `[B, 1 + R + K, D]` (CLS, R registers, K patches in row-major grid order).
    public let lastHiddenState: Tensor
    /// The CLS token, `[B, D]`.
    public let cls: Tensor
    /// The register tokens, `[B, R, D]` (R = 0 for models without registers).
    public let registers: Tensor
    /// The patch tokens, `[B, K, D]` with K = `gridShape.height · gridShape.width`, row-major.
    public let patches: Tensor
    /// The patch grid: image height and width divided by the patch size.
    public let gridShape: (height: Int, width: Int)

    /// The pooled output, as `transformers`' `pooler_output`: the CLS token, `[B, D]`.
    public var pooled: Tensor { cls }

    /// The patch tokens as a grid, `[B, height, width, D]`.
    public var patchGrid: Tensor {
        patches.reshaped([patches.shape[0], gridShape.height, gridShape.width, patches.shape[2]])
    }
}

// MARK: - Parameter initialisation

/// Where a new model's parameters come from: `transformers`' initialisation (truncated normal weights,
/// zero biases), or uninitialised placeholders that a checkpoint will overwrite.
struct DINOv3Initializer {
    /// nil: placeholders.
    var rng: RandomGenerator?
    let std: Float

    /// Truncated normal `N(0, std²)` cut at ±2 (absolute, as `trunc_normal_`'s defaults).
    mutating func normal(_ shape: [Int]) -> Tensor {
        guard var generator = rng else { return Tensor(uninitializedShape: shape) }
        defer { rng = generator }
        var values = [Float](repeating: 0, count: Shape.count(shape))
        for i in values.indices {
            var v: Float
            repeat { v = generator.nextNormal() * std } while abs(v) > 2
            values[i] = v
        }
        return Tensor(shape: shape, scalars: values)
    }

    func filled(_ shape: [Int], _ value: Float) -> Tensor {
        rng == nil ? Tensor(uninitializedShape: shape) : Tensor(repeating: value, shape: shape)
    }

    mutating func linear(_ input: Int, _ output: Int, bias: Bool) -> Linear {
        Linear(weight: normal([output, input]), bias: bias ? filled([output], 0) : nil)
    }

    func layerNorm(_ dimension: Int, eps: Float) -> LayerNorm { LayerNorm(dimension: dimension, eps: eps) }
}

// MARK: - Embeddings

/// Patch embedding plus the CLS, register and mask tokens. Keys `cls_token` `[1, 1, D]`, `mask_token`
/// `[1, 1, D]`, `register_tokens` `[1, R, D]`, `patch_embeddings.weight` `[D, C, ph, pw]` and `.bias`.
final class DINOv3Embeddings: Module {
    @Key("cls_token") var classToken: Parameter
    @Key("mask_token") var maskToken: Parameter
    @Key("register_tokens") var registerTokens: Parameter
    @Key("patch_embeddings") var patchEmbeddings: Conv2d

    init(_ config: DINOv3Config, _ initializer: inout DINOv3Initializer) {
        let d = config.hiddenSize, p = config.patchSize
        super.init()
        classToken = Parameter(initializer.normal([1, 1, d]))
        maskToken = Parameter(initializer.filled([1, 1, d], 0))
        registerTokens = Parameter(initializer.normal([1, config.numRegisterTokens, d]))
        patchEmbeddings = Conv2d(weight: initializer.normal([d, config.numChannels, p.height, p.width]),
                                 bias: initializer.filled([d], 0), stride: p)
    }

    /// `[B, C, H, W]` → `[B, 1 + R + K, D]`; patches where `mask` (`[B, K]`, 1/0) is set become the mask token.
    func callAsFunction(_ pixels: Tensor, mask: Tensor?) -> Tensor {
        let b = pixels.shape[0], d = classToken.shape[2]
        let grid = patchEmbeddings(pixels)                                    // [B, D, h, w]
        var patches = grid.reshaped([b, d, -1]).transposed(1, 2)             // [B, K, D]
        if let mask {
            precondition(mask.shape == [b, patches.shape[1]], "DINOv3: patch mask \(mask.shape), expected \([b, patches.shape[1]])")
            patches = Tensor.where(mask.reshaped([b, -1, 1]), maskToken.value, patches)
        }
        var parts = [classToken.value.expanded(to: [b, 1, d])]
        if registerTokens.shape[1] > 0 { parts.append(registerTokens.value.expanded(to: [b, registerTokens.shape[1], d])) }
        return Tensor.concat(parts + [patches], axis: 1)
    }
}

// MARK: - 2-D rotary position embedding

/// DINOv3's RoPE: every patch centre gets coordinates in [-1, 1] per axis (`(i + 0.5) / n · 2 - 1`); the
/// first half of each rotated pair's angles follow the row coordinate, the second half the column, with
/// frequencies `1 / theta^(4j / headDim)` and angle `2π · coordinate · frequency`. No parameters.
///
/// In training mode, and when ``augmentsInTraining`` is on, the coordinates are augmented as the
/// configuration says (shift, per-axis jitter, global rescale), with draws from ``generator``.
final class DINOv3RotaryEmbedding: Module, RandomStateHolder {
    let headDim: Int
    let theta: Float
    let shift: Float?, jitter: Float?, rescale: Float?
    /// Whether training mode augments the coordinates (as `transformers` does).
    var augmentsInTraining = true
    var generator: RandomGenerator

    init(_ config: DINOv3Config, generator: RandomGenerator) {
        headDim = config.headDim
        theta = config.ropeTheta
        (shift, jitter, rescale) = (config.posEmbedShift, config.posEmbedJitter, config.posEmbedRescale)
        self.generator = generator
        super.init()
    }

    /// `1 / theta^(4j / headDim)` for `j < headDim / 4`, through float32 as `transformers` computes it.
    static func inverseFrequencies(headDim: Int, theta: Float) -> [Float] {
        (0..<(headDim / 4)).map { j in
            let exponent = Float(Double(j) * (4 / Double(headDim)))
            return 1 / Float(Foundation.pow(Double(theta), Double(exponent)))
        }
    }

    /// Patch-centre coordinates `[h·w, 2]` (row, column) in [-1, 1], row-major over the grid.
    static func patchCoordinates(height: Int, width: Int) -> Tensor {
        var values = [Float](repeating: 0, count: height * width * 2)
        for i in 0..<height {
            for j in 0..<width {
                values[(i * width + j) * 2] = 2 * ((Float(i) + 0.5) / Float(height)) - 1
                values[(i * width + j) * 2 + 1] = 2 * ((Float(j) + 0.5) / Float(width)) - 1
            }
        }
        return Tensor(shape: [height * width, 2], scalars: values)
    }

    /// `(coordinates + shift) · exp(logJitter) · exp(logRescale)`, with per-axis shift and jitter.
    static func augment(_ coordinates: Tensor, shift: (Float, Float)?, logJitter: (Float, Float)?, logRescale: Float?) -> Tensor {
        var values = coordinates.scalars
        let jitterScale = logJitter.map { (Foundation.exp($0.0), Foundation.exp($0.1)) }
        let rescaleFactor = logRescale.map { Foundation.exp($0) }
        for n in 0..<(values.count / 2) {
            for axis in 0..<2 {
                var v = values[n * 2 + axis]
                if let shift { v += axis == 0 ? shift.0 : shift.1 }
                if let jitterScale { v *= axis == 0 ? jitterScale.0 : jitterScale.1 }
                if let rescaleFactor { v *= rescaleFactor }
                values[n * 2 + axis] = v
            }
        }
        return Tensor(shape: coordinates.shape, scalars: values)
    }

    /// Cos/sin tables `[h·w, headDim]` for coordinates `[h·w, 2]`.
    static func tables(coordinates: Tensor, headDim: Int, theta: Float) -> (cos: Tensor, sin: Tensor) {
        let frequencies = inverseFrequencies(headDim: headDim, theta: theta)
        let quarter = frequencies.count, count = coordinates.shape[0]
        let coords = coordinates.scalars, twoPi = Float(2 * Double.pi)
        var angles = [Float](repeating: 0, count: count * 2 * quarter)
        for n in 0..<count {
            for axis in 0..<2 {
                let scaled = twoPi * coords[n * 2 + axis]
                for j in 0..<quarter { angles[(n * 2 + axis) * quarter + j] = scaled * frequencies[j] }
            }
        }
        return Tensor.rotaryEmbedding(angles: Tensor(shape: [count, 2 * quarter], scalars: angles))
    }

    var drawsRandomNumbers: Bool { isTraining && augmentsInTraining && (shift != nil || jitter != nil || rescale != nil) }

    /// The tables for an `height × width` patch grid (augmented in training mode when configured).
    func callAsFunction(height: Int, width: Int) -> (cos: Tensor, sin: Tensor) {
        var coordinates = Self.patchCoordinates(height: height, width: width)
        if isTraining && augmentsInTraining && (shift != nil || jitter != nil || rescale != nil) {
            func symmetric(_ bound: Float) -> Float { (2 * generator.nextUniform() - 1) * bound }
            let shiftDraw = shift.map { s in (symmetric(s), symmetric(s)) }
            let jitterDraw = jitter.map { j in (symmetric(Foundation.log(j)), symmetric(Foundation.log(j))) }
            let rescaleDraw = rescale.map { r in symmetric(Foundation.log(r)) }
            coordinates = Self.augment(coordinates, shift: shiftDraw, logJitter: jitterDraw, logRescale: rescaleDraw)
        }
        return Self.tables(coordinates: coordinates, headDim: headDim, theta: theta)
    }
}

// MARK: - Layer

/// Multi-head self-attention with RoPE on the patch tokens' queries and keys. Keys `q_proj`, `k_proj`,
/// `v_proj`, `o_proj` (weights `[D, D]`; biases as configured: DINOv3 has none on the keys).
final class DINOv3Attention: Module, RandomStateHolder {
    @Key("q_proj") var queryProjection: Linear
    @Key("k_proj") var keyProjection: Linear
    @Key("v_proj") var valueProjection: Linear
    @Key("o_proj") var outputProjection: Linear
    let heads: Int
    let dropout: Float
    var generator: RandomGenerator

    init(_ config: DINOv3Config, _ initializer: inout DINOv3Initializer, generator: RandomGenerator) {
        let d = config.hiddenSize
        heads = config.numAttentionHeads
        dropout = config.attentionDropout
        self.generator = generator
        super.init()
        keyProjection = initializer.linear(d, d, bias: config.keyBias)
        valueProjection = initializer.linear(d, d, bias: config.valueBias)
        queryProjection = initializer.linear(d, d, bias: config.queryBias)
        outputProjection = initializer.linear(d, d, bias: config.projBias)
    }

    var drawsRandomNumbers: Bool { isTraining && dropout > 0 }

    func callAsFunction(_ x: Tensor, rotary: RotaryTables) -> Tensor {
        let q = DINOv3Kernels.splitHeads(queryProjection(x), heads: heads, rotary: rotary)
        let k = DINOv3Kernels.splitHeads(keyProjection(x), heads: heads, rotary: rotary)
        let v = DINOv3Kernels.splitHeads(valueProjection(x), heads: heads, rotary: nil)
        let context: Tensor
        if isTraining && dropout > 0 {
            // The fused kernel has no dropout on the probabilities: spell attention out.
            let scale = 1 / Float(q.shape[3]).squareRoot()
            let probabilities = (Tensor.matmul(q, k, transposeB: true) * scale).softmax(axis: -1)
            context = Tensor.matmul(probabilities.dropout(probability: dropout, using: &generator), v)
        } else {
            context = Tensor.scaledDotProductAttention(query: q, key: k, value: v)
        }
        return outputProjection(DINOv3Kernels.mergeHeads(context))
    }
}

/// The feed-forward block: `down(act(up(x)))`, or gated `down(act(gate(x)) · up(x))`. Keys `up_proj`,
/// `down_proj` and, when gated, `gate_proj`.
final class DINOv3MLP: Module {
    @Key("gate_proj") var gateProjection: Linear? = nil
    @Key("up_proj") var upProjection: Linear
    @Key("down_proj") var downProjection: Linear
    let activation: ActivationFunction

    init(_ config: DINOv3Config, _ initializer: inout DINOv3Initializer) {
        let (d, m) = (config.hiddenSize, config.intermediateSize)
        activation = config.activation ?? .gelu
        super.init()
        if config.useGatedMLP { gateProjection = initializer.linear(d, m, bias: config.mlpBias) }
        upProjection = initializer.linear(d, m, bias: config.mlpBias)
        downProjection = initializer.linear(m, d, bias: config.mlpBias)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        if let gateProjection {
            return downProjection(DINOv3Kernels.gatedActivation(gateProjection(x), upProjection(x), activation))
        }
        return downProjection(activation(upProjection(x)))
    }
}

/// Per-channel LayerScale factors, key `lambda1` `[D]`; applied fused with the residual connection.
final class DINOv3LayerScale: Module {
    let lambda1: Parameter

    init(_ config: DINOv3Config, _ initializer: DINOv3Initializer) {
        lambda1 = Parameter(initializer.filled([config.hiddenSize], config.layerscaleValue))
        super.init()
    }
}

/// One pre-norm transformer layer: `x + ls1 · attention(norm1(x))`, then `x + ls2 · mlp(norm2(x))`, each
/// branch dropped per sample with probability `drop_path_rate` in training mode (stochastic depth).
final class DINOv3Layer: Module, RandomStateHolder {
    let norm1: LayerNorm
    let attention: DINOv3Attention
    @Key("layer_scale1") var layerScale1: DINOv3LayerScale
    let norm2: LayerNorm
    let mlp: DINOv3MLP
    @Key("layer_scale2") var layerScale2: DINOv3LayerScale
    let dropPath: Float
    var generator: RandomGenerator

    init(_ config: DINOv3Config, _ initializer: inout DINOv3Initializer, generator: RandomGenerator) {
        var streams = generator
        norm1 = initializer.layerNorm(config.hiddenSize, eps: config.layerNormEps)
        attention = DINOv3Attention(config, &initializer, generator: streams.split())
        norm2 = initializer.layerNorm(config.hiddenSize, eps: config.layerNormEps)
        mlp = DINOv3MLP(config, &initializer)
        dropPath = config.dropPathRate
        self.generator = streams
        super.init()
        layerScale1 = DINOv3LayerScale(config, initializer)
        layerScale2 = DINOv3LayerScale(config, initializer)
    }

    var drawsRandomNumbers: Bool { isTraining && dropPath > 0 }

    func callAsFunction(_ x: Tensor, rotary: RotaryTables) -> Tensor {
        let h = DINOv3Kernels.scaledResidual(x, dropped(attention(norm1(x), rotary: rotary)), scale: layerScale1.lambda1.value)
        return DINOv3Kernels.scaledResidual(h, dropped(mlp(norm2(h))), scale: layerScale2.lambda1.value)
    }

    /// Stochastic depth: zeroes the whole branch of each sample with probability `dropPath`, scaling the
    /// kept ones by `1 / (1 - dropPath)`; the identity in evaluation mode.
    private func dropped(_ branch: Tensor) -> Tensor {
        guard isTraining && dropPath > 0 else { return branch }
        let keep = 1 - dropPath, b = branch.shape[0]
        let mask = (0..<b).map { _ in generator.nextUniform() < keep ? 1 / keep : 0 }
        return branch * Tensor(shape: [b] + Array(repeating: 1, count: branch.rank - 1), scalars: mask)
    }
}

// MARK: - Model

/// The DINOv3 ViT image encoder, as `transformers`' `DINOv3ViTModel`.
///
/// ```swift
/// let model = try DINOv3Model(contentsOf: folder)       // config.json + model.safetensors, eval mode
/// let out = noGrad { model(pixels) }                     // pixels [B, 3, H, W], H and W multiples of 16
/// let (cls, patches) = (out.cls, out.patches)            // [B, D], [B, K, D]; registers in out.registers
/// ```
///
/// Keys: `embeddings.*`, `layer.N.{norm1, attention.{q,k,v,o}_proj, layer_scale1.lambda1, norm2,
/// mlp.{gate,up,down}_proj, layer_scale2.lambda1}`, `norm.*`, as `save_pretrained` writes them.
/// A new model starts in training mode, as PyTorch modules do; ``init(contentsOf:)`` returns it in evaluation mode.
public final class DINOv3Model: Module {
    /// The configuration the model was built from.
    public let config: DINOv3Config
    let embeddings: DINOv3Embeddings
    @Key("rope_embeddings") var rotaryEmbedding: DINOv3RotaryEmbedding
    @Key("layer") var layers: [DINOv3Layer]
    let norm: LayerNorm

    /// A model with `transformers`' initialisation: truncated-normal weights (std `initializer_range`),
    /// zero biases, unit norms, LayerScale `layerscale_value`, zero mask token. Random streams for the
    /// training-mode augmentations are split from `rng` too.
    /// - Precondition: the configuration is valid (``DINOv3Config/problem`` is nil).
    public convenience init(config: DINOv3Config, using rng: inout RandomGenerator) {
        var initializer = DINOv3Initializer(rng: rng.split(), std: config.initializerRange)
        self.init(config: config, initializer: &initializer, streams: rng.split())
    }

    /// A model whose parameters are uninitialised placeholders, to be overwritten by a checkpoint.
    convenience init(placeholderFor config: DINOv3Config) {
        var initializer = DINOv3Initializer(rng: nil, std: config.initializerRange)
        self.init(config: config, initializer: &initializer, streams: RandomGenerator(seed: 0))
    }

    /// A model whose parameters are uninitialised placeholders, to be overwritten by another model's weights
    /// (`Module.shareWeights(of:)`) or a checkpoint: no weight is drawn, and the large tensors take no memory until
    /// written. The training-mode random streams are those ``init(config:using:)`` would split from `rng`, so a copy
    /// made this way trains exactly as one drawn and then overwritten. The buffers are not zeroed: read them only
    /// after overwriting every parameter.
    /// - Precondition: the configuration is valid (``DINOv3Config/problem`` is nil).
    public convenience init(placeholderFor config: DINOv3Config, using rng: inout RandomGenerator) {
        _ = rng.split()   // the weights' stream in init(config:using:)
        var initializer = DINOv3Initializer(rng: nil, std: config.initializerRange)
        self.init(config: config, initializer: &initializer, streams: rng.split())
    }

    init(config: DINOv3Config, initializer: inout DINOv3Initializer, streams: RandomGenerator) {
        precondition(config.problem == nil, "DINOv3 configuration: \(config.problem ?? "")")
        var streams = streams
        self.config = config
        embeddings = DINOv3Embeddings(config, &initializer)
        norm = initializer.layerNorm(config.hiddenSize, eps: config.layerNormEps)
        super.init()
        rotaryEmbedding = DINOv3RotaryEmbedding(config, generator: streams.split())
        layers = (0..<config.numHiddenLayers).map { _ in DINOv3Layer(config, &initializer, generator: streams.split()) }
    }

    /// Whether training mode augments the RoPE coordinates as the configuration says (on by default, as
    /// in `transformers`); evaluation mode never does.
    public var augmentsPositionsInTraining: Bool {
        get { rotaryEmbedding.augmentsInTraining }
        set { rotaryEmbedding.augmentsInTraining = newValue }
    }

    /// Encodes `pixels` `[B, C, H, W]` (normalised images; H and W multiples of the patch size, any
    /// aspect ratio).
    /// - Parameters:
    ///   - pixels: `[B, C, H, W]` normalised images.
    ///   - maskedPatches: optional `[B, K]` (1 = replace the patch by the mask token), as
    ///   `bool_masked_pos` in `transformers`; for masked-image pre-training.
    public func callAsFunction(_ pixels: Tensor, maskedPatches: Tensor? = nil) -> DINOv3Output {
        let p = config.patchSize
        precondition(pixels.rank == 4 && pixels.shape[1] == config.numChannels,
                     "DINOv3 expects pixels [B, \(config.numChannels), H, W], got \(pixels.shape)")
        precondition(pixels.shape[2] % p.height == 0 && pixels.shape[3] % p.width == 0 && pixels.shape[2] > 0 && pixels.shape[3] > 0,
                     "DINOv3: image \(pixels.shape[2])×\(pixels.shape[3]) is not a multiple of the patch size \(p.height)×\(p.width)")
        let (b, h, w) = (pixels.shape[0], pixels.shape[2] / p.height, pixels.shape[3] / p.width)
        let prefix = 1 + config.numRegisterTokens
        let tables = rotaryEmbedding(height: h, width: w)
        let rotary = RotaryTables(cos: tables.cos, sin: tables.sin, prefix: prefix)
        var x = embeddings(pixels, mask: maskedPatches)
        for layer in layers { x = layer(x, rotary: rotary) }
        x = norm(x)
        let d = config.hiddenSize
        return DINOv3Output(
            lastHiddenState: x,
            cls: x.narrowed(axis: 1, start: 0, length: 1).reshaped([b, d]),
            registers: x.narrowed(axis: 1, start: 1, length: config.numRegisterTokens),
            patches: x.narrowed(axis: 1, start: prefix, length: h * w),
            gridShape: (h, w))
    }

    // MARK: Loading

    /// The model of a Hugging Face checkpoint folder: `config.json` and `model.safetensors` (F32, F16 or BF16),
    /// loaded strictly, in evaluation mode.
    /// - Throws: `CheckpointError` for an unreadable or invalid `config.json`, `SafeTensorsError` for a bad
    ///   weights file, `StateDictError` naming every missing, unexpected or mis-shaped key.
    public convenience init(contentsOf folder: URL) throws {
        let config = try DINOv3Config(contentsOf: folder.appendingPathComponent("config.json"))
        self.init(placeholderFor: config)
        try loadCheckpoint(fromFile: folder.appendingPathComponent("model.safetensors"))
        eval()
    }

    /// The model of a checkpoint folder, frozen, with its Linear weights stored in `frozenWeights`: with
    /// `.bfloat16` the weights of a BF16 file are kept as stored and those of an F32 file rounded one tensor at a
    /// time, so no float32 copy of those matrices ever exists (half their memory; see
    /// `Module.storeFrozenWeights(as:)`). Every parameter is frozen (attach LoRA adapters to train); norms,
    /// LayerScale, the patch embedding and the special tokens stay float32. Returned in evaluation mode.
    /// - Throws: as ``init(contentsOf:)``.
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        let config = try DINOv3Config(contentsOf: folder.appendingPathComponent("config.json"))
        self.init(placeholderFor: config)
        freeze()
        storeFrozenWeights(as: frozenWeights)
        try loadCheckpoint(fromFile: folder.appendingPathComponent("model.safetensors"))
        eval()
    }

    /// The model of a Hugging Face checkpoint folder.
    @available(*, deprecated, renamed: "init(contentsOf:)")
    public static func load(from folder: URL) throws -> DINOv3Model { try DINOv3Model(contentsOf: folder) }

    /// Loads a single weights file.
    @available(*, deprecated, renamed: "loadCheckpoint(fromFile:)")
    public func loadCheckpoint(from url: URL) throws { try loadCheckpoint(fromFile: url) }

    /// Replaces every parameter by the tensors of one safetensors file, strictly (every key present, no
    /// other key, same shapes). Keys saved from a live `transformers` model (`model.layer.N.…`, its
    /// in-memory layout) are accepted as well as the on-disk `layer.N.…`. The training mode is unchanged.
    /// Read tensor by tensor from the mapped file (the model plus one tensor in memory); a weight stored in
    /// bfloat16 takes a `BF16` tensor's bits unwidened.
    /// - Throws: `SafeTensorsError` for a bad file, `StateDictError` naming the offending keys.
    public func loadCheckpoint(fromFile url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        try loadSafeTensors([file], strict: true, source: url.path) { key in
            key.hasPrefix("model.layer.") ? String(key.dropFirst("model.".count)) : key
        }
    }
}
