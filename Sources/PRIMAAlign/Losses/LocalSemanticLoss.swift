import Foundation
import PRIMATensor

/// PRIMA's local semantic loss `L_loc`: every word of a sample's metadata text must match the part of the
/// sample's image it points at better than the parts the sample's other words point at.
///
/// For one sample and one view, with word tokens `q^l` (l over the sample's words) and patch tokens `p^k`
/// (k = 1…K) of width d:
///
/// 1. Each word gathers a visual context with parameter-free attention over the patches of the same image:
///    `α_{l,k} = softmax_k(q^l · p^k / √d)`, `p̂^l = Σ_k α_{l,k} p^k` (raw, unnormalised features).
/// 2. An InfoNCE over the sample's words, in both directions, with `sim(a, b) = cos(a, b) / τ`:
///    `ℓ^l = −log softmax_m sim(q^l, p̂^m)|_{m=l} − log softmax_m sim(p̂^l, q^m)|_{m=l}`.
///
/// Only the sample's valid words (`TextFeatures.wordMask`) take part, as the rows and as the
/// candidates m; padding and special tokens are left out. The contrast stays inside a sample, so a batch
/// of one works. ``Normalization`` says how the `ℓ^l` are averaged; ``Aggregation/mostSimilarPatch`` is the
/// ablation without attention (`L_loc_dir`).
///
/// Everything runs as batched matrix products over `[N, L, K]` and `[N, L, L]` (no loop over words).
public struct LocalSemanticLoss: AlignmentLoss {
    /// How a word's visual context `p̂^l` is formed.
    public enum Aggregation: String, Sendable, Codable, CaseIterable {
        /// PRIMA: the attention-weighted mean of the patches, `Σ_k softmax_k(q^l · p^k / √d) p^k`.
        case attention
        /// The `L_loc_dir` ablation (our reading): the single patch with the largest `q^l · p^k`. A plain mean
        /// of the patches would give every word the same context and make the contrast degenerate.
        case mostSimilarPatch
    }

    /// How the per-word terms are averaged into the loss.
    public enum Normalization: String, Sendable, Codable, CaseIterable {
        /// Our default: each sample's terms are averaged over its own valid words `L_i`, then over samples,
        /// views and the two directions. Every sample weighs the same, however long its text.
        case perSample
        /// The sum over every valid word of the batch (both views and directions) divided by their total count:
        /// long texts weigh more.
        case wholeBatchTokens
    }

    /// Attention (PRIMA) or the most similar patch (ablation).
    public var aggregation: Aggregation
    /// Per-sample (default) or whole-batch averaging. Both equal the paper's `1/(4LN)` when every sample has
    /// the same number of words L.
    public var normalization: Normalization

    /// The loss with the given context aggregation and averaging.
    public init(aggregation: Aggregation = .attention, normalization: Normalization = .perSample) {
        self.aggregation = aggregation
        self.normalization = normalization
    }

    /// The `L_loc_dir` ablation: each word paired with its most similar patch.
    public static func direct(normalization: Normalization = .perSample) -> LocalSemanticLoss {
        LocalSemanticLoss(aggregation: .mostSimilarPatch, normalization: normalization)
    }

    /// `local_semantic`, or `local_semantic_direct` for the ablation.
    public var name: String {
        switch aggregation {
        case .attention: "local_semantic"
        case .mostSimilarPatch: "local_semantic_direct"
        }
    }

    /// `L_loc` of the batch, a scalar.
    /// - Throws: ``AlignmentError`` when a view has no patch tokens, when shapes disagree (batch size, width,
    ///   word mask), when a sample has no word (an all-padding text), when features are not finite, or when
    ///   τ is not a positive finite scalar.
    public func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let check = LossInputCheck(loss: name)
        let tau = try check.temperature(inputs.temperature)
        let (words, wordMask, patchesPerView) = try check.localFeatures(inputs)
        let notWord = 1 - wordMask                     // [N, L]
        let notCandidate = notWord.unsqueezed(1)       // [N, 1, L]: masks the candidates m of every row
        let weights = termWeights(wordMask)            // [N, L], zero off the words
        var total = Tensor(0)
        for patches in patchesPerView {
            let contexts = visualContexts(words: words, patches: patches)
            // logits[n, l, m] = sim(q^l, p̂^m); its transpose holds sim(p̂^l, q^m).
            let logits = ContrastiveMath.similarityLogits(words, contexts, temperature: tau)
            let wordToContext = ContrastiveMath.diagonal(logits.maskedFill(notCandidate, with: -.infinity).logSoftmax(axis: -1))
            let contextToWord = ContrastiveMath.diagonal(
                logits.transposed(1, 2).maskedFill(notCandidate, with: -.infinity).logSoftmax(axis: -1))
            // A non-word row's own candidate is masked (−∞); `where` drops it without a gradient.
            let perWord = (wordToContext + contextToWord).maskedFill(notWord, with: 0)
            total = total + (perWord * weights).sum()
        }
        return -total / 4
    }

    /// The weight of each word's two-direction term in one view, before the 1/4 over views and directions.
    private func termWeights(_ wordMask: Tensor) -> Tensor {
        let n = Float(wordMask.shape[0])
        switch normalization {
        case .perSample:
            return wordMask / (wordMask.sum(axis: 1, keepDims: true) * n)
        case .wholeBatchTokens:
            return wordMask / wordMask.sum()
        }
    }

    /// `p̂` `[N, L, D]` for word tokens `[N, L, D]` and one view's patch tokens `[N, K, D]`.
    func visualContexts(words: Tensor, patches: Tensor) -> Tensor {
        switch aggregation {
        case .attention:
            return Tensor.matmul(Self.attention(words: words, patches: patches), patches)
        case .mostSimilarPatch:
            let (n, k, d) = (patches.shape[0], patches.shape[1], patches.shape[2])
            // The choice of patch is piecewise constant: no gradient flows through the argmax.
            let flatIndices = noGrad {
                let best = Tensor.matmul(words, patches, transposeB: true).argmax(axis: -1)   // [N, L]
                let offsets = Tensor(shape: [n, 1], scalars: (0..<n).map { Float($0 * k) })
                return best + offsets
            }
            return patches.reshaped([n * k, d]).indexSelect(axis: 0, indices: flatIndices)
        }
    }

    /// `α` `[N, L, K]`: `softmax_k(q^l · p^k / √d)` for word tokens `[N, L, D]` and patch tokens `[N, K, D]`.
    static func attention(words: Tensor, patches: Tensor) -> Tensor {
        let scale = 1 / Float(words.shape[2]).squareRoot()
        return (Tensor.matmul(words, patches, transposeB: true) * scale).softmax(axis: -1)
    }
}
