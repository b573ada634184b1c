import PRIMATensor

/// PRIMA's global semantic loss `L_glo`: each image must match its own metadata text among the batch's texts,
/// and each text its own image among the batch's images (CLIP's InfoNCE), for both views.
///
/// With `p_{i,j}` the global feature of view j of sample i, `q_i` the text CLS feature and
/// `sim(a, b) = cos(a, b) / τ`:
///
/// ```
/// L_glo = −1/(4N) Σ_i Σ_{j=1,2} [ log softmax_k sim(p_{i,j}, q_k) |_{k=i} + log softmax_k sim(q_i, p_{k,j}) |_{k=i} ]
/// ```
///
/// Needs N ≥ 2.
public struct GlobalSemanticLoss: AlignmentLoss {
    /// The loss; it has no options.
    public init() {}

    /// `global_semantic`.
    public var name: String { "global_semantic" }

    /// `L_glo` of the batch, a scalar.
    /// - Throws: ``AlignmentError`` when the views' and the text's global features differ in shape or hold
    ///   non-finite values, when N < 2, or when τ is not a positive finite scalar.
    public func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let check = LossInputCheck(loss: name)
        let tau = try check.temperature(inputs.temperature)
        let n = try check.globalFeatures(inputs, withText: true, minimumBatch: 2)
        var total = Tensor(0)
        for view in inputs.views {
            // Row i: image i against every text; column i: text i against every image.
            let logits = ContrastiveMath.similarityLogits(view.global, inputs.text.cls, temperature: tau)
            let imageToText = ContrastiveMath.diagonal(logits.logSoftmax(axis: 1))
            let textToImage = ContrastiveMath.diagonal(logits.logSoftmax(axis: 0))
            total = total + imageToText.sum() + textToImage.sum()
        }
        return -total / Float(4 * n)
    }
}
