import Foundation
import PRIMATensor

/// The fields of a Qwen3 checkpoint's `config.json` (Hugging Face `Qwen3Config`), with its field names
/// and defaults.
///
/// Both RoPE spellings are read: `rope_theta` at the top level (the published checkpoints) and
/// `rope_parameters.rope_theta` (files written by transformers ≥ 5). Only the default RoPE is supported;
/// a config asking for another `rope_type` is refused.
public struct Qwen3Config: Codable, Sendable, Equatable {
    /// Size of the token vocabulary (rows of the embedding and of the LM head).
    public var vocabSize: Int = 151_936
    /// Width of the residual stream.
    public var hiddenSize: Int = 4096
    /// Width of the SwiGLU MLP.
    public var intermediateSize: Int = 22_016
    /// Number of decoder layers.
    public var numHiddenLayers: Int = 32
    /// Number of query heads.
    public var numAttentionHeads: Int = 32
    /// Number of key/value heads (grouped-query attention: a divisor of ``numAttentionHeads``).
    public var numKeyValueHeads: Int = 32
    /// Size of each attention head (Qwen3 sets it explicitly: 128, not `hiddenSize / heads`).
    public var headDim: Int = 128
    /// The MLP activation (`silu` in every Qwen3 checkpoint).
    public var hiddenAct: String = "silu"
    /// Longest sequence the checkpoint was trained for (informational: RoPE has no table limit here).
    public var maxPositionEmbeddings: Int = 32_768
    /// Standard deviation of the random initialisation.
    public var initializerRange: Float = 0.02
    /// Epsilon of every RMS norm.
    public var rmsNormEps: Float = 1e-6
    /// Base of the rotary embedding frequencies.
    public var ropeTheta: Float = 10_000
    /// Whether the LM head reuses the token embedding matrix.
    public var tieWordEmbeddings: Bool = false
    /// Whether the attention projections have biases.
    public var attentionBias: Bool = false
    /// Whether the layers listed as `sliding_attention` in ``layerTypes`` use a causal sliding window.
    public var useSlidingWindow: Bool = false
    /// Window size of the sliding-window layers.
    public var slidingWindow: Int? = 4096
    /// Layers from this index on slide when ``useSlidingWindow`` is set and ``layerTypes`` is absent.
    public var maxWindowLayers: Int = 28
    /// `full_attention` / `sliding_attention` per layer, as transformers derives it when absent.
    public var layerTypes: [String]? = nil
    /// Token that starts a sequence, if any.
    public var bosTokenID: Int? = nil
    /// Tokens that end generation (`eos_token_id` may be one id or a list).
    public var eosTokenIDs: [Int] = []
    /// Padding token, if any.
    public var padTokenID: Int? = nil

    /// The default configuration (transformers' `Qwen3Config()`); set the fields you need.
    public init() {}

    /// Reads `config.json`.
    /// - Throws: `TensorError.io` when the file cannot be read, `TensorError.invalidArgument` naming the file
    ///   and the field when it is malformed or inconsistent.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TensorError.io("cannot read Qwen3 config \(url.path): \(error.localizedDescription)")
        }
        do {
            self = try JSONDecoder().decode(Qwen3Config.self, from: data)
        } catch let error as TensorError {
            throw TensorError.invalidArgument("\(url.path): \(error.description)")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw TensorError.invalidArgument("\(url.path): \(JSONSyntaxLocation.describeInvalidJSON(data))")
        } catch {
            throw TensorError.invalidArgument("\(url.path): not a valid Qwen3 config.json (\(error))")
        }
    }

    /// Whether layer `index` uses the causal sliding window.
    public func usesSlidingWindow(layer index: Int) -> Bool {
        guard let window = effectiveSlidingWindow else { return false }
        if let layerTypes { return layerTypes[index] == "sliding_attention" && window > 0 }
        return index >= maxWindowLayers
    }

    /// The sliding window in effect (transformers drops it unless ``useSlidingWindow`` is set).
    public var effectiveSlidingWindow: Int? { useSlidingWindow ? slidingWindow : nil }

    /// Checks the sizes fit together.
    public func validate() throws {
        func fail(_ m: String) -> TensorError { TensorError.invalidArgument("Qwen3 config: \(m)") }
        for (name, value) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                              ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
                              ("num_key_value_heads", numKeyValueHeads), ("head_dim", headDim)] where value <= 0 {
            throw fail("\(name) must be positive, got \(value)")
        }
        if numAttentionHeads % numKeyValueHeads != 0 {
            throw fail("num_attention_heads \(numAttentionHeads) is not a multiple of num_key_value_heads \(numKeyValueHeads)")
        }
        if headDim % 2 != 0 { throw fail("head_dim \(headDim) must be even for RoPE") }
        if hiddenAct != "silu" && hiddenAct != "swish" { throw fail("hidden_act \"\(hiddenAct)\" is not supported (silu only)") }
        if let layerTypes, layerTypes.count != numHiddenLayers {
            throw fail("layer_types lists \(layerTypes.count) layers for num_hidden_layers \(numHiddenLayers)")
        }
        if let layerTypes, let bad = layerTypes.first(where: { $0 != "full_attention" && $0 != "sliding_attention" }) {
            throw fail("layer_types entry \"\(bad)\" is neither full_attention nor sliding_attention")
        }
        if let window = effectiveSlidingWindow, window < 1 { throw fail("sliding_window \(window) must be at least 1") }
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", initializerRange = "initializer_range"
        case rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta", ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case tieWordEmbeddings = "tie_word_embeddings", attentionBias = "attention_bias"
        case useSlidingWindow = "use_sliding_window", slidingWindow = "sliding_window"
        case maxWindowLayers = "max_window_layers", layerTypes = "layer_types"
        case bosTokenID = "bos_token_id", eosTokenIDs = "eos_token_id", padTokenID = "pad_token_id"
    }

    /// `rope_parameters` / `rope_scaling`: only the default type is accepted.
    private struct RopeParameters: Codable {
        var ropeTheta: Float?
        var ropeType: String?
        enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta", ropeType = "rope_type", type }
        init(ropeTheta: Float?, ropeType: String?) { self.ropeTheta = ropeTheta; self.ropeType = ropeType }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ropeTheta = try c.decodeIfPresent(Float.self, forKey: .ropeTheta)
            ropeType = try c.decodeIfPresent(String.self, forKey: .ropeType) ?? c.decodeIfPresent(String.self, forKey: .type)
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(ropeTheta, forKey: .ropeTheta)
            try c.encodeIfPresent(ropeType, forKey: .ropeType)
        }
    }

    /// Decodes a `config.json` object; absent fields take transformers' defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        vocabSize = try value(.vocabSize, vocabSize)
        hiddenSize = try value(.hiddenSize, hiddenSize)
        intermediateSize = try value(.intermediateSize, intermediateSize)
        numHiddenLayers = try value(.numHiddenLayers, numHiddenLayers)
        numAttentionHeads = try value(.numAttentionHeads, numAttentionHeads)
        numKeyValueHeads = try value(.numKeyValueHeads, numAttentionHeads)
        headDim = try value(.headDim, headDim)
        hiddenAct = try value(.hiddenAct, hiddenAct)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, maxPositionEmbeddings)
        initializerRange = try value(.initializerRange, initializerRange)
        rmsNormEps = try value(.rmsNormEps, rmsNormEps)
        tieWordEmbeddings = try value(.tieWordEmbeddings, tieWordEmbeddings)
        attentionBias = try value(.attentionBias, attentionBias)
        useSlidingWindow = try value(.useSlidingWindow, useSlidingWindow)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        maxWindowLayers = try value(.maxWindowLayers, maxWindowLayers)
        layerTypes = try c.decodeIfPresent([String].self, forKey: .layerTypes)
        bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
        padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
        if let one = try? c.decodeIfPresent(Int.self, forKey: .eosTokenIDs) {
            eosTokenIDs = [one]
        } else {
            eosTokenIDs = try c.decodeIfPresent([Int].self, forKey: .eosTokenIDs) ?? []
        }
        let parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        let scaling = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        for rope in [parameters, scaling].compactMap({ $0 }) {
            if let type = rope.ropeType, type != "default" {
                throw TensorError.invalidArgument("RoPE type \"\(type)\" is not supported (default RoPE only)")
            }
        }
        ropeTheta = try c.decodeIfPresent(Float.self, forKey: .ropeTheta) ?? parameters?.ropeTheta ?? ropeTheta
        try validate()
    }

    /// Encodes with the Hugging Face field names (`rope_theta` at the top level).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(useSlidingWindow, forKey: .useSlidingWindow)
        try c.encodeIfPresent(slidingWindow, forKey: .slidingWindow)
        try c.encode(maxWindowLayers, forKey: .maxWindowLayers)
        try c.encodeIfPresent(layerTypes, forKey: .layerTypes)
        try c.encodeIfPresent(bosTokenID, forKey: .bosTokenID)
        if !eosTokenIDs.isEmpty { try c.encode(eosTokenIDs, forKey: .eosTokenIDs) }
        try c.encodeIfPresent(padTokenID, forKey: .padTokenID)
    }
}

extension Qwen3Config {
    /// Qwen/Qwen3-0.6B as published (28 layers, hidden 1024, 16 query / 8 key-value heads, tied embeddings).
    public static var qwen3_0_6B: Qwen3Config {
        var c = Qwen3Config()
        c.hiddenSize = 1024
        c.intermediateSize = 3072
        c.numHiddenLayers = 28
        c.numAttentionHeads = 16
        c.numKeyValueHeads = 8
        c.headDim = 128
        c.maxPositionEmbeddings = 40_960
        c.ropeTheta = 1_000_000
        c.tieWordEmbeddings = true
        c.slidingWindow = nil
        c.bosTokenID = 151_643
        c.eosTokenIDs = [151_645]
        return c
    }

    /// Qwen/Qwen3-1.7B as published (28 layers, hidden 2048, 16 query / 8 key-value heads, tied embeddings).
    public static var qwen3_1_7B: Qwen3Config {
        var c = qwen3_0_6B
        c.hiddenSize = 2048
        c.intermediateSize = 6144
        return c
    }
}
