import Foundation
import PRIMANN
import PRIMATensor

// ModernBERT (Warner et al. 2024) as `transformers`' `ModernBertModel` / `ModernBertForMaskedLM`, padded code
// path: pre-norm layers (layer 0 without attention norm), fused `Wqkv`, RoPE with a separate base for global and
// local layers, bidirectional sliding-window attention in local layers, GeGLU MLP, final norm. Property keys are
// the checkpoint keys of `answerdotai/ModernBERT-base`.

/// Token embeddings followed by a layer norm (ModernBERT has no position embedding: positions enter through RoPE).
public final class ModernBERTEmbeddings: Module {
    /// `[vocabulary, hidden]`.
    @Key("tok_embeddings") public internal(set) var tokenEmbeddings: Embedding
    /// The norm applied to the looked-up vectors.
    public let norm: LayerNorm
    @Key("drop") var dropout: Dropout? = nil

    init(_ config: ModernBERTConfig, filling fill: inout WeightFiller) {
        norm = LayerNorm(dimension: config.hiddenSize, eps: config.normEps, bias: config.normBias)
        super.init()
        tokenEmbeddings = Embedding(weight: fill.normal([config.vocabSize, config.hiddenSize]))
        dropout = fill.dropout(config.embeddingDropout)
    }

    /// `[B, L]` ids → `[B, L, hidden]`.
    public func callAsFunction(_ ids: Tensor) -> Tensor {
        let x = norm(tokenEmbeddings(ids))
        return dropout.map { $0(x) } ?? x
    }
}

/// Multi-head self-attention with a fused query/key/value projection and rotary positions.
public final class ModernBERTAttention: Module {
    /// `[3·hidden, hidden]`: queries, keys and values stacked in that order.
    @Key("Wqkv") public internal(set) var qkv: Linear
    /// The output projection `[hidden, hidden]`.
    @Key("Wo") public internal(set) var output: Linear
    @Key("out_drop") var dropout: Dropout? = nil
    /// Global (full) or local (sliding window) attention.
    public let layerType: ModernBERTConfig.LayerType
    let heads: Int
    let pattern: AttentionPattern

    init(_ config: ModernBERTConfig, layerType: ModernBERTConfig.LayerType, filling fill: inout WeightFiller) {
        self.layerType = layerType
        heads = config.numAttentionHeads
        // transformers: |query - key| <= local_attention // 2.
        pattern = layerType == .global ? .full : .bidirectionalWindow(radius: config.localAttention / 2)
        super.init()
        qkv = fill.linear(config.hiddenSize, 3 * config.hiddenSize, bias: config.attentionBias)
        output = fill.linear(config.hiddenSize, config.hiddenSize, bias: config.attentionBias)
        dropout = fill.dropout(config.attentionDropout)
    }

    /// `[B, L, hidden]` → `[B, L, hidden]`, with `rope` the cos/sin tables `[L, headDim]` of this layer's theta.
    func callAsFunction(_ x: Tensor, rope: (cos: Tensor, sin: Tensor), keyPaddingMask: Tensor?) -> Tensor {
        let (b, l, width) = (x.shape[0], x.shape[1], x.shape[2])
        // [B, L, 3, H, D] → [3, B, H, L, D]: one copy, then three contiguous slices.
        let stacked = qkv(x).reshaped([b, l, 3, heads, width / heads]).permuted([2, 0, 3, 1, 4])
        let parts = stacked.chunked(3, axis: 0).map { $0.squeezed(0) }
        let query = parts[0].applyingRotaryEmbedding(cos: rope.cos, sin: rope.sin)
        let key = parts[1].applyingRotaryEmbedding(cos: rope.cos, sin: rope.sin)
        let attended = Tensor.scaledDotProductAttention(query: query, key: key, value: parts[2],
                                                        keyPaddingMask: keyPaddingMask, pattern: pattern)
        let out = output(attended.mergingHeads())
        return dropout.map { $0(out) } ?? out
    }
}

/// The gated MLP: `Wo(act(input) · gate)` with `[input, gate] = Wi(x)` (GeGLU for `gelu`).
public final class ModernBERTMLP: Module, Layer {
    /// `[2·intermediate, hidden]`: the input half, then the gate half.
    @Key("Wi") public internal(set) var inputProjection: Linear
    /// `[hidden, intermediate]`.
    @Key("Wo") public internal(set) var outputProjection: Linear
    @Key("drop") var dropout: Dropout? = nil
    let activation: ActivationFunction

    init(_ config: ModernBERTConfig, filling fill: inout WeightFiller) {
        activation = ActivationFunction(huggingFaceName: config.hiddenActivation)!
        super.init()
        inputProjection = fill.linear(config.hiddenSize, 2 * config.intermediateSize, bias: config.mlpBias)
        outputProjection = fill.linear(config.intermediateSize, config.hiddenSize, bias: config.mlpBias)
        dropout = fill.dropout(config.mlpDropout)
    }

    /// `[…, hidden]` → `[…, hidden]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let gated = activation.gatedHalves(inputProjection(x))
        return outputProjection(dropout.map { $0(gated) } ?? gated)
    }
}

/// One pre-norm encoder layer: `x + attn(attn_norm(x))`, then `x + mlp(mlp_norm(x))`.
public final class ModernBERTLayer: Module {
    /// The norm before attention; nil in layer 0, whose input is already the normalised embedding.
    @Key("attn_norm") public internal(set) var attentionNorm: LayerNorm? = nil
    /// The self-attention block.
    @Key("attn") public internal(set) var attention: ModernBERTAttention
    /// The norm before the MLP.
    @Key("mlp_norm") public internal(set) var mlpNorm: LayerNorm
    /// The gated MLP.
    public let mlp: ModernBERTMLP

    init(_ config: ModernBERTConfig, index: Int, filling fill: inout WeightFiller) {
        mlp = ModernBERTMLP(config, filling: &fill)
        super.init()
        if index > 0 { attentionNorm = LayerNorm(dimension: config.hiddenSize, eps: config.normEps, bias: config.normBias) }
        attention = ModernBERTAttention(config, layerType: config.layerTypes[index], filling: &fill)
        mlpNorm = LayerNorm(dimension: config.hiddenSize, eps: config.normEps, bias: config.normBias)
    }

    func callAsFunction(_ x: Tensor, rope: (cos: Tensor, sin: Tensor), keyPaddingMask: Tensor?) -> Tensor {
        let h = x + attention(attentionNorm.map { $0(x) } ?? x, rope: rope, keyPaddingMask: keyPaddingMask)
        return h + mlp(mlpNorm(h))
    }
}

/// The ModernBERT encoder (`transformers.ModernBertModel`): token ids and an attention mask in, the final
/// normalised hidden states out.
public final class ModernBERTModel: Module {
    /// The configuration the model was built from.
    public let config: ModernBERTConfig
    /// Token embeddings and their norm.
    public let embeddings: ModernBERTEmbeddings
    /// The encoder layers, keyed `layers.0`, `layers.1`, ….
    public let layers: [ModernBERTLayer]
    /// The norm after the last layer.
    @Key("final_norm") public internal(set) var finalNorm: LayerNorm

    /// A model with random weights (normal, standard deviation 0.02; norms at identity); load a checkpoint
    /// with ``loadCheckpoint(fromFile:)`` or build a loaded one with ``init(contentsOf:)``.
    public convenience init(config: ModernBERTConfig, using rng: inout RandomGenerator) {
        var fill = WeightFiller(rng: rng)
        self.init(config: config, filling: &fill)
        rng = fill.rng!
    }

    /// A model with zero weights (``loadCheckpoint(fromFile:)`` fills them), or random ones.
    init(config: ModernBERTConfig, filling fill: inout WeightFiller) {
        self.config = config
        embeddings = ModernBERTEmbeddings(config, filling: &fill)
        var built: [ModernBERTLayer] = []
        for i in 0..<config.numHiddenLayers { built.append(ModernBERTLayer(config, index: i, filling: &fill)) }
        layers = built
        super.init()
        finalNorm = LayerNorm(dimension: config.hiddenSize, eps: config.normEps, bias: config.normBias)
    }

    /// The model of a checkpoint folder (`config.json` + `model.safetensors`, either a `ModernBertModel` or a
    /// `ModernBertForMaskedLM` file), in evaluation mode.
    public convenience init(contentsOf folder: URL) throws { try self.init(contentsOf: folder, storing: nil) }

    /// The model of a checkpoint folder as ``init(contentsOf:)``, frozen, with its Linear weights stored in
    /// `frozenWeights`: with `.bfloat16` a BF16 file's weights are kept as stored and an F32 file's rounded one
    /// tensor at a time, never holding a float32 copy of them (see `Module.storeFrozenWeights(as:)`). Embeddings
    /// and norms stay float32. Attach LoRA adapters to train.
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        try self.init(contentsOf: folder, storing: frozenWeights)
    }

    private convenience init(contentsOf folder: URL, storing frozenWeights: WeightPrecision?) throws {
        let config = try ConfigFile.read(ModernBERTConfig.self, from: folder.appendingPathComponent("config.json"))
        var fill = WeightFiller(rng: nil, uninitialized: true)
        self.init(config: config, filling: &fill)
        if let frozenWeights { freeze(); storeFrozenWeights(as: frozenWeights) }
        try loadCheckpoint(fromFile: EncoderCheckpoint.weightsFile(in: folder))
        eval()
    }

    /// Loads a safetensors file of `ModernBertModel` or `ModernBertForMaskedLM` (whose MLM head is skipped);
    /// strict otherwise: missing, unexpected and mis-shaped keys throw, naming the keys.
    public func loadCheckpoint(fromFile url: URL) throws {
        try EncoderCheckpoint.load(self, from: url, stripping: ["model."], ignoring: ["head.", "decoder."])
    }

    /// Loads a single weights file.
    @available(*, deprecated, renamed: "loadCheckpoint(fromFile:)")
    public func load(from url: URL) throws { try loadCheckpoint(fromFile: url) }

    /// The final hidden states `[B, L, hidden]` for token ids `[B, L]` (integer-valued floats) and an optional
    /// attention mask `[B, L]` (1 for tokens, 0 for padding; padding keys are ignored by every query).
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil) -> Tensor {
        validateTokens(ids, mask: mask, vocabularySize: config.vocabSize)
        let positions = Tensor((0..<ids.shape[1]).map(Float.init))
        let globalRope = Tensor.rotaryEmbedding(positions: positions, headDim: config.headDim, theta: config.globalRopeTheta)
        let localRope = Tensor.rotaryEmbedding(positions: positions, headDim: config.headDim, theta: config.localRopeTheta)
        var h = embeddings(ids)
        for layer in layers {
            h = layer(h, rope: layer.attention.layerType == .global ? globalRope : localRope, keyPaddingMask: mask)
        }
        return finalNorm(h)
    }
}

/// The MLM prediction head: `norm(act(dense(h)))`.
public final class ModernBERTPredictionHead: Module, Layer {
    /// `[hidden, hidden]`.
    public let dense: Linear
    /// The norm after the activation.
    public let norm: LayerNorm
    let activation: ActivationFunction

    init(_ config: ModernBERTConfig, filling fill: inout WeightFiller) {
        dense = fill.linear(config.hiddenSize, config.hiddenSize, bias: config.classifierBias)
        norm = LayerNorm(dimension: config.hiddenSize, eps: config.normEps, bias: config.normBias)
        activation = ActivationFunction(huggingFaceName: config.classifierActivation)!
        super.init()
    }

    /// `[…, hidden]` → `[…, hidden]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { norm(activation(dense(x))) }
}

/// ModernBERT with its masked-language-model head (`transformers.ModernBertForMaskedLM`): keys `model.…`,
/// `head.…`, `decoder.bias`; the decoder weight is the token embedding table.
public final class ModernBERTForMaskedLM: Module {
    /// The encoder.
    public let model: ModernBERTModel
    /// Dense → activation → norm.
    public let head: ModernBERTPredictionHead
    /// Logits over the vocabulary, tied to `model.embeddings.tok_embeddings`.
    public let decoder: TiedDecoder

    /// A model with random weights.
    public convenience init(config: ModernBERTConfig, using rng: inout RandomGenerator) {
        var fill = WeightFiller(rng: rng)
        self.init(config: config, filling: &fill)
        rng = fill.rng!
    }

    /// A model with zero weights (``loadCheckpoint(fromFile:)`` fills them), or random ones.
    init(config: ModernBERTConfig, filling fill: inout WeightFiller) {
        model = ModernBERTModel(config: config, filling: &fill)
        head = ModernBERTPredictionHead(config, filling: &fill)
        decoder = TiedDecoder(tiedTo: model.embeddings.tokenEmbeddings,
                              bias: config.decoderBias ? Parameter(Tensor.zeros([config.vocabSize])) : nil)
        super.init()
    }

    /// The model of a `ModernBertForMaskedLM` checkpoint folder, in evaluation mode.
    public convenience init(contentsOf folder: URL) throws { try self.init(contentsOf: folder, storing: nil) }

    /// The model of a checkpoint folder as ``init(contentsOf:)``, frozen, with its Linear weights stored in
    /// `frozenWeights`: with `.bfloat16` a BF16 file's weights are kept as stored and an F32 file's rounded one
    /// tensor at a time, never holding a float32 copy of them (see `Module.storeFrozenWeights(as:)`). Embeddings
    /// and norms stay float32. Attach LoRA adapters to train.
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        try self.init(contentsOf: folder, storing: frozenWeights)
    }

    private convenience init(contentsOf folder: URL, storing frozenWeights: WeightPrecision?) throws {
        let config = try ConfigFile.read(ModernBERTConfig.self, from: folder.appendingPathComponent("config.json"))
        var fill = WeightFiller(rng: nil, uninitialized: true)
        self.init(config: config, filling: &fill)
        if let frozenWeights { freeze(); storeFrozenWeights(as: frozenWeights) }
        try loadCheckpoint(fromFile: EncoderCheckpoint.weightsFile(in: folder))
        eval()
    }

    /// Loads a `ModernBertForMaskedLM` safetensors file strictly (a stored copy of the tied decoder weight is skipped).
    public func loadCheckpoint(fromFile url: URL) throws {
        try EncoderCheckpoint.load(self, from: url, ignoring: ["decoder.weight"],
                                   tied: ["decoder.weight": "model.embeddings.tok_embeddings.weight"])
    }

    /// Loads a single weights file.
    @available(*, deprecated, renamed: "loadCheckpoint(fromFile:)")
    public func load(from url: URL) throws { try loadCheckpoint(fromFile: url) }

    /// Vocabulary logits `[B, L, vocabulary]`; ``forward(_:mask:)`` also returns the hidden states.
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil) -> Tensor {
        forward(ids, mask: mask).logits
    }

    /// The encoder's final hidden states `[B, L, hidden]` and the vocabulary logits `[B, L, vocabulary]` of
    /// token ids `[B, L]`, from one pass through the encoder.
    public func forward(_ ids: Tensor, mask: Tensor? = nil) -> MaskedLanguageModelOutput {
        let hidden = model(ids, mask: mask)
        return MaskedLanguageModelOutput(hiddenStates: hidden, logits: decoder(head(hidden)))
    }
}

