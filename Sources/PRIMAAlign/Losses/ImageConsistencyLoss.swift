import PRIMATensor

/// PRIMA's image consistency loss `L_img`: the two views of a sample must agree with each other more than with
/// any other image of the batch (SimCLR's NT-Xent over the image global features).
///
/// With `z` the global features, `sim(a, b) = cos(a, b) / τ` and view 1 as the anchor:
///
/// ```
/// L_img = −1/N Σ_i log( e^{sim(z_{i,1}, z_{i,2})} / Σ_k [ e^{sim(z_{i,1}, z_{k,2})} + 1[k≠i] e^{sim(z_{i,1}, z_{k,1})} ] )
/// ```
///
/// The denominator holds every view-2 image (the positive included) and every other view-1 image. With
/// ``symmetric`` (our option; off by default, as printed) view 2 is also used as the anchor and the two
/// losses are averaged. Needs N ≥ 2.
public struct ImageConsistencyLoss: AlignmentLoss {
    /// Also anchor on view 2 and average the two directions.
    public var symmetric: Bool

    /// The loss anchored on view 1 (the paper's form), or on both views when `symmetric`.
    public init(symmetric: Bool = false) {
        self.symmetric = symmetric
    }

    /// `image_consistency`.
    public var name: String { "image_consistency" }

    /// `L_img` of the batch, a scalar.
    /// - Throws: ``AlignmentError`` when the views' global features differ in shape or hold non-finite
    ///   values, when N < 2, or when τ is not a positive finite scalar.
    public func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let check = LossInputCheck(loss: name)
        let tau = try check.temperature(inputs.temperature)
        try check.globalFeatures(inputs, withText: false, minimumBatch: 2)
        let view1 = inputs.view1.global, view2 = inputs.view2.global
        let anchoredOnView1 = Self.ntXent(anchors: view1, positives: view2, temperature: tau)
        guard symmetric else { return anchoredOnView1 }
        return (anchoredOnView1 + Self.ntXent(anchors: view2, positives: view1, temperature: tau)) * 0.5
    }

    /// Mean over anchors `a_i` of `−log softmax` of the positive `b_i` among `{b_k} ∪ {a_k : k ≠ i}`.
    static func ntXent(anchors: Tensor, positives: Tensor, temperature: Tensor) -> Tensor {
        let n = anchors.shape[0]
        let toPositives = ContrastiveMath.similarityLogits(anchors, positives, temperature: temperature)
        // An anchor is not its own negative: its self-similarity leaves the softmax (e^{-∞} = 0).
        let toAnchors = ContrastiveMath.similarityLogits(anchors, anchors, temperature: temperature)
            .maskedFill(ContrastiveMath.identity(n), with: -.infinity)
        let logProbabilities = Tensor.concat([toPositives, toAnchors], axis: 1).logSoftmax(axis: 1)
        // Row i's positive is column i of the first block.
        return -ContrastiveMath.diagonal(logProbabilities).mean()
    }
}
