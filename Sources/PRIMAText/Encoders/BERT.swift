import Foundation
import PRIMANN
import PRIMATensor

// BERT (Devlin et al. 2019) as `transformers`' `BertModel` / `BertForMaskedLM`: learned absolute positions and
// token types, post-norm layers, GELU feed-forward, tanh pooler. Property keys are the checkpoint keys.

/// Word, position and token-type embeddings summed, then normalised.
public final class BERTEmbeddings: Module {
    /// `[vocabulary, hidden]`.
    @Key("word_embeddings") public internal(set) var wordEmbeddings: Embedding
    /// `[maxPositions, hidden]`.
    @Key("position_embeddings") public internal(set) var positionEmbeddings: Embedding
    /// `[typeVocabulary, hidden]`.
    @Key("token_type_embeddings") public internal(set) var tokenTypeEmbeddings: Embedding
    /// The norm after the sum.
    @Key("LayerNorm") public internal(set) var norm: LayerNorm
    @Key("dropout") var dropout: Dropout? = nil

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        super.init()
        dropout = fill.dropout(config.hiddenDropoutProb)
        wordEmbeddings = Embedding(weight: fill.normal([config.vocabSize, config.hiddenSize]))
        positionEmbeddings = Embedding(weight: fill.normal([config.maxPositionEmbeddings, config.hiddenSize]))
        tokenTypeEmbeddings = Embedding(weight: fill.normal([config.typeVocabSize, config.hiddenSize]))
        norm = LayerNorm(dimension: config.hiddenSize, eps: config.layerNormEps)
    }

    func callAsFunction(_ ids: Tensor, tokenTypes: Tensor) -> Tensor {
        let positions = Tensor((0..<ids.shape[1]).map(Float.init))
        let sum = wordEmbeddings(ids) + tokenTypeEmbeddings(tokenTypes) + positionEmbeddings(positions)
        return applyDropout(dropout, norm(sum))
    }
}

/// Query, key and value projections and scaled dot-product attention over all (unpadded) keys.
public final class BERTSelfAttention: Module {
    /// `[hidden, hidden]` each, with bias.
    public let query: Linear, key: Linear, value: Linear
    let heads: Int

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        heads = config.numAttentionHeads
        query = fill.linear(config.hiddenSize, config.hiddenSize, bias: true)
        key = fill.linear(config.hiddenSize, config.hiddenSize, bias: true)
        value = fill.linear(config.hiddenSize, config.hiddenSize, bias: true)
        super.init()
    }

    func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor?) -> Tensor {
        Tensor.scaledDotProductAttention(query: query(x).splittingHeads(heads), key: key(x).splittingHeads(heads),
                                         value: value(x).splittingHeads(heads), keyPaddingMask: keyPaddingMask).mergingHeads()
    }
}

/// A sublayer's output projection with the post-norm residual: `LayerNorm(dense(x) + residual)`.
public final class BERTResidualOutput: Module {
    /// The output projection.
    public let dense: Linear
    /// The norm after the residual sum.
    @Key("LayerNorm") public internal(set) var norm: LayerNorm
    @Key("dropout") var dropout: Dropout? = nil

    init(_ config: BERTConfig, inputSize: Int, filling fill: inout WeightFiller) {
        dense = fill.linear(inputSize, config.hiddenSize, bias: true)
        super.init()
        dropout = fill.dropout(config.hiddenDropoutProb)
        norm = LayerNorm(dimension: config.hiddenSize, eps: config.layerNormEps)
    }

    func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor {
        norm(applyDropout(dropout, dense(x)) + residual)
    }
}

/// Self-attention and its output sublayer (keys `attention.self.…`, `attention.output.…`).
public final class BERTAttention: Module {
    /// The attention proper.
    @Key("self") public internal(set) var selfAttention: BERTSelfAttention
    /// Output projection, residual and norm.
    public let output: BERTResidualOutput

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        output = BERTResidualOutput(config, inputSize: config.hiddenSize, filling: &fill)
        super.init()
        selfAttention = BERTSelfAttention(config, filling: &fill)
    }
}

/// The first feed-forward projection and its activation.
public final class BERTIntermediate: Module {
    /// `[intermediate, hidden]`.
    public let dense: Linear
    let activation: ActivationFunction

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        dense = fill.linear(config.hiddenSize, config.intermediateSize, bias: true)
        activation = ActivationFunction(huggingFaceName: config.hiddenAct)!
        super.init()
    }
}

/// One post-norm encoder layer.
public final class BERTLayer: Module {
    /// Self-attention with its residual and norm.
    public let attention: BERTAttention
    /// The feed-forward up-projection.
    public let intermediate: BERTIntermediate
    /// The feed-forward down-projection with its residual and norm.
    public let output: BERTResidualOutput

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        attention = BERTAttention(config, filling: &fill)
        intermediate = BERTIntermediate(config, filling: &fill)
        output = BERTResidualOutput(config, inputSize: config.intermediateSize, filling: &fill)
        super.init()
    }

    func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor?) -> Tensor {
        let attended = attention.output(attention.selfAttention(x, keyPaddingMask: keyPaddingMask), residual: x)
        let hidden = intermediate.activation(intermediate.dense(attended))
        return output(hidden, residual: attended)
    }
}

/// The stack of layers (key `encoder.layer.N`).
public final class BERTEncoder: Module {
    /// The layers.
    @Key("layer") public internal(set) var layers: [BERTLayer]

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        var built: [BERTLayer] = []
        for _ in 0..<config.numHiddenLayers { built.append(BERTLayer(config, filling: &fill)) }
        super.init()
        layers = built
    }
}

/// `tanh(dense(h[:, 0]))`, BERT's sentence feature from the first token.
public final class BERTPooler: Module {
    /// `[hidden, hidden]`.
    public let dense: Linear

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        dense = fill.linear(config.hiddenSize, config.hiddenSize, bias: true)
        super.init()
    }

    /// `[B, L, hidden]` → `[B, hidden]`.
    public func callAsFunction(_ hidden: Tensor) -> Tensor {
        dense(hidden.narrowed(axis: 1, start: 0, length: 1).squeezed(1)).tanh()
    }
}

/// The BERT encoder (`transformers.BertModel`).
public final class BERTModel: Module {
    /// The configuration the model was built from.
    public let config: BERTConfig
    /// Word, position and token-type embeddings.
    public let embeddings: BERTEmbeddings
    /// The layers.
    public let encoder: BERTEncoder
    /// The tanh pooler, nil in a model built without one (as inside `BertForMaskedLM`).
    public let pooler: BERTPooler?

    /// A model with random weights (normal, standard deviation 0.02).
    public convenience init(config: BERTConfig, pooler: Bool = true, using rng: inout RandomGenerator) {
        var fill = WeightFiller(rng: rng)
        self.init(config: config, pooler: pooler, filling: &fill)
        rng = fill.rng!
    }

    /// A model with zero weights (``loadCheckpoint(fromFile:)`` fills them), or random ones.
    init(config: BERTConfig, pooler: Bool = true, filling fill: inout WeightFiller) {
        self.config = config
        embeddings = BERTEmbeddings(config, filling: &fill)
        encoder = BERTEncoder(config, filling: &fill)
        self.pooler = pooler ? BERTPooler(config, filling: &fill) : nil
        super.init()
    }

    /// The model of a checkpoint folder (`config.json` + `model.safetensors` of a `BertModel`, or of a
    /// `BertForMaskedLM` / `BertForPreTraining`, whose heads are skipped), in evaluation mode. The pooler is
    /// built when the file has one.
    public convenience init(contentsOf folder: URL) throws { try self.init(contentsOf: folder, storing: nil) }

    /// The model of a checkpoint folder as ``init(contentsOf:)``, frozen, with its Linear weights stored in
    /// `frozenWeights`: with `.bfloat16` a BF16 file's weights are kept as stored and an F32 file's rounded one
    /// tensor at a time, never holding a float32 copy of them (see `Module.storeFrozenWeights(as:)`). Embeddings
    /// and norms stay float32. Attach LoRA adapters to train.
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        try self.init(contentsOf: folder, storing: frozenWeights)
    }

    private convenience init(contentsOf folder: URL, storing frozenWeights: WeightPrecision?) throws {
        let config = try ConfigFile.read(BERTConfig.self, from: folder.appendingPathComponent("config.json"))
        let weights = try EncoderCheckpoint.weightsFile(in: folder)
        let hasPooler = try SafeTensorsFile(contentsOf: weights).keys.contains { $0.hasPrefix("pooler.") || $0.hasPrefix("bert.pooler.") }
        var fill = WeightFiller(rng: nil, uninitialized: true)
        self.init(config: config, pooler: hasPooler, filling: &fill)
        if let frozenWeights { freeze(); storeFrozenWeights(as: frozenWeights) }
        try loadCheckpoint(fromFile: weights)
        eval()
    }

    /// Loads a safetensors file of `BertModel` (or of a wrapper with a `bert.` prefix, whose heads are skipped).
    public func loadCheckpoint(fromFile url: URL) throws {
        var ignored = ["embeddings.position_ids", "embeddings.token_type_ids", "cls."]
        if pooler == nil { ignored.append("pooler.") }
        try EncoderCheckpoint.load(self, from: url, stripping: ["bert."], ignoring: ignored)
    }

    /// Loads a single weights file.
    @available(*, deprecated, renamed: "loadCheckpoint(fromFile:)")
    public func load(from url: URL) throws { try loadCheckpoint(fromFile: url) }

    /// The final hidden states `[B, L, hidden]` for token ids `[B, L]`, an optional attention mask `[B, L]`
    /// (1 for tokens, 0 for padding) and optional token types `[B, L]` (zeros when nil).
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil, tokenTypes: Tensor? = nil) -> Tensor {
        validateTokens(ids, mask: mask, vocabularySize: config.vocabSize)
        precondition(ids.shape[1] <= config.maxPositionEmbeddings,
                     "BERT input of \(ids.shape[1]) tokens exceeds its \(config.maxPositionEmbeddings) positions")
        if let tokenTypes { validateTokens(tokenTypes, mask: nil, vocabularySize: config.typeVocabSize) }
        var h = embeddings(ids, tokenTypes: tokenTypes ?? Tensor.zeros(ids.shape))
        for layer in encoder.layers { h = layer(h, keyPaddingMask: mask) }
        return h
    }
}

/// The MLM transform: `LayerNorm(act(dense(h)))`.
public final class BERTPredictionTransform: Module, Layer {
    /// `[hidden, hidden]`.
    public let dense: Linear
    /// The norm after the activation.
    @Key("LayerNorm") public internal(set) var norm: LayerNorm
    let activation: ActivationFunction

    init(_ config: BERTConfig, filling fill: inout WeightFiller) {
        dense = fill.linear(config.hiddenSize, config.hiddenSize, bias: true)
        activation = ActivationFunction(huggingFaceName: config.hiddenAct)!
        super.init()
        norm = LayerNorm(dimension: config.hiddenSize, eps: config.layerNormEps)
    }

    /// `[…, hidden]` → `[…, hidden]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { norm(activation(dense(x))) }
}

/// The MLM prediction head (key `cls.predictions`): transform, then the decoder tied to the word embeddings plus `bias`.
public final class BERTPredictionHead: Module, Layer {
    /// `[vocabulary]`, shared with the decoder.
    public let bias: Parameter
    /// Dense, activation, norm.
    public let transform: BERTPredictionTransform
    /// The tied output projection.
    public let decoder: TiedDecoder

    init(_ config: BERTConfig, embeddings: Embedding, filling fill: inout WeightFiller) {
        bias = Parameter(Tensor.zeros([config.vocabSize]))
        transform = BERTPredictionTransform(config, filling: &fill)
        decoder = TiedDecoder(tiedTo: embeddings, bias: bias)
        super.init()
    }

    /// `[…, hidden]` → `[…, vocabulary]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { decoder(transform(x)) }
}

/// The holder of the prediction head (key `cls`), as in `transformers`.
public final class BERTOnlyMLMHead: Module {
    /// The prediction head.
    public let predictions: BERTPredictionHead

    init(_ predictions: BERTPredictionHead) {
        self.predictions = predictions
        super.init()
    }
}

/// BERT with its masked-language-model head (`transformers.BertForMaskedLM`): keys `bert.…` and `cls.predictions.…`.
public final class BERTForMaskedLM: Module {
    /// The encoder, without pooler.
    public let bert: BERTModel
    /// The MLM head.
    public let cls: BERTOnlyMLMHead

    /// A model with random weights.
    public convenience init(config: BERTConfig, using rng: inout RandomGenerator) {
        var fill = WeightFiller(rng: rng)
        self.init(config: config, filling: &fill)
        rng = fill.rng!
    }

    /// A model with zero weights (``loadCheckpoint(fromFile:)`` fills them), or random ones.
    init(config: BERTConfig, filling fill: inout WeightFiller) {
        bert = BERTModel(config: config, pooler: false, filling: &fill)
        cls = BERTOnlyMLMHead(BERTPredictionHead(config, embeddings: bert.embeddings.wordEmbeddings, filling: &fill))
        super.init()
    }

    /// The model of a `BertForMaskedLM` (or `BertForPreTraining`) checkpoint folder, in evaluation mode.
    public convenience init(contentsOf folder: URL) throws { try self.init(contentsOf: folder, storing: nil) }

    /// The model of a checkpoint folder as ``init(contentsOf:)``, frozen, with its Linear weights stored in
    /// `frozenWeights`: with `.bfloat16` a BF16 file's weights are kept as stored and an F32 file's rounded one
    /// tensor at a time, never holding a float32 copy of them (see `Module.storeFrozenWeights(as:)`). Embeddings
    /// and norms stay float32. Attach LoRA adapters to train.
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        try self.init(contentsOf: folder, storing: frozenWeights)
    }

    private convenience init(contentsOf folder: URL, storing frozenWeights: WeightPrecision?) throws {
        let config = try ConfigFile.read(BERTConfig.self, from: folder.appendingPathComponent("config.json"))
        var fill = WeightFiller(rng: nil, uninitialized: true)
        self.init(config: config, filling: &fill)
        if let frozenWeights { freeze(); storeFrozenWeights(as: frozenWeights) }
        try loadCheckpoint(fromFile: EncoderCheckpoint.weightsFile(in: folder))
        eval()
    }

    /// Loads a `BertForMaskedLM` safetensors file strictly; tied copies, the pooler and the next-sentence head are skipped.
    public func loadCheckpoint(fromFile url: URL) throws {
        try EncoderCheckpoint.load(self, from: url, ignoring: [
            "cls.predictions.decoder.weight", "cls.predictions.decoder.bias", "bert.embeddings.position_ids",
            "bert.embeddings.token_type_ids", "bert.pooler.", "cls.seq_relationship.",
        ], tied: ["cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
                  "cls.predictions.decoder.bias": "cls.predictions.bias"])
    }

    /// Loads a single weights file.
    @available(*, deprecated, renamed: "loadCheckpoint(fromFile:)")
    public func load(from url: URL) throws { try loadCheckpoint(fromFile: url) }

    /// Vocabulary logits `[B, L, vocabulary]`; ``forward(_:mask:tokenTypes:)`` also returns the hidden states.
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil, tokenTypes: Tensor? = nil) -> Tensor {
        forward(ids, mask: mask, tokenTypes: tokenTypes).logits
    }

    /// The encoder's final hidden states `[B, L, hidden]` and the vocabulary logits `[B, L, vocabulary]` of
    /// token ids `[B, L]` (optional mask and token types as in ``callAsFunction(_:mask:tokenTypes:)``), from
    /// one pass through the encoder.
    public func forward(_ ids: Tensor, mask: Tensor?, tokenTypes: Tensor?) -> MaskedLanguageModelOutput {
        let hidden = bert(ids, mask: mask, tokenTypes: tokenTypes)
        return MaskedLanguageModelOutput(hiddenStates: hidden, logits: cls.predictions(hidden))
    }
}



/// `dropout(x)` when there is a dropout layer (in training mode it draws a mask), else `x`.
func applyDropout(_ dropout: Dropout?, _ x: Tensor) -> Tensor { dropout.map { $0(x) } ?? x }
