import Foundation
import PRIMANN
import PRIMATensor

/// An encoder with its masked-language-model head: ``ModernBERTForMaskedLM`` or ``BERTForMaskedLM``.
public protocol MaskedLanguageModel: Module {
    /// The encoder inside the model, which LoRA refines and PRIMA then uses as its text encoder.
    var encoder: any TextEncoderBackbone { get }
    /// The number of token ids the head predicts.
    var vocabularySize: Int { get }
    /// Vocabulary logits `[N, vocabulary]` for final hidden states `[N, hidden]`.
    func predictionLogits(_ hidden: Tensor) -> Tensor
    /// The encoder's final hidden states and the vocabulary logits of token ids `[B, L]` with an optional
    /// attention mask `[B, L]`, from one forward pass.
    func forward(_ ids: Tensor, mask: Tensor?) -> MaskedLanguageModelOutput
}

/// What one forward pass of a ``MaskedLanguageModel`` computes.
public struct MaskedLanguageModelOutput {
    /// The encoder's final hidden states `[B, L, hidden]` (what ``TextEncoder`` turns into features).
    public let hiddenStates: Tensor
    /// Vocabulary logits `[B, L, vocabulary]` of the MLM head applied to ``hiddenStates``.
    public let logits: Tensor

    /// Pairs hidden states with the logits computed from them.
    public init(hiddenStates: Tensor, logits: Tensor) {
        self.hiddenStates = hiddenStates
        self.logits = logits
    }
}

extension ModernBERTForMaskedLM: MaskedLanguageModel {
    /// ``model``.
    public var encoder: any TextEncoderBackbone { model }
    /// `vocab_size`.
    public var vocabularySize: Int { model.config.vocabSize }
    /// `decoder(head(hidden))`.
    public func predictionLogits(_ hidden: Tensor) -> Tensor { decoder(head(hidden)) }
}

extension BERTForMaskedLM: MaskedLanguageModel {
    /// ``bert``.
    public var encoder: any TextEncoderBackbone { bert }
    /// `vocab_size`.
    public var vocabularySize: Int { bert.config.vocabSize }
    /// `cls.predictions(hidden)`.
    public func predictionLogits(_ hidden: Tensor) -> Tensor { cls.predictions(hidden) }
    /// ``BERTForMaskedLM/forward(_:mask:tokenTypes:)`` with token types all 0.
    public func forward(_ ids: Tensor, mask: Tensor? = nil) -> MaskedLanguageModelOutput { forward(ids, mask: mask, tokenTypes: nil) }
}

extension TextEncoderArchitecture {
    /// The masked-language model of a checkpoint folder (`config.json` + `model.safetensors` with the MLM head),
    /// picked by `model_type`, in evaluation mode.
    public static func loadMaskedLanguageModel(contentsOf folder: URL) throws -> any MaskedLanguageModel {
        switch try read(from: folder) {
        case .modernBERT: return try ModernBERTForMaskedLM(contentsOf: folder)
        case .bert: return try BERTForMaskedLM(contentsOf: folder)
        }
    }

    /// The masked-language model of a checkpoint folder, frozen, its Linear weights stored in `frozenWeights`
    /// as they load (the token embeddings and the tied decoder stay float32), in evaluation mode.
    public static func loadMaskedLanguageModel(contentsOf folder: URL, frozenWeights: WeightPrecision) throws -> any MaskedLanguageModel {
        switch try read(from: folder) {
        case .modernBERT: return try ModernBERTForMaskedLM(contentsOf: folder, frozenWeights: frozenWeights)
        case .bert: return try BERTForMaskedLM(contentsOf: folder, frozenWeights: frozenWeights)
        }
    }

    /// The masked-language model of a checkpoint folder.
    @available(*, deprecated, renamed: "loadMaskedLanguageModel(contentsOf:)")
    public static func loadMaskedLanguageModel(from folder: URL) throws -> any MaskedLanguageModel {
        try loadMaskedLanguageModel(contentsOf: folder)
    }
}
