import PRIMANN
import PRIMATensor

// A classifier that reads only each row's last real token (stage 3's restricted-vocabulary head) needs the last
// layer's keys and values at every position, but its queries, attention output, MLP and the final norm at that
// one position only. Computing them there alone leaves the numbers as they are: every key after a row's last real
// token is padding, so attention without a causal pattern, under the padding mask, sees exactly the keys the
// causal pattern would. It saves about seven eighths of one layer's products, forward and backward (about 3 % of
// a Qwen3-0.6B step, 28 layers).

extension Qwen3Model {
    /// The final (normed) hidden states `[B, H]` at each row's last real token: the rows of
    /// ``callAsFunction(inputEmbeddings:attentionMask:positionIDs:cache:)`` that
    /// ``Qwen3ForCausalLM/lastTokenStates(_:attentionMask:)`` picks, with the last layer computed at those
    /// positions only (a last layer with a sliding window takes the full path: its window hides early keys).
    /// - Parameters:
    ///   - x: input embeddings `[B, L, H]`.
    ///   - attentionMask: `[B, L]`, 1 for real tokens and 0 for padding (left or right).
    ///   - positionIDs: `[B, L]` or `[L]`, as for the full forward pass.
    public func lastTokenHiddenStates(inputEmbeddings x: Tensor, attentionMask: Tensor? = nil,
                                      positionIDs: Tensor? = nil) -> Tensor {
        guard let last = layers.last, last.attention.slidingWindow == nil else {
            let hidden = self(inputEmbeddings: x, attentionMask: attentionMask, positionIDs: positionIDs)
            return Qwen3ForCausalLM.lastTokenStates(hidden, attentionMask: attentionMask)
        }
        let (rotary, mask) = prepare(x, attentionMask: attentionMask, positionIDs: positionIDs, past: 0)
        let (b, l) = (x.shape[0], x.shape[1])
        let positions = Qwen3ForCausalLM.lastTokenPositions(batch: b, length: l, attentionMask: mask)
        let rows = Tensor(positions.enumerated().map { Float($0.offset * l + $0.element) })
        // The rotary tables have one row, or one per sample: pick each sample's last position.
        let tableRows = rotary.cos.shape[0], d = config.headDim
        let tableIndices = Tensor(positions.enumerated().map { Float((tableRows == 1 ? 0 : $0.offset) * l + $0.element) })
        let queryRotary = (cos: rotary.cos.reshaped([tableRows * l, d]).indexSelect(axis: 0, indices: tableIndices).reshaped([b, 1, 1, d]),
                           sin: rotary.sin.reshaped([tableRows * l, d]).indexSelect(axis: 0, indices: tableIndices).reshaped([b, 1, 1, d]))
        var h = x
        for layer in layers.dropLast() {
            h = layer(h, rotary: rotary, keyPaddingMask: mask, cache: nil)
        }
        let out = last.output(atRows: rows, of: h, rotary: rotary, queryRotary: queryRotary, keyPaddingMask: mask)
        return norm(out).reshaped([b, config.hiddenSize])
    }
}

extension Qwen3ForCausalLM {
    /// The final hidden states `[B, H]` at each row's last real token, computing the last layer there only;
    /// see ``Qwen3Model/lastTokenHiddenStates(inputEmbeddings:attentionMask:positionIDs:)``.
    public func lastTokenHiddenStates(inputEmbeddings: Tensor, attentionMask: Tensor? = nil,
                                      positionIDs: Tensor? = nil) -> Tensor {
        model.lastTokenHiddenStates(inputEmbeddings: inputEmbeddings, attentionMask: attentionMask, positionIDs: positionIDs)
    }
}

extension Qwen3DecoderLayer {
    /// The layer's output `[B, 1, H]` at one position per row (`rows`: flat indices `b · L + p_b` into `x`
    /// `[B, L, H]`), every position of `x` serving as key and value; `queryRotary` `[B, 1, 1, D]` holds the
    /// tables at those positions. Exact for each row's last real token (no real key after it).
    func output(atRows rows: Tensor, of x: Tensor, rotary: (cos: Tensor, sin: Tensor),
                queryRotary: (cos: Tensor, sin: Tensor), keyPaddingMask: Tensor?) -> Tensor {
        let (b, l, h) = (x.shape[0], x.shape[1], x.shape[2])
        func picked(_ t: Tensor) -> Tensor { t.reshaped([b * l, h]).indexSelect(axis: 0, indices: rows).reshaped([b, 1, h]) }
        let normed = inputNorm(x)
        let (key, value) = attention.keysAndValues(normed, rotary: rotary)
        let query = attention.queries(picked(normed), rotary: queryRotary)
        let attended = Tensor.scaledDotProductAttention(query: query, key: key, value: value,
                                                        keyPaddingMask: keyPaddingMask, pattern: .full)
        let mid = picked(x) + attention.merged(attended)
        return mid + mlp(postAttentionNorm(mid))
    }
}
