import PRIMANN
import PRIMAText
import PRIMATensor

/// The four markers that frame the image and text features in the language model's input.
public enum FusionSpecialToken: Int, CaseIterable, Sendable, Codable {
    /// `<|img_start|>`, before the image tokens.
    case imageStart
    /// `<|img_end|>`, after the image tokens.
    case imageEnd
    /// `<|txt_start|>`, before the text tokens.
    case textStart
    /// `<|txt_end|>`, after the text tokens: the last real position, where the class is read.
    case textEnd

    /// The marker as the paper writes it.
    public var marker: String {
        switch self {
        case .imageStart: "<|img_start|>"
        case .imageEnd: "<|img_end|>"
        case .textStart: "<|txt_start|>"
        case .textEnd: "<|txt_end|>"
        }
    }

    /// The words whose mean token embedding initialises the marker: `image`, `end of image`, `text`, `end of text`.
    /// Plain words the tokenizer knows, so that the marker starts where the language model already reads "an image
    /// follows" / "the text is over" rather than at a random point of the embedding space.
    public var initializationText: String {
        switch self {
        case .imageStart: "image"
        case .imageEnd: "end of image"
        case .textStart: "text"
        case .textEnd: "end of text"
        }
    }
}

/// The learnable embeddings `[4, H]` of ``FusionSpecialToken``, in case order (key `weight`).
///
/// They are not tokenizer entries: the language model's vocabulary and embedding stay untouched (and frozen), and
/// the prompt builder splices these rows in as input embeddings.
public final class FusionSpecialTokens: Module {
    /// `[4, H]`, one row per ``FusionSpecialToken``.
    public let weight: Parameter

    /// Given embeddings `[4, H]`.
    public init(weight: Tensor) {
        precondition(weight.rank == 2 && weight.shape[0] == FusionSpecialToken.allCases.count,
                     "special token embeddings must be [4, H], got \(weight.shape)")
        self.weight = Parameter(weight)
        super.init()
    }

    /// Each marker initialised to the mean input embedding of the tokens of its ``FusionSpecialToken/initializationText``,
    /// encoded without special tokens by `tokenizer`.
    /// - Throws: ``FusionError`` when a text has no token or a token id lies outside the model's vocabulary.
    public convenience init(initializingFrom model: Qwen3ForCausalLM, tokenizer: Tokenizer) throws {
        let table = model.model.embedTokens.weight.value
        var rows: [Tensor] = []
        for token in FusionSpecialToken.allCases {
            let ids = tokenizer.encode(token.initializationText, addSpecialTokens: false).ids
            guard !ids.isEmpty else {
                throw FusionError("fusion special tokens", "\"\(token.initializationText)\" (for \(token.marker)) has no token in \(tokenizer.source)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= model.config.vocabSize }) {
                throw FusionError("fusion special tokens", "token id \(bad) of \"\(token.initializationText)\" is outside the model's vocabulary of \(model.config.vocabSize); tokenizer and model do not belong together")
            }
            rows.append(noGrad { table.indexSelect(axis: 0, indices: Tensor(ids.map(Float.init))).mean(axis: 0) })
        }
        self.init(weight: Tensor.stack(rows, axis: 0).detached())
    }

    /// The hidden size `H`.
    public var hiddenSize: Int { weight.shape[1] }

    /// The embedding `[H]` of one marker.
    public func embedding(_ token: FusionSpecialToken) -> Tensor {
        weight.value.indexSelect(axis: 0, indices: Tensor([Float(token.rawValue)])).reshaped([hiddenSize])
    }
}
