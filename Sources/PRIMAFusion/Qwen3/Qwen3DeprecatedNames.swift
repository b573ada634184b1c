import PRIMATensor

// Earlier spellings of identifiers, kept so that existing code still compiles (with a deprecation warning
// and a fix-it). The package spells the abbreviation "ID" (`tokenIDs`, `padTokenID`), as PRIMAText does.

extension Qwen3Config {
    /// Token that starts a sequence, if any.
    @available(*, deprecated, renamed: "bosTokenID")
    public var bosTokenId: Int? { get { bosTokenID } set { bosTokenID = newValue } }
    /// Tokens that end generation.
    @available(*, deprecated, renamed: "eosTokenIDs")
    public var eosTokenIds: [Int] { get { eosTokenIDs } set { eosTokenIDs = newValue } }
    /// Padding token, if any.
    @available(*, deprecated, renamed: "padTokenID")
    public var padTokenId: Int? { get { padTokenID } set { padTokenID = newValue } }
}

extension GeneratedText {
    /// The generated token ids.
    @available(*, deprecated, renamed: "tokenIDs")
    public var tokenIds: [Int] { tokenIDs }
}

extension RestrictedVocabularyClassifier {
    /// The token id standing for each class.
    @available(*, deprecated, renamed: "classTokenIDs")
    public var classTokenIds: [Int] { classTokenIDs }

    /// A classifier over `classTokenIds`.
    @available(*, deprecated, renamed: "init(classTokenIDs:)")
    public init(classTokenIds: [Int]) { self.init(classTokenIDs: classTokenIds) }

    /// Class logits for token ids.
    @available(*, deprecated, renamed: "logits(model:tokenIDs:attentionMask:)")
    public func logits(model: Qwen3ForCausalLM, tokenIds: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        logits(model: model, tokenIDs: tokenIds, attentionMask: attentionMask)
    }

    /// Class logits for input embeddings with explicit position ids.
    @available(*, deprecated, renamed: "logits(model:inputEmbeddings:attentionMask:positionIDs:)")
    public func logits(model: Qwen3ForCausalLM, inputEmbeddings: Tensor, attentionMask: Tensor? = nil,
                       positionIds: Tensor) -> Tensor {
        logits(model: model, inputEmbeddings: inputEmbeddings, attentionMask: attentionMask, positionIDs: positionIds)
    }
}

extension Qwen3Model {
    /// The final hidden states for input embeddings with explicit position ids.
    @available(*, deprecated, renamed: "callAsFunction(inputEmbeddings:attentionMask:positionIDs:cache:)")
    public func callAsFunction(inputEmbeddings x: Tensor, attentionMask: Tensor? = nil, positionIds: Tensor,
                               cache: Qwen3KVCache? = nil) -> Tensor {
        self(inputEmbeddings: x, attentionMask: attentionMask, positionIDs: positionIds, cache: cache)
    }
}

extension Qwen3ForCausalLM {
    /// Forward pass from token ids.
    @available(*, deprecated, renamed: "callAsFunction(tokenIDs:attentionMask:positionIDs:cache:logits:)")
    public func callAsFunction(tokenIds: Tensor, attentionMask: Tensor? = nil, positionIds: Tensor? = nil,
                               cache: Qwen3KVCache? = nil, logits: Qwen3Logits = .all) -> Qwen3Output {
        self(tokenIDs: tokenIds, attentionMask: attentionMask, positionIDs: positionIds, cache: cache, logits: logits)
    }

    /// Forward pass from input embeddings with explicit position ids.
    @available(*, deprecated, renamed: "callAsFunction(inputEmbeddings:attentionMask:positionIDs:cache:logits:)")
    public func callAsFunction(inputEmbeddings: Tensor, attentionMask: Tensor? = nil, positionIds: Tensor,
                               cache: Qwen3KVCache? = nil, logits: Qwen3Logits = .all) -> Qwen3Output {
        self(inputEmbeddings: inputEmbeddings, attentionMask: attentionMask, positionIDs: positionIds, cache: cache,
             logits: logits)
    }

    /// Position ids counted from each row's first real token.
    @available(*, deprecated, renamed: "positionIDs(attentionMask:)")
    public static func positionIds(attentionMask mask: Tensor) -> Tensor { positionIDs(attentionMask: mask) }
}
