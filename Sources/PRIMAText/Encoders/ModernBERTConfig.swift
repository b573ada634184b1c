import Foundation
import PRIMANN

/// The configuration of a ModernBERT encoder, read from a Hugging Face `config.json` (`model_type` "modernbert").
///
/// Both config formats on the Hub are accepted: the original one (`global_attn_every_n_layers`,
/// `global_rope_theta`, `local_rope_theta`, as in `answerdotai/ModernBERT-base`) and the one `transformers` 5
/// writes (`layer_types`, `rope_parameters`). Missing fields take `transformers`' defaults.
public struct ModernBERTConfig: Sendable, Equatable, Codable {
    /// The kind of attention of each layer.
    public enum LayerType: String, Sendable, Codable {
        /// Every token attends to every token (`full_attention`).
        case global = "full_attention"
        /// Each token attends to tokens within `local_attention / 2` positions (`sliding_attention`).
        case local = "sliding_attention"
    }

    /// The number of token ids (`vocab_size`).
    public var vocabSize: Int = 50368
    /// The width of the hidden states (`hidden_size`).
    public var hiddenSize: Int = 768
    /// The width of the MLP's hidden layer (`intermediate_size`; `Wi` produces twice this for GeGLU).
    public var intermediateSize: Int = 1152
    /// The number of encoder layers.
    public var numHiddenLayers: Int = 22
    /// The number of attention heads.
    public var numAttentionHeads: Int = 12
    /// The MLP's gate activation (GeGLU with `gelu`).
    public var hiddenActivation: String = "gelu"
    /// The longest sequence the checkpoint was trained for (RoPE has no table, so longer inputs still run).
    public var maxPositionEmbeddings: Int = 8192
    /// The layer norms' epsilon (`norm_eps`).
    public var normEps: Float = 1e-5
    /// Whether the layer norms have a bias.
    public var normBias: Bool = false
    /// Whether `Wqkv` and the attention's `Wo` have biases.
    public var attentionBias: Bool = false
    /// Whether the MLP's `Wi` and `Wo` have biases.
    public var mlpBias: Bool = false
    /// Whether the MLM decoder has a bias.
    public var decoderBias: Bool = true
    /// Whether the MLM head's dense layer has a bias.
    public var classifierBias: Bool = false
    /// The MLM head's activation.
    public var classifierActivation: String = "gelu"
    /// Dropout on the attention output in training (attention-probability dropout is not implemented).
    public var attentionDropout: Float = 0
    /// Dropout after the embedding norm in training.
    public var embeddingDropout: Float = 0
    /// Dropout inside the MLP in training.
    public var mlpDropout: Float = 0
    /// The total width of the local attention window (the radius is half of it).
    public var localAttention: Int = 128
    /// The attention kind of each layer (global every `global_attn_every_n_layers` layers, from layer 0).
    public var layerTypes: [LayerType] = []
    /// RoPE base of the global layers.
    public var globalRopeTheta: Float = 160_000
    /// RoPE base of the local layers.
    public var localRopeTheta: Float = 10_000
    /// The padding token id.
    public var padTokenID: Int? = 50283
    /// The `[CLS]` token id.
    public var clsTokenID: Int? = 50281
    /// The `[SEP]` token id.
    public var sepTokenID: Int? = 50282
    /// The beginning-of-sequence token id.
    public var bosTokenID: Int? = 50281
    /// The end-of-sequence token id.
    public var eosTokenID: Int? = 50282

    /// The size of one attention head.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// A configuration with `transformers`' defaults (ModernBERT-base sizes), global attention every
    /// `globalAttentionEvery` layers.
    public init(globalAttentionEvery: Int = 3) {
        layerTypes = Self.layerPattern(count: numHiddenLayers, globalEvery: globalAttentionEvery)
    }

    /// A configuration with the given sizes, the others at their defaults.
    public init(vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                globalAttentionEvery: Int = 3, localAttention: Int = 128) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.localAttention = localAttention
        layerTypes = Self.layerPattern(count: numHiddenLayers, globalEvery: globalAttentionEvery)
    }

    static func layerPattern(count: Int, globalEvery: Int) -> [LayerType] {
        (0..<count).map { $0 % globalEvery == 0 ? .global : .local }
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case hiddenActivation = "hidden_activation", maxPositionEmbeddings = "max_position_embeddings"
        case normEps = "norm_eps", normBias = "norm_bias", attentionBias = "attention_bias", mlpBias = "mlp_bias"
        case decoderBias = "decoder_bias", classifierBias = "classifier_bias", classifierActivation = "classifier_activation"
        case attentionDropout = "attention_dropout", embeddingDropout = "embedding_dropout", mlpDropout = "mlp_dropout"
        case localAttention = "local_attention", layerTypes = "layer_types"
        case globalRopeTheta = "global_rope_theta", localRopeTheta = "local_rope_theta"
        case padTokenID = "pad_token_id", clsTokenID = "cls_token_id", sepTokenID = "sep_token_id"
        case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
        case globalAttnEveryNLayers = "global_attn_every_n_layers", ropeParameters = "rope_parameters", modelType = "model_type"
    }

    private struct RopeParameters: Codable {
        var rope_type: String?
        var rope_theta: Float?
    }

    /// Reads a `config.json`; throws naming the key when a value is missing, mistyped or out of range.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "modernbert" {
            throw configError("model_type", "\"\(type)\" is not a ModernBERT config")
        }
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        vocabSize = try value(.vocabSize, vocabSize)
        hiddenSize = try value(.hiddenSize, hiddenSize)
        intermediateSize = try value(.intermediateSize, intermediateSize)
        numHiddenLayers = try value(.numHiddenLayers, numHiddenLayers)
        // Checked here, not only in validate(): the layer pattern below is built from it.
        guard (0...Self.maximumLayerCount).contains(numHiddenLayers) else {
            throw configError("num_hidden_layers", "must lie in 0...\(Self.maximumLayerCount), got \(numHiddenLayers)")
        }
        numAttentionHeads = try value(.numAttentionHeads, numAttentionHeads)
        hiddenActivation = try value(.hiddenActivation, hiddenActivation)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, maxPositionEmbeddings)
        normEps = try value(.normEps, normEps)
        normBias = try value(.normBias, normBias)
        attentionBias = try value(.attentionBias, attentionBias)
        mlpBias = try value(.mlpBias, mlpBias)
        decoderBias = try value(.decoderBias, decoderBias)
        classifierBias = try value(.classifierBias, classifierBias)
        classifierActivation = try value(.classifierActivation, classifierActivation)
        attentionDropout = try value(.attentionDropout, attentionDropout)
        embeddingDropout = try value(.embeddingDropout, embeddingDropout)
        mlpDropout = try value(.mlpDropout, mlpDropout)
        localAttention = try value(.localAttention, localAttention)
        // A token id given as null stays nil; an absent one keeps its default.
        func tokenID(_ key: CodingKeys, _ fallback: Int?) throws -> Int? {
            c.contains(key) ? try c.decodeIfPresent(Int.self, forKey: key) : fallback
        }
        padTokenID = try tokenID(.padTokenID, padTokenID)
        clsTokenID = try tokenID(.clsTokenID, clsTokenID)
        sepTokenID = try tokenID(.sepTokenID, sepTokenID)
        bosTokenID = try tokenID(.bosTokenID, bosTokenID)
        eosTokenID = try tokenID(.eosTokenID, eosTokenID)
        if let types = try c.decodeIfPresent([LayerType].self, forKey: .layerTypes) {
            layerTypes = types
        } else {
            let every = try value(.globalAttnEveryNLayers, 3)
            guard every > 0 else { throw configError("global_attn_every_n_layers", "must be positive, got \(every)") }
            layerTypes = Self.layerPattern(count: numHiddenLayers, globalEvery: every)
        }
        globalRopeTheta = try value(.globalRopeTheta, globalRopeTheta)
        localRopeTheta = try value(.localRopeTheta, localRopeTheta)
        if let rope = try c.decodeIfPresent([String: RopeParameters?].self, forKey: .ropeParameters) {
            for (kind, parameters) in rope {
                guard let parameters else { continue }
                if let type = parameters.rope_type, type != "default" {
                    throw configError("rope_parameters.\(kind).rope_type", "only \"default\" RoPE is supported, got \"\(type)\"")
                }
                guard let theta = parameters.rope_theta else { continue }
                switch LayerType(rawValue: kind) {
                case .global: globalRopeTheta = theta
                case .local: localRopeTheta = theta
                case nil: throw configError("rope_parameters", "unknown layer type \"\(kind)\"")
                }
            }
        }
        try validate()
    }

    /// Writes the configuration in the `layer_types` format with explicit RoPE thetas.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("modernbert", forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(hiddenActivation, forKey: .hiddenActivation)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(normEps, forKey: .normEps)
        try c.encode(normBias, forKey: .normBias)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias)
        try c.encode(decoderBias, forKey: .decoderBias)
        try c.encode(classifierBias, forKey: .classifierBias)
        try c.encode(classifierActivation, forKey: .classifierActivation)
        try c.encode(attentionDropout, forKey: .attentionDropout)
        try c.encode(embeddingDropout, forKey: .embeddingDropout)
        try c.encode(mlpDropout, forKey: .mlpDropout)
        try c.encode(localAttention, forKey: .localAttention)
        try c.encode(layerTypes, forKey: .layerTypes)
        try c.encode(globalRopeTheta, forKey: .globalRopeTheta)
        try c.encode(localRopeTheta, forKey: .localRopeTheta)
        try c.encodeIfPresent(padTokenID, forKey: .padTokenID)
        try c.encodeIfPresent(clsTokenID, forKey: .clsTokenID)
        try c.encodeIfPresent(sepTokenID, forKey: .sepTokenID)
        try c.encodeIfPresent(bosTokenID, forKey: .bosTokenID)
        try c.encodeIfPresent(eosTokenID, forKey: .eosTokenID)
    }

    /// The most layers a config file may declare (far above any real model; bounds what decoding allocates).
    static let maximumLayerCount = 10_000

    /// Checks the sizes and names a model can be built from.
    func validate() throws {
        for (key, size) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                            ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
                            ("local_attention", localAttention)] where size <= 0 {
            throw configError(key, "must be positive, got \(size)")
        }
        guard hiddenSize % numAttentionHeads == 0, headDim % 2 == 0 else {
            throw configError("hidden_size", "\(hiddenSize) must split into \(numAttentionHeads) heads of even size")
        }
        guard layerTypes.count == numHiddenLayers else {
            throw configError("layer_types", "\(layerTypes.count) entries for \(numHiddenLayers) layers")
        }
        for (key, name) in [("hidden_activation", hiddenActivation), ("classifier_activation", classifierActivation)]
        where ActivationFunction(huggingFaceName: name) == nil {
            throw configError(key, "unknown activation \"\(name)\"")
        }
        for (key, p) in [("attention_dropout", attentionDropout), ("embedding_dropout", embeddingDropout), ("mlp_dropout", mlpDropout)]
        where !(0..<1).contains(p) {
            throw configError(key, "must be in [0, 1), got \(p)")
        }
    }
}

extension ModernBERTConfig {
    /// Reads and validates a `config.json` file; errors name the file and the key.
    /// - Throws: ``TextEncoderError`` naming the file: unreadable, not JSON, or a key with a bad value.
    public init(contentsOf url: URL) throws {
        self = try ConfigFile.read(ModernBERTConfig.self, from: url)
    }

    /// Reads `config.json` from a checkpoint folder.
    @available(*, deprecated, message: "use init(contentsOf: folder.appendingPathComponent(\"config.json\"))")
    public static func read(from folder: URL) throws -> ModernBERTConfig {
        try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
    }
}
