/// Which keys each query may attend to, by position.
///
/// Query row `i` of a query sequence of length `Lq` sits at position `p = i + (Lk - Lq)` of the key
/// sequence (bottom-right alignment): with a KV cache the new queries are the last `Lq` positions. When
/// `Lq == Lk` this is simply `p = i`. (PyTorch's `is_causal` aligns top-left instead; Hugging Face's
/// cache-aware masks align bottom-right as here.)
public enum AttentionPattern: Sendable, Equatable, Hashable {
    /// Every query sees every key.
    case full
    /// Query at position `p` sees keys `j <= p`.
    case causal
    /// Symmetric local attention: keys with `|p - j| <= radius`. ModernBERT's local layers use
    /// `radius = local_attention / 2` (Hugging Face's `sliding_window`), e.g. 64 for a 128-token window.
    case bidirectionalWindow(radius: Int)
    /// Causal sliding window (Mistral, Qwen3 `sliding_window`): keys with `0 <= p - j < size`.
    case causalWindow(size: Int)
}

extension Tensor {
    /// Fused scaled dot-product attention, `softmax(scale · Q Kᵀ + bias + mask) V`, forward and backward,
    /// computed block by block without materialising the `[B, H, Lq, Lk]` score tensor.
    ///
    /// - Parameters:
    ///   - query: `[B, Hq, Lq, D]`.
    ///   - key: `[B, Hkv, Lk, D]`; `Hq` must be a multiple of `Hkv` (grouped-query attention: query head
    ///     `h` reads key/value head `h / (Hq / Hkv)`).
    ///   - value: `[B, Hkv, Lk, D]`.
    ///   - keyPaddingMask: optional `[B, Lk]`, 1 for real keys and 0 for padding.
    ///   - bias: optional additive float mask/bias `[B or 1, Hq or 1, Lq, Lk]` (or `[Lq, Lk]`), added after
    ///     scaling; `-infinity` entries mask keys out. It receives a gradient when it requires one.
    ///   - pattern: positional mask (causal, sliding windows); see ``AttentionPattern``.
    ///   - scale: defaults to `1 / sqrt(D)`.
    /// - Returns: `[B, Hq, Lq, D]`. A query row whose keys are all masked (by padding, pattern or `-infinity`
    ///   bias, e.g. the first rows of a causal call with `Lq > Lk`) gets an all-zero output, not NaN, and
    ///   passes no gradient. A large finite negative bias (`-3.4e38`) is an ordinary score, as in PyTorch.
    ///
    /// Memory: the backward pass keeps the inputs and one log-sum-exp per query row, and recomputes the
    /// scores in strips of 64 query rows; nothing of size `Lq × Lk` per head is ever allocated (except the
    /// bias gradient, when the bias requires one).
    public static func scaledDotProductAttention(
        query: Tensor, key: Tensor, value: Tensor,
        keyPaddingMask: Tensor? = nil, bias: Tensor? = nil,
        pattern: AttentionPattern = .full, scale: Float? = nil
    ) -> Tensor {
        precondition(query.rank == 4 && key.rank == 4 && value.rank == 4,
                     "attention expects rank-4 [B, H, L, D] tensors, got \(query.shape), \(key.shape), \(value.shape)")
        let (b, hq, lq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let (hkv, lk) = (key.shape[1], key.shape[2])
        precondition(key.shape == value.shape, "attention: key \(key.shape) and value \(value.shape) differ")
        precondition(key.shape[0] == b && key.shape[3] == d, "attention: key \(key.shape) does not match query \(query.shape)")
        precondition(hkv > 0 && hq % hkv == 0, "attention: \(hq) query heads is not a multiple of \(hkv) key/value heads")
        if let mask = keyPaddingMask {
            precondition(mask.shape == [b, lk], "attention: key padding mask \(mask.shape), expected \([b, lk])")
            precondition(!mask.requiresGrad, "attention: the key padding mask is not differentiable")
        }
        var bias4 = bias
        if let given = bias {
            if given.rank == 2 { bias4 = given.reshaped([1, 1, lq, lk]) }
            let s = bias4!.shape
            precondition(s.count == 4 && (s[0] == b || s[0] == 1) && (s[1] == hq || s[1] == 1) && s[2] == lq && s[3] == lk,
                         "attention: bias \(given.shape) does not broadcast to \([b, hq, lq, lk])")
        }
        switch pattern {
        case .full, .causal: break
        case .bidirectionalWindow(let radius): precondition(radius >= 0, "attention: negative window radius \(radius)")
        case .causalWindow(let size): precondition(size >= 1, "attention: causal window size \(size) < 1")
        }

        let problem = AttentionProblem(
            batch: b, queryHeads: hq, kvHeads: hkv, queryLength: lq, keyLength: lk, headDim: d,
            scale: scale ?? 1 / Float(d).squareRoot(), pattern: pattern, biasShape: bias4?.shape)
        let mask = keyPaddingMask?.detached()
        let biasValues = bias4?.detached()
        let (out, logSumExp) = AttentionKernel.forward(problem, query: query, key: key, value: value,
                                                       keyPaddingMask: mask, bias: biasValues)
        let biasInput = bias4 ?? Tensor(0)
        return record(out, inputs: [query, key, value, biasInput]) { g in
            let grads = AttentionKernel.backward(
                problem, outputGradient: g, query: query, key: key, value: value, logSumExp: logSumExp,
                keyPaddingMask: mask, bias: biasValues,
                needsBiasGradient: bias4?.requiresGrad ?? false)
            return [query.requiresGrad ? grads.query : nil,
                    key.requiresGrad ? grads.key : nil,
                    value.requiresGrad ? grads.value : nil,
                    grads.bias]
        }
    }
}
