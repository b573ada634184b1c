import Foundation
import PRIMANN

/// The configuration of a BERT encoder, read from a Hugging Face `config.json` (`model_type` "bert").
/// Missing fields take `transformers`' defaults (bert-base-uncased sizes).
public struct BERTConfig: Sendable, Equatable, Codable {
    /// The number of token ids.
    public var vocabSize: Int = 30522
    /// The width of the hidden states.
    public var hiddenSize: Int = 768
    /// The number of encoder layers.
    public var numHiddenLayers: Int = 12
    /// The number of attention heads.
    public var numAttentionHeads: Int = 12
    /// The width of the feed-forward layer.
    public var intermediateSize: Int = 3072
    /// The feed-forward activation (`hidden_act`), also used by the MLM head.
    public var hiddenAct: String = "gelu"
    /// Dropout on the embeddings and the sublayer outputs, in training.
    public var hiddenDropoutProb: Float = 0.1
    /// Dropout on attention probabilities; not implemented (the fused attention kernel has none), so ignored.
    public var attentionProbsDropoutProb: Float = 0.1
    /// The number of learned positions (the longest input).
    public var maxPositionEmbeddings: Int = 512
    /// The number of token types (segments).
    public var typeVocabSize: Int = 2
    /// The layer norms' epsilon.
    public var layerNormEps: Float = 1e-12
    /// The padding token id.
    public var padTokenID: Int? = 0

    /// A configuration with the given sizes, the others at their defaults.
    public init(vocabSize: Int = 30522, hiddenSize: Int = 768, numHiddenLayers: Int = 12, numAttentionHeads: Int = 12,
                intermediateSize: Int = 3072, maxPositionEmbeddings: Int = 512) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenAct = "hidden_act"
        case hiddenDropoutProb = "hidden_dropout_prob", attentionProbsDropoutProb = "attention_probs_dropout_prob"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", padTokenID = "pad_token_id"
        case modelType = "model_type", positionEmbeddingType = "position_embedding_type", isDecoder = "is_decoder"
    }

    /// Reads a `config.json`; throws naming the key when a value is missing, mistyped, out of range or unsupported.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "bert" {
            throw configError("model_type", "\"\(type)\" is not a BERT config")
        }
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        vocabSize = try value(.vocabSize, vocabSize)
        hiddenSize = try value(.hiddenSize, hiddenSize)
        numHiddenLayers = try value(.numHiddenLayers, numHiddenLayers)
        numAttentionHeads = try value(.numAttentionHeads, numAttentionHeads)
        intermediateSize = try value(.intermediateSize, intermediateSize)
        hiddenAct = try value(.hiddenAct, hiddenAct)
        hiddenDropoutProb = try value(.hiddenDropoutProb, hiddenDropoutProb)
        attentionProbsDropoutProb = try value(.attentionProbsDropoutProb, attentionProbsDropoutProb)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, maxPositionEmbeddings)
        typeVocabSize = try value(.typeVocabSize, typeVocabSize)
        layerNormEps = try value(.layerNormEps, layerNormEps)
        padTokenID = c.contains(.padTokenID) ? try c.decodeIfPresent(Int.self, forKey: .padTokenID) : padTokenID
        let positions = try value(.positionEmbeddingType, "absolute")
        guard positions == "absolute" else {
            throw configError("position_embedding_type", "only \"absolute\" positions are supported, got \"\(positions)\"")
        }
        guard try !value(.isDecoder, false) else { throw configError("is_decoder", "decoder (causal) BERT is not supported") }
        try validate()
    }

    /// Writes the fields above with their Hugging Face names.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("bert", forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(hiddenDropoutProb, forKey: .hiddenDropoutProb)
        try c.encode(attentionProbsDropoutProb, forKey: .attentionProbsDropoutProb)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(typeVocabSize, forKey: .typeVocabSize)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encodeIfPresent(padTokenID, forKey: .padTokenID)
        try c.encode("absolute", forKey: .positionEmbeddingType)
    }

    func validate() throws {
        for (key, size) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                            ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                            ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)] where size <= 0 {
            throw configError(key, "must be positive, got \(size)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw configError("hidden_size", "\(hiddenSize) is not a multiple of \(numAttentionHeads) heads")
        }
        guard ActivationFunction(huggingFaceName: hiddenAct) != nil else { throw configError("hidden_act", "unknown activation \"\(hiddenAct)\"") }
        guard (0..<1).contains(hiddenDropoutProb) else { throw configError("hidden_dropout_prob", "must be in [0, 1), got \(hiddenDropoutProb)") }
    }
}

extension BERTConfig {
    /// Reads and validates a `config.json` file; errors name the file and the key.
    /// - Throws: ``TextEncoderError`` naming the file: unreadable, not JSON, or a key with a bad value.
    public init(contentsOf url: URL) throws {
        self = try ConfigFile.read(BERTConfig.self, from: url)
    }

    /// Reads `config.json` from a checkpoint folder.
    @available(*, deprecated, message: "use init(contentsOf: folder.appendingPathComponent(\"config.json\"))")
    public static func read(from folder: URL) throws -> BERTConfig {
        try BERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
    }
}
