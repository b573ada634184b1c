import Foundation
import PRIMATensor
import PRIMANN

/// The configuration of a DINOv3 vision transformer, read from a checkpoint's `config.json` with the
/// field names of `transformers`' `DINOv3ViTConfig`. A field missing from the file takes the
/// `transformers` default; fields this encoder does not use (backbone stages, dtype, …) are ignored.
public struct DINOv3Config: Codable, Sendable, Equatable {
    /// Patch height and width in pixels (`patch_size`: one number or a `[height, width]` pair).
    public var patchSize: Size2D
    /// Width of every token (`hidden_size`).
    public var hiddenSize: Int
    /// Hidden width of the MLP (`intermediate_size`).
    public var intermediateSize: Int
    /// Number of transformer layers (`num_hidden_layers`).
    public var numHiddenLayers: Int
    /// Number of attention heads (`num_attention_heads`); must divide `hiddenSize`.
    public var numAttentionHeads: Int
    /// The MLP non-linearity, as `transformers` names it (`hidden_act`: `gelu`, `silu`, …).
    public var hiddenAct: String
    /// Dropout on the attention probabilities in training mode (`attention_dropout`; 0 in every public checkpoint).
    public var attentionDropout: Float
    /// Standard deviation of the truncated-normal initialisation (`initializer_range`).
    public var initializerRange: Float
    /// Epsilon of every layer norm (`layer_norm_eps`).
    public var layerNormEps: Float
    /// Base period of the rotary embedding (`rope_theta`).
    public var ropeTheta: Float
    /// The training image size (`image_size`); informative only, any multiple of the patch size works.
    public var imageSize: Size2D
    /// Input channels (`num_channels`).
    public var numChannels: Int
    /// Whether the query, key, value and output projections have biases (`query_bias`, `key_bias`,
    /// `value_bias`, `proj_bias`). DINOv3 has no key bias.
    public var queryBias: Bool
    /// See ``queryBias``.
    public var keyBias: Bool
    /// See ``queryBias``.
    public var valueBias: Bool
    /// See ``queryBias``.
    public var projBias: Bool
    /// Whether the MLP projections have biases (`mlp_bias`).
    public var mlpBias: Bool
    /// Initial value of the LayerScale factors (`layerscale_value`).
    public var layerscaleValue: Float
    /// Stochastic-depth probability of each residual branch in training mode (`drop_path_rate`).
    public var dropPathRate: Float
    /// Gated (SwiGLU-style) MLP `down(act(gate(x)) · up(x))` instead of `down(act(up(x)))` (`use_gated_mlp`).
    public var useGatedMLP: Bool
    /// Register tokens between the CLS token and the patches (`num_register_tokens`: 0 or 4).
    public var numRegisterTokens: Int
    /// Training-mode RoPE augmentation: coordinates shifted by a uniform draw in ±shift per axis
    /// (`pos_embed_shift`), nil for none.
    public var posEmbedShift: Float?
    /// Training-mode RoPE augmentation: coordinates scaled per axis by a log-uniform draw in
    /// [1/jitter, jitter] (`pos_embed_jitter`), nil for none.
    public var posEmbedJitter: Float?
    /// Training-mode RoPE augmentation: coordinates scaled by one log-uniform draw in [1/rescale, rescale]
    /// (`pos_embed_rescale`, 2 by default), nil for none.
    public var posEmbedRescale: Float?

    /// The size of each attention head.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// A configuration with `transformers`' defaults (ViT-S/16 sizes) overridden by the arguments given.
    public init(patchSize: Size2D = Size2D(16), hiddenSize: Int = 384, intermediateSize: Int = 1536,
                numHiddenLayers: Int = 12, numAttentionHeads: Int = 6, hiddenAct: String = "gelu",
                attentionDropout: Float = 0, initializerRange: Float = 0.02, layerNormEps: Float = 1e-5,
                ropeTheta: Float = 100, imageSize: Size2D = Size2D(224), numChannels: Int = 3,
                queryBias: Bool = true, keyBias: Bool = false, valueBias: Bool = true, projBias: Bool = true,
                mlpBias: Bool = true, layerscaleValue: Float = 1, dropPathRate: Float = 0, useGatedMLP: Bool = false,
                numRegisterTokens: Int = 0, posEmbedShift: Float? = nil, posEmbedJitter: Float? = nil,
                posEmbedRescale: Float? = 2) {
        self.patchSize = patchSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.hiddenAct = hiddenAct
        self.attentionDropout = attentionDropout
        self.initializerRange = initializerRange
        self.layerNormEps = layerNormEps
        self.ropeTheta = ropeTheta
        self.imageSize = imageSize
        self.numChannels = numChannels
        self.queryBias = queryBias
        self.keyBias = keyBias
        self.valueBias = valueBias
        self.projBias = projBias
        self.mlpBias = mlpBias
        self.layerscaleValue = layerscaleValue
        self.dropPathRate = dropPathRate
        self.useGatedMLP = useGatedMLP
        self.numRegisterTokens = numRegisterTokens
        self.posEmbedShift = posEmbedShift
        self.posEmbedJitter = posEmbedJitter
        self.posEmbedRescale = posEmbedRescale
    }

    // MARK: The public checkpoints (facebook/dinov3-*-pretrain-lvd1689m)

    /// ViT-S/16 (21M parameters): 384 wide, 12 layers, 6 heads, GELU MLP 1536, 4 registers.
    public static let vitSmall16 = DINOv3Config(numRegisterTokens: 4)
    /// ViT-S+/16 (29M parameters): as ViT-S/16 with a gated SiLU MLP of width 1536.
    public static let vitSmallPlus16 = DINOv3Config(hiddenAct: "silu", useGatedMLP: true, numRegisterTokens: 4)
    /// ViT-B/16 (86M parameters): 768 wide, 12 layers, 12 heads, GELU MLP 3072, 4 registers.
    public static let vitBase16 = DINOv3Config(hiddenSize: 768, intermediateSize: 3072, numAttentionHeads: 12,
                                               numRegisterTokens: 4)
    /// ViT-L/16 (300M parameters): 1024 wide, 24 layers, 16 heads, GELU MLP 4096, 4 registers.
    public static let vitLarge16 = DINOv3Config(hiddenSize: 1024, intermediateSize: 4096, numHiddenLayers: 24,
                                                numAttentionHeads: 16, numRegisterTokens: 4)

    // MARK: Validation and files

    /// The MLP activation, or nil when `hiddenAct` names none this library has.
    public var activation: ActivationFunction? { ActivationFunction(huggingFaceName: hiddenAct) }

    /// Why the configuration cannot build a model, or nil when it can.
    public var problem: String? {
        if hiddenSize <= 0 || numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0 {
            return "hidden_size \(hiddenSize) is not a positive multiple of num_attention_heads \(numAttentionHeads)"
        }
        if headDim % 4 != 0 { return "head size \(headDim) is not a multiple of 4 (2-D RoPE needs it)" }
        if intermediateSize <= 0 || numHiddenLayers < 0 || numChannels <= 0 || numRegisterTokens < 0 {
            return "intermediate_size, num_hidden_layers, num_channels and num_register_tokens must be positive (or 0 layers/registers)"
        }
        if patchSize.height <= 0 || patchSize.width <= 0 { return "patch_size \(patchSize) must be positive" }
        if activation == nil { return "hidden_act \"\(hiddenAct)\" is not supported" }
        if !(0..<1).contains(attentionDropout) || !(0..<1).contains(dropPathRate) {
            return "attention_dropout \(attentionDropout) and drop_path_rate \(dropPathRate) must lie in [0, 1)"
        }
        return nil
    }

    /// Reads and validates a `config.json`.
    /// - Throws: `CheckpointError` naming the file: unreadable, not JSON, wrong field types, or a
    ///   configuration that cannot build a model.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError(path: url.path, "cannot read the configuration: \(error.localizedDescription)")
        }
        do { self = try JSONDecoder().decode(DINOv3Config.self, from: data) } catch {
            throw CheckpointError(path: url.path, "not a DINOv3 configuration: \(Self.describe(error, data: data))")
        }
        if let problem { throw CheckpointError(path: url.path, problem) }
    }

    /// Reads and validates a `config.json`.
    @available(*, deprecated, renamed: "init(contentsOf:)")
    public static func load(from url: URL) throws -> DINOv3Config { try DINOv3Config(contentsOf: url) }

    private static func describe(_ error: Error, data: Data) -> String {
        if case .dataCorrupted(let c)? = error as? DecodingError, c.codingPath.isEmpty {
            return JSONSyntaxLocation.describeInvalidJSON(data)
        }
        switch error as? DecodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? c.debugDescription : "field \(path): \(c.debugDescription)"
        default: return "\(error)"
        }
    }

    // MARK: Codable with Hugging Face names and defaults

    enum CodingKeys: String, CodingKey {
        case patchSize = "patch_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads", hiddenAct = "hidden_act"
        case attentionDropout = "attention_dropout", initializerRange = "initializer_range"
        case layerNormEps = "layer_norm_eps", ropeTheta = "rope_theta", imageSize = "image_size"
        case numChannels = "num_channels", queryBias = "query_bias", keyBias = "key_bias", valueBias = "value_bias"
        case projBias = "proj_bias", mlpBias = "mlp_bias", layerscaleValue = "layerscale_value"
        case dropPathRate = "drop_path_rate", useGatedMLP = "use_gated_mlp", numRegisterTokens = "num_register_tokens"
        case posEmbedShift = "pos_embed_shift", posEmbedJitter = "pos_embed_jitter", posEmbedRescale = "pos_embed_rescale"
        case modelType = "model_type"
    }

    /// Decodes a `config.json`; absent fields take `transformers`' defaults, and an explicit `null` turns a
    /// RoPE augmentation off.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DINOv3Config()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        func optional(_ key: CodingKeys, _ fallback: Float?) throws -> Float? {
            guard c.contains(key) else { return fallback }
            return try c.decodeNil(forKey: key) ? nil : c.decode(Float.self, forKey: key)
        }
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "dinov3_vit" {
            throw DecodingError.dataCorruptedError(forKey: .modelType, in: c,
                                                   debugDescription: "model_type \"\(type)\" is not dinov3_vit")
        }
        self.init(
            patchSize: try c.decodeIfPresent(SquareOrPair.self, forKey: .patchSize)?.size ?? d.patchSize,
            hiddenSize: try value(.hiddenSize, d.hiddenSize), intermediateSize: try value(.intermediateSize, d.intermediateSize),
            numHiddenLayers: try value(.numHiddenLayers, d.numHiddenLayers),
            numAttentionHeads: try value(.numAttentionHeads, d.numAttentionHeads), hiddenAct: try value(.hiddenAct, d.hiddenAct),
            attentionDropout: try value(.attentionDropout, d.attentionDropout),
            initializerRange: try value(.initializerRange, d.initializerRange), layerNormEps: try value(.layerNormEps, d.layerNormEps),
            ropeTheta: try value(.ropeTheta, d.ropeTheta),
            imageSize: try c.decodeIfPresent(SquareOrPair.self, forKey: .imageSize)?.size ?? d.imageSize,
            numChannels: try value(.numChannels, d.numChannels), queryBias: try value(.queryBias, d.queryBias),
            keyBias: try value(.keyBias, d.keyBias), valueBias: try value(.valueBias, d.valueBias),
            projBias: try value(.projBias, d.projBias), mlpBias: try value(.mlpBias, d.mlpBias),
            layerscaleValue: try value(.layerscaleValue, d.layerscaleValue), dropPathRate: try value(.dropPathRate, d.dropPathRate),
            useGatedMLP: try value(.useGatedMLP, d.useGatedMLP), numRegisterTokens: try value(.numRegisterTokens, d.numRegisterTokens),
            posEmbedShift: try optional(.posEmbedShift, d.posEmbedShift),
            posEmbedJitter: try optional(.posEmbedJitter, d.posEmbedJitter),
            posEmbedRescale: try optional(.posEmbedRescale, d.posEmbedRescale))
    }

    /// Encodes with Hugging Face names (`model_type` included; optional augmentations as `null`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("dinov3_vit", forKey: .modelType)
        try c.encode(SquareOrPair(patchSize), forKey: .patchSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(attentionDropout, forKey: .attentionDropout)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(SquareOrPair(imageSize), forKey: .imageSize)
        try c.encode(numChannels, forKey: .numChannels)
        try c.encode(queryBias, forKey: .queryBias)
        try c.encode(keyBias, forKey: .keyBias)
        try c.encode(valueBias, forKey: .valueBias)
        try c.encode(projBias, forKey: .projBias)
        try c.encode(mlpBias, forKey: .mlpBias)
        try c.encode(layerscaleValue, forKey: .layerscaleValue)
        try c.encode(dropPathRate, forKey: .dropPathRate)
        try c.encode(useGatedMLP, forKey: .useGatedMLP)
        try c.encode(numRegisterTokens, forKey: .numRegisterTokens)
        try c.encode(posEmbedShift, forKey: .posEmbedShift)
        try c.encode(posEmbedJitter, forKey: .posEmbedJitter)
        try c.encode(posEmbedRescale, forKey: .posEmbedRescale)
    }
}

/// `patch_size` / `image_size`: one number for a square, or `[height, width]`.
private struct SquareOrPair: Codable {
    let size: Size2D

    init(_ size: Size2D) { self.size = size }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            size = Size2D(n)
        } else {
            let pair = try c.decode([Int].self)
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number or [height, width], got \(pair)")
            }
            size = Size2D(pair[0], pair[1])
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if size.height == size.width { try c.encode(size.height) } else { try c.encode([size.height, size.width]) }
    }
}
