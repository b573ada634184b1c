import PRIMANN
import PRIMATensor

// Qwen3 decoder-only language model, laid out as transformers' `Qwen3ForCausalLM` so that a Hugging Face
// checkpoint loads key for key:
//
//   model.embed_tokens → N × [RMSNorm → attention (q/k RMSNorm per head, then RoPE; GQA) → + residual
//                            → RMSNorm → SwiGLU MLP → + residual] → model.norm → lm_head (or tied embedding)
//
// Shapes: B batch, L new tokens, H hidden size, Hq / Hkv query / key-value heads of size D.

/// The SwiGLU feed-forward block: `down(silu(gate(x)) · up(x))`.
public final class Qwen3MLP: Module {
    /// `gate_proj`: hidden → intermediate, through SiLU.
    @Key("gate_proj") public private(set) var gate: Linear
    /// `up_proj`: hidden → intermediate, multiplies the gate.
    @Key("up_proj") public private(set) var up: Linear
    /// `down_proj`: intermediate → hidden.
    @Key("down_proj") public private(set) var down: Linear

    init(_ config: Qwen3Config) {
        super.init()
        gate = Linear(weight: Tensor(uninitializedShape: [config.intermediateSize, config.hiddenSize]))
        up = Linear(weight: Tensor(uninitializedShape: [config.intermediateSize, config.hiddenSize]))
        down = Linear(weight: Tensor(uninitializedShape: [config.hiddenSize, config.intermediateSize]))
    }

    /// `[…, H]` → `[…, H]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        down(gate(x).silu() * up(x))
    }
}

/// Grouped-query self-attention with per-head RMS norms on queries and keys (applied before RoPE).
public final class Qwen3Attention: Module {
    /// `q_proj`: hidden → `Hq · D`.
    @Key("q_proj") public private(set) var queryProjection: Linear
    /// `k_proj`: hidden → `Hkv · D`.
    @Key("k_proj") public private(set) var keyProjection: Linear
    /// `v_proj`: hidden → `Hkv · D`.
    @Key("v_proj") public private(set) var valueProjection: Linear
    /// `o_proj`: `Hq · D` → hidden.
    @Key("o_proj") public private(set) var outputProjection: Linear
    /// `q_norm`: RMS norm over each query head's `D` features, before RoPE.
    @Key("q_norm") public private(set) var queryNorm: RMSNorm
    /// `k_norm`: RMS norm over each key head's `D` features, before RoPE.
    @Key("k_norm") public private(set) var keyNorm: RMSNorm
    let queryHeads: Int, kvHeads: Int, headDim: Int
    /// The causal sliding window of this layer, nil for full causal attention.
    public let slidingWindow: Int?

    init(_ config: Qwen3Config, layer: Int) {
        queryHeads = config.numAttentionHeads
        kvHeads = config.numKeyValueHeads
        headDim = config.headDim
        slidingWindow = config.usesSlidingWindow(layer: layer) ? config.effectiveSlidingWindow : nil
        super.init()
        func projection(_ inputs: Int, _ outputs: Int) -> Linear {
            Linear(weight: Tensor(uninitializedShape: [outputs, inputs]),
                   bias: config.attentionBias ? Tensor.zeros([outputs]) : nil)
        }
        queryProjection = projection(config.hiddenSize, queryHeads * headDim)
        keyProjection = projection(config.hiddenSize, kvHeads * headDim)
        valueProjection = projection(config.hiddenSize, kvHeads * headDim)
        outputProjection = projection(queryHeads * headDim, config.hiddenSize)
        queryNorm = RMSNorm(dimension: headDim, eps: config.rmsNormEps)
        keyNorm = RMSNorm(dimension: headDim, eps: config.rmsNormEps)
    }

    /// `[B, L, H]` → `[B, L, H]`. Without a cache the fused attention kernel runs (differentiable); with a
    /// cache the new keys and values are appended to it and the queries attend over everything cached.
    func callAsFunction(_ x: Tensor, rotary: (cos: Tensor, sin: Tensor), keyPaddingMask: Tensor?,
                        cache: Qwen3KVCache?, layer: Int) -> Tensor {
        let query = queries(x, rotary: rotary)
        let (key, value) = keysAndValues(x, rotary: rotary)
        let attended: Tensor
        if let cache {
            cache.store(layer: layer, key: key, value: value)
            attended = cache.attend(layer: layer, query: query, slidingWindow: slidingWindow)
        } else {
            let pattern: AttentionPattern = slidingWindow.map { .causalWindow(size: $0) } ?? .causal
            attended = Tensor.scaledDotProductAttention(query: query, key: key, value: value,
                                                        keyPaddingMask: keyPaddingMask, pattern: pattern)
        }
        return merged(attended)
    }

    // [B, L, heads·D] → [B, heads, L, D]; the norms act on each head's D features.

    /// Queries `[B, Hq, L, D]` of `x` `[B, L, H]`, normed per head and rotated.
    func queries(_ x: Tensor, rotary: (cos: Tensor, sin: Tensor)) -> Tensor {
        let (b, l) = (x.shape[0], x.shape[1])
        return queryNorm(queryProjection(x).reshaped([b, l, queryHeads, headDim])).permuted([0, 2, 1, 3])
            .applyingRotaryEmbedding(cos: rotary.cos, sin: rotary.sin)
    }

    /// Keys (normed per head and rotated) and values, both `[B, Hkv, L, D]`, of `x` `[B, L, H]`.
    func keysAndValues(_ x: Tensor, rotary: (cos: Tensor, sin: Tensor)) -> (key: Tensor, value: Tensor) {
        let (b, l) = (x.shape[0], x.shape[1])
        let key = keyNorm(keyProjection(x).reshaped([b, l, kvHeads, headDim])).permuted([0, 2, 1, 3])
            .applyingRotaryEmbedding(cos: rotary.cos, sin: rotary.sin)
        let value = valueProjection(x).reshaped([b, l, kvHeads, headDim]).permuted([0, 2, 1, 3])
        return (key, value)
    }

    /// The heads' outputs `[B, Hq, L, D]` merged and projected back to `[B, L, H]`.
    func merged(_ attended: Tensor) -> Tensor {
        let (b, l) = (attended.shape[0], attended.shape[2])
        return outputProjection(attended.permuted([0, 2, 1, 3]).reshaped([b, l, queryHeads * headDim]))
    }
}

/// One pre-norm decoder layer: attention and MLP, each with a residual connection.
public final class Qwen3DecoderLayer: Module {
    /// `self_attn`.
    @Key("self_attn") public private(set) var attention: Qwen3Attention
    /// `mlp`.
    @Key("mlp") public private(set) var mlp: Qwen3MLP
    /// `input_layernorm`: before attention.
    @Key("input_layernorm") public private(set) var inputNorm: RMSNorm
    /// `post_attention_layernorm`: before the MLP.
    @Key("post_attention_layernorm") public private(set) var postAttentionNorm: RMSNorm
    let index: Int

    init(_ config: Qwen3Config, index: Int) {
        self.index = index
        super.init()
        attention = Qwen3Attention(config, layer: index)
        mlp = Qwen3MLP(config)
        inputNorm = RMSNorm(dimension: config.hiddenSize, eps: config.rmsNormEps)
        postAttentionNorm = RMSNorm(dimension: config.hiddenSize, eps: config.rmsNormEps)
    }

    func callAsFunction(_ x: Tensor, rotary: (cos: Tensor, sin: Tensor), keyPaddingMask: Tensor?,
                        cache: Qwen3KVCache?) -> Tensor {
        let h = x + attention(inputNorm(x), rotary: rotary, keyPaddingMask: keyPaddingMask, cache: cache, layer: index)
        return h + mlp(postAttentionNorm(h))
    }
}

/// The decoder stack without the LM head (transformers' `Qwen3Model`; keys under `model.`).
///
/// One difference from transformers: `nn.Embedding(padding_idx=pad_token_id)` gives the padding token's
/// embedding row no gradient there; here it gets one like any row (PRIMA keeps the embedding frozen).
public final class Qwen3Model: Module {
    /// `embed_tokens`: `[V, H]` token embeddings.
    @Key("embed_tokens") public private(set) var embedTokens: Embedding
    /// `layers.0` … `layers.N-1`.
    @Key("layers") public private(set) var layers: [Qwen3DecoderLayer]
    /// `norm`: the final RMS norm.
    @Key("norm") public private(set) var norm: RMSNorm
    /// The configuration the model was built from.
    public let config: Qwen3Config

    init(_ config: Qwen3Config) {
        self.config = config
        super.init()
        embedTokens = Embedding(weight: Tensor(uninitializedShape: [config.vocabSize, config.hiddenSize]))
        layers = (0..<config.numHiddenLayers).map { Qwen3DecoderLayer(config, index: $0) }
        norm = RMSNorm(dimension: config.hiddenSize, eps: config.rmsNormEps)
    }

    /// The final (normed) hidden states `[B, L, H]` for input embeddings `[B, L, H]`.
    ///
    /// - Parameters:
    ///   - x: input embeddings `[B, L, H]`.
    ///   - attentionMask: `[B, L]` (or `[B, cached + L]` with a cache), 1 for real tokens and 0 for padding.
    ///   - positionIDs: `[B, L]` or `[L]`; by default `cached + 0 ..< cached + L` for every row, as
    ///     transformers does in a plain forward (left padding then shifts the real tokens' positions; pass
    ///     ``Qwen3ForCausalLM/positionIDs(attentionMask:)`` to count positions from the first real token,
    ///     as `generate` does).
    ///   - cache: keys and values of earlier calls (inference only).
    public func callAsFunction(inputEmbeddings x: Tensor, attentionMask: Tensor? = nil, positionIDs: Tensor? = nil,
                               cache: Qwen3KVCache? = nil) -> Tensor {
        let past = cache?.length ?? 0
        let (rotary, newTokenMask) = prepare(x, attentionMask: attentionMask, positionIDs: positionIDs, past: past)
        let l = x.shape[1]
        cache?.begin(newTokens: l, attentionMask: newTokenMask)
        var h = x
        for layer in layers {
            h = layer(h, rotary: rotary, keyPaddingMask: newTokenMask, cache: cache)
        }
        cache?.commit(newTokens: l)
        return norm(h)
    }

    /// Checks a forward pass's inputs; returns the rotary tables `[1 or B, 1, L, D]` of the new tokens' positions
    /// and the new tokens' padding mask `[B, L]`.
    func prepare(_ x: Tensor, attentionMask: Tensor?, positionIDs: Tensor?, past: Int)
        -> (rotary: (cos: Tensor, sin: Tensor), newTokenMask: Tensor?) {
        precondition(x.rank == 3 && x.shape[2] == config.hiddenSize,
                     "Qwen3: input embeddings must be [B, L, \(config.hiddenSize)], got \(x.shape)")
        let (b, l) = (x.shape[0], x.shape[1])
        var newTokenMask = attentionMask
        if let mask = attentionMask {
            precondition(mask.rank == 2 && mask.shape[0] == b && (mask.shape[1] == l || mask.shape[1] == past + l),
                         "Qwen3: attention mask \(mask.shape) for input of \(l) new tokens after \(past) cached (batch \(b))")
            if mask.shape[1] != l { newTokenMask = mask.narrowed(axis: 1, start: past, length: l) }
        }
        let positions = positionIDs ?? Tensor(shape: [l], scalars: (0..<l).map { Float(past + $0) })
        precondition(positions.shape == [l] || positions.shape == [1, l] || positions.shape == [b, l],
                     "Qwen3: position ids \(positions.shape) for input [\(b), \(l)]")
        let tables = Tensor.rotaryEmbedding(positions: positions.reshaped([-1, l]), headDim: config.headDim,
                                            theta: config.ropeTheta)
        let rows = positions.rank == 2 ? positions.shape[0] : 1
        let rotary = (cos: tables.cos.reshaped([rows, 1, l, config.headDim]),
                      sin: tables.sin.reshaped([rows, 1, l, config.headDim]))
        return (rotary, newTokenMask)
    }
}

/// Which logits a forward pass computes. The LM head is large (151,936 × 1,024 for Qwen3-0.6B), so
/// classifiers and benchmarks ask for the last token only, or none.
public enum Qwen3Logits: Sendable, Equatable {
    /// No logits: hidden states only.
    case none
    /// `[B, V]` at each row's last real token (the last position where the attention mask is 1; the last
    /// position without a mask), as `logits_to_keep=1` with left padding.
    case lastToken
    /// `[B, L, V]` at every position.
    case all
}

/// What a forward pass returns.
public struct Qwen3Output: Sendable {
    /// Final normed hidden states `[B, L, H]`.
    public let hiddenStates: Tensor
    /// Logits as selected by ``Qwen3Logits``; nil for `.none`.
    public let logits: Tensor?
}

/// The Qwen3 causal language model: ``Qwen3Model`` plus the LM head, tied to the token embedding when
/// the config says so (then the checkpoint has no separate `lm_head.weight`).
public final class Qwen3ForCausalLM: Module {
    /// `model`: the decoder stack.
    @Key("model") public private(set) var model: Qwen3Model
    /// The untied LM head `[V, H]`, nil when tied to `model.embed_tokens`.
    @Key("lm_head") public private(set) var lmHead: Linear? = nil
    /// The configuration the model was built from.
    public let config: Qwen3Config

    /// The layers PRIMA adapts with LoRA (all projections of attention and MLP).
    public static let loraTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    /// A model with the given weights initialisation (see ``Qwen3Initialization``).
    public init(config: Qwen3Config, initialization: Qwen3Initialization = .random(seed: 0)) {
        do { try config.validate() } catch { preconditionFailure("invalid Qwen3 config: \(error)") }
        self.config = config
        super.init()
        model = Qwen3Model(config)
        if !config.tieWordEmbeddings {
            lmHead = Linear(weight: Tensor(uninitializedShape: [config.vocabSize, config.hiddenSize]))
        }
        initialization.apply(to: self)
    }

    /// The matrix that maps hidden states to vocabulary logits `[V, H]`: the LM head, or the token
    /// embedding when tied.
    public var outputEmbedding: Parameter { lmHead?.weight ?? model.embedTokens.weight }

    /// Token embeddings `[B, L, H]` for ids `[B, L]`, ready to be spliced with other embeddings.
    public func embed(_ tokenIDs: Tensor) -> Tensor { model.embedTokens(tokenIDs) }

    /// Logits `[…, V]` for hidden states `[…, H]`.
    public func logits(forHiddenStates hidden: Tensor) -> Tensor {
        if let lmHead { return lmHead(hidden) }
        let rows = hidden.reshaped([-1, config.hiddenSize])
        let out = Tensor.matmul(rows, model.embedTokens.weight.value, transposeB: true)
        return out.reshaped(Array(hidden.shape.dropLast()) + [config.vocabSize])
    }

    /// Forward pass from token ids `[B, L]` (integer-valued floats). See
    /// ``callAsFunction(inputEmbeddings:attentionMask:positionIDs:cache:logits:)``.
    public func callAsFunction(tokenIDs: Tensor, attentionMask: Tensor? = nil, positionIDs: Tensor? = nil,
                               cache: Qwen3KVCache? = nil, logits: Qwen3Logits = .all) -> Qwen3Output {
        precondition(tokenIDs.rank == 2, "Qwen3: token ids must be [B, L], got \(tokenIDs.shape)")
        return self(inputEmbeddings: embed(tokenIDs), attentionMask: attentionMask, positionIDs: positionIDs,
                    cache: cache, logits: logits)
    }

    /// Forward pass from input embeddings `[B, L, H]` (token embeddings with projected features spliced in).
    ///
    /// Padding: with an attention mask, padded keys are ignored (left or right padding). Outputs at padded
    /// query positions are not meaningful: transformers leaves them implementation-defined, and here a
    /// query that sees no real key (the leading pads of a left-padded row) gets a zero attention output.
    /// - Parameters:
    ///   - inputEmbeddings: `[B, L, H]`.
    ///   - attentionMask: `[B, L]` (or `[B, cached + L]` with a cache), 1 for tokens and 0 for padding.
    ///   - positionIDs: see ``Qwen3Model/callAsFunction(inputEmbeddings:attentionMask:positionIDs:cache:)``.
    ///   - cache: a ``Qwen3KVCache`` for incremental decoding (inference only, under `noGrad`).
    ///   - logits: which logits to compute.
    public func callAsFunction(inputEmbeddings: Tensor, attentionMask: Tensor? = nil, positionIDs: Tensor? = nil,
                               cache: Qwen3KVCache? = nil, logits: Qwen3Logits = .all) -> Qwen3Output {
        let hidden = model(inputEmbeddings: inputEmbeddings, attentionMask: attentionMask, positionIDs: positionIDs,
                           cache: cache)
        switch logits {
        case .none: return Qwen3Output(hiddenStates: hidden, logits: nil)
        case .all: return Qwen3Output(hiddenStates: hidden, logits: self.logits(forHiddenStates: hidden))
        case .lastToken:
            // With a cache the mask may also cover the cached positions: keep the new tokens' columns.
            let l = hidden.shape[1]
            let mask = attentionMask.map { $0.shape[1] == l ? $0 : $0.narrowed(axis: 1, start: $0.shape[1] - l, length: l) }
            let last = Self.lastTokenStates(hidden, attentionMask: mask)
            return Qwen3Output(hiddenStates: hidden, logits: self.logits(forHiddenStates: last))
        }
    }

    /// Hidden states `[B, H]` at each row's last real token (last mask position equal to 1; `L - 1`
    /// without a mask or for a row without tokens).
    public static func lastTokenStates(_ hidden: Tensor, attentionMask: Tensor?) -> Tensor {
        let (b, l, h) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        let rows = lastTokenPositions(batch: b, length: l, attentionMask: attentionMask).enumerated()
            .map { Float($0.offset * l + $0.element) }
        return hidden.reshaped([b * l, h]).indexSelect(axis: 0, indices: Tensor(rows))
    }

    /// Each row's last real position: the last where the mask is 1; `L - 1` without a mask or for a row without tokens.
    static func lastTokenPositions(batch b: Int, length l: Int, attentionMask: Tensor?) -> [Int] {
        (0..<b).map { i in
            guard let attentionMask else { return l - 1 }
            var found = -1
            for j in 0..<l where attentionMask[i, j] != 0 { found = j }
            return found >= 0 ? found : l - 1
        }
    }

    /// Position ids `[B, L]` counted from each row's first real token (`cumsum(mask) - 1`, 0 at padding),
    /// as transformers' `generate` computes them for left-padded batches.
    public static func positionIDs(attentionMask mask: Tensor) -> Tensor {
        precondition(mask.rank == 2, "position ids need a [B, L] attention mask, got \(mask.shape)")
        let (b, l) = (mask.shape[0], mask.shape[1])
        var out = [Float](repeating: 0, count: b * l)
        for i in 0..<b {
            var count: Float = 0
            for j in 0..<l {
                let real = mask[i, j] != 0
                if real { count += 1 }
                out[i * l + j] = real ? count - 1 : 0
            }
        }
        return Tensor(shape: [b, l], scalars: out)
    }
}
