import Foundation
import PRIMANN
import PRIMATensor

/// A transformer encoder that turns token ids into hidden states: ``ModernBERTModel`` or ``BERTModel``.
public protocol TextEncoderBackbone: Module {
    /// The width of the hidden states.
    var hiddenSize: Int { get }
    /// The number of token ids.
    var vocabularySize: Int { get }
    /// The longest input the model takes (learned positions), nil when unbounded (rotary positions).
    var maxSequenceLength: Int? { get }
    /// Names of the attention and MLP projections, the default LoRA targets (`LoRA.Configuration.targets`).
    var projectionNames: [String] { get }
    /// The final hidden states `[B, L, hidden]` for ids `[B, L]` and an optional attention mask `[B, L]`.
    func hiddenStates(_ ids: Tensor, mask: Tensor?) -> Tensor
}

extension ModernBERTModel: TextEncoderBackbone {
    /// `hidden_size`.
    public var hiddenSize: Int { config.hiddenSize }
    /// `vocab_size`.
    public var vocabularySize: Int { config.vocabSize }
    /// Nil: rotary positions have no table (the checkpoint was trained up to `max_position_embeddings`).
    public var maxSequenceLength: Int? { nil }
    /// `Wqkv`, `Wo` (attention and MLP output) and `Wi`.
    public var projectionNames: [String] { ["Wqkv", "Wo", "Wi"] }
    /// The model's output for `ids` and `mask` (token types all 0 for BERT).
    public func hiddenStates(_ ids: Tensor, mask: Tensor?) -> Tensor { self(ids, mask: mask) }
}

extension BERTModel: TextEncoderBackbone {
    /// `hidden_size`.
    public var hiddenSize: Int { config.hiddenSize }
    /// `vocab_size`.
    public var vocabularySize: Int { config.vocabSize }
    /// `max_position_embeddings`.
    public var maxSequenceLength: Int? { config.maxPositionEmbeddings }
    /// `query`, `key`, `value`, `attention.output.dense`, `intermediate.dense` and `output.dense` (not the pooler).
    public var projectionNames: [String] { ["query", "key", "value", "output.dense", "intermediate.dense"] }
    /// The model's output for `ids` and `mask` (token types all 0 for BERT).
    public func hiddenStates(_ ids: Tensor, mask: Tensor?) -> Tensor { self(ids, mask: mask) }
}

/// The encoder architectures a checkpoint folder may hold, picked by its `config.json` `model_type`.
public enum TextEncoderArchitecture: Sendable, Equatable {
    /// `model_type` "modernbert" (Clinical ModernBERT, ModernBERT-base).
    case modernBERT(ModernBERTConfig)
    /// `model_type` "bert" (BERT, MiniLM, Bio/ClinicalBERT).
    case bert(BERTConfig)

    /// Reads `folder/config.json` and picks the architecture by `model_type`.
    /// - Throws: ``TextEncoderError`` naming the file: unreadable, invalid, or an unsupported `model_type` (quoted).
    public static func read(from folder: URL) throws -> TextEncoderArchitecture {
        let url = folder.appendingPathComponent("config.json")
        switch try ConfigFile.modelType(at: url) {
        case "modernbert": return .modernBERT(try ConfigFile.read(ModernBERTConfig.self, from: url))
        case "bert": return .bert(try ConfigFile.read(BERTConfig.self, from: url))
        case let other: throw TextEncoderError.unsupportedModelType(other, file: url)
        }
    }

    /// A backbone of this architecture with random weights.
    public func makeBackbone(using rng: inout RandomGenerator) -> any TextEncoderBackbone {
        switch self {
        case .modernBERT(let config): return ModernBERTModel(config: config, using: &rng)
        case .bert(let config): return BERTModel(config: config, pooler: false, using: &rng)
        }
    }

    /// The backbone of a checkpoint folder of this architecture, loaded and in evaluation mode.
    public func loadBackbone(contentsOf folder: URL) throws -> any TextEncoderBackbone {
        switch self {
        case .modernBERT: return try ModernBERTModel(contentsOf: folder)
        case .bert: return try BERTModel(contentsOf: folder)
        }
    }

    /// The backbone of a checkpoint folder of this architecture, frozen, its Linear weights stored in
    /// `frozenWeights` as they load (`ModernBERTModel.init(contentsOf:frozenWeights:)`), in evaluation mode.
    public func loadBackbone(contentsOf folder: URL, frozenWeights: WeightPrecision) throws -> any TextEncoderBackbone {
        switch self {
        case .modernBERT: return try ModernBERTModel(contentsOf: folder, frozenWeights: frozenWeights)
        case .bert: return try BERTModel(contentsOf: folder, frozenWeights: frozenWeights)
        }
    }

    /// The backbone of a checkpoint folder.
    @available(*, deprecated, renamed: "loadBackbone(contentsOf:)")
    public func loadBackbone(from folder: URL) throws -> any TextEncoderBackbone { try loadBackbone(contentsOf: folder) }
}
