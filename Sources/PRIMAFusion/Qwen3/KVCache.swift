import Foundation
import PRIMATensor

/// Keys and values of the tokens seen so far, per layer, for incremental decoding with ``Qwen3ForCausalLM``.
///
/// Buffers are allocated once for `capacity` positions (`[B, Hkv, capacity, D]` per layer) and new
/// positions are written in place, so a decoding step copies only its own keys and values (no O(L²)
/// concatenation). The cache also remembers which cached positions are padding.
///
/// Inference only: attention over the cache is not differentiable. Reuse one cache for one batch of
/// sequences; ``reset()`` empties it for the next.
public final class Qwen3KVCache {
    /// Number of sequences.
    public let batch: Int
    /// Most positions the cache can hold.
    public let capacity: Int
    /// Positions filled so far.
    public private(set) var length = 0
    private let kvHeads: Int, headDim: Int
    private var keys: [Tensor], values: [Tensor]
    /// 1 for a real cached token, 0 for padding: `[B, capacity]`.
    private var keyMask: Tensor
    /// Positions being added by the current forward pass.
    private var pending = 0

    /// An empty cache for `batch` sequences of up to `capacity` positions of a model with `config`.
    public init(config: Qwen3Config, batch: Int, capacity: Int) {
        precondition(batch > 0 && capacity > 0, "KV cache needs a positive batch and capacity, got \(batch), \(capacity)")
        self.batch = batch
        self.capacity = capacity
        kvHeads = config.numKeyValueHeads
        headDim = config.headDim
        let shape = [batch, kvHeads, capacity, headDim]
        keys = (0..<config.numHiddenLayers).map { _ in Tensor(uninitializedShape: shape) }
        values = (0..<config.numHiddenLayers).map { _ in Tensor(uninitializedShape: shape) }
        keyMask = Tensor.ones([batch, capacity])
    }

    /// Forgets every cached position (the buffers are kept).
    public func reset() {
        length = 0
        pending = 0
        keyMask = Tensor.ones([batch, capacity])
    }

    /// Starts a forward pass over `newTokens` positions and records their padding.
    func begin(newTokens: Int, attentionMask: Tensor?) {
        precondition(length + newTokens <= capacity,
                     "KV cache full: \(length) cached + \(newTokens) new positions exceed its capacity \(capacity)")
        pending = newTokens
        guard let attentionMask else { return }
        precondition(attentionMask.shape == [batch, newTokens], "KV cache: mask \(attentionMask.shape) for \([batch, newTokens])")
        keyMask.withUnsafeMutableBuffer { m in
            attentionMask.withUnsafeBuffer { a in
                for b in 0..<batch {
                    for j in 0..<newTokens { m[b * capacity + length + j] = a[b * newTokens + j] }
                }
            }
        }
    }

    /// Ends the forward pass: the new positions become part of the cache.
    func commit(newTokens: Int) {
        length += newTokens
        pending = 0
    }

    /// Writes the new keys and values `[B, Hkv, L, D]` of `layer` after the cached ones.
    func store(layer: Int, key: Tensor, value: Tensor) {
        precondition(key.shape == [batch, kvHeads, pending, headDim], "KV cache: keys \(key.shape) for \([batch, kvHeads, pending, headDim])")
        for (source, target) in [(key, keys[layer]), (value, values[layer])] {
            let src = source.storage.pointer, dst = target.storage.pointer
            for head in 0..<(batch * kvHeads) {
                (dst + (head * capacity + length) * headDim).update(from: src + head * pending * headDim, count: pending * headDim)
            }
        }
    }

    /// Causal attention of queries `[B, Hq, L, D]` (the newest `L` positions) over all cached keys of
    /// `layer`, skipping padding and, with a window, keys `window` or more positions back. A query with
    /// no visible key gets zeros (as the fused kernel does).
    func attend(layer: Int, query: Tensor, slidingWindow: Int?) -> Tensor {
        precondition(!query.requiresGrad, "attention over a KV cache is not differentiable: run it under noGrad")
        let (b, hq, l, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let total = length + pending, past = length, group = hq / kvHeads, cap = capacity
        let scale = 1 / Float(d).squareRoot()
        let out = Tensor(uninitializedShape: query.shape)
        let pq = query.storage.pointer, po = out.storage.pointer
        let pk = keys[layer].storage.pointer, pv = values[layer].storage.pointer, pm = keyMask.storage.pointer
        Parallel.forEachRange(b * hq, costPerItem: 4 * l * total * d) { range in
            var scores = [Float](repeating: 0, count: l * total)
            scores.withUnsafeMutableBufferPointer { sb in
                let s = sb.baseAddress!
                for pair in range {
                    let batchIndex = pair / hq, kvHead = batchIndex * kvHeads + (pair % hq) / group
                    let k = pk + kvHead * cap * d, v = pv + kvHead * cap * d, mask = pm + batchIndex * cap
                    let q = pq + pair * l * d, o = po + pair * l * d
                    // Scores of every new query against the cached keys 0..<total (contiguous rows of this head).
                    Tensor.sgemm(m: l, n: total, k: d, a: q, lda: d, transposeA: false, b: k, ldb: d, transposeB: true,
                                 c: s, ldc: total, alpha: scale, beta: 0)
                    for i in 0..<l {
                        let row = s + i * total, position = past + i
                        let first = slidingWindow.map { max(0, position - $0 + 1) } ?? 0
                        var maximum = -Float.infinity
                        for j in first...position where mask[j] != 0 { maximum = max(maximum, row[j]) }
                        var sum: Float = 0
                        for j in 0..<total {
                            let visible = j >= first && j <= position && mask[j] != 0
                            let e = visible ? Foundation.exp(row[j] - maximum) : 0
                            row[j] = e
                            sum += e
                        }
                        let inverse = sum > 0 ? 1 / sum : 0
                        for j in 0..<total { row[j] *= inverse }
                    }
                    Tensor.sgemm(m: l, n: d, k: total, a: s, lda: total, transposeA: false, b: v, ldb: d, transposeB: false,
                                 c: o, ldc: d, beta: 0)
                }
            }
        }
        return out
    }
}
