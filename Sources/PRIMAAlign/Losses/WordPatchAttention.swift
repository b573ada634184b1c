import PRIMAText
import PRIMATensor

extension LocalSemanticLoss {
    /// The attention of every word over the patches of one image view, `α_{l,k} = softmax_k(q^l · p^k / √d)`,
    /// as ``LocalSemanticLoss`` uses it: `[N, L, K]`, each word row summing to 1 over the K patches (in
    /// ``ImageFeatures/grid`` order). Rows of positions that are not words (`TextFeatures/wordMask` 0) are
    /// zero. Reshape a row to `[grid.height, grid.width]` to draw it as a heatmap.
    ///
    /// Differentiable like the loss; wrap it in `noGrad` when only the values are wanted.
    /// - Throws: ``AlignmentError`` (from `local_semantic`) when the image has no patch tokens, the shapes
    ///   disagree, a sample has no word, or a feature is not finite.
    public static func wordToPatchAttention(text: TextFeatures, image: ImageFeatures) throws -> Tensor {
        let check = LossInputCheck(loss: LocalSemanticLoss().name)
        let (words, wordMask) = try check.wordTokens(text)
        let patches = try check.patchTokens(image, viewName: "the image", matching: words)
        return attention(words: words, patches: patches) * wordMask.unsqueezed(-1)
    }
}
