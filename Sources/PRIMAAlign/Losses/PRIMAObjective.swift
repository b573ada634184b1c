/// The factors β of PRIMA's four alignment losses in `L_align = β1 L_img + β2 L_glo + β3 L_loc + β4 L_soft`.
public struct PRIMALossWeights: Sendable, Equatable, Hashable, Codable {
    /// β1, on ``ImageConsistencyLoss``.
    public var imageConsistency: Float
    /// β2, on ``GlobalSemanticLoss``.
    public var globalSemantic: Float
    /// β3, on ``LocalSemanticLoss``.
    public var localSemantic: Float
    /// β4, on ``SoftSemanticLoss``.
    public var softSemantic: Float

    /// Weights, by default the paper's 0.2 / 0.3 / 0.2 / 0.3.
    public init(imageConsistency: Float = 0.2, globalSemantic: Float = 0.3, localSemantic: Float = 0.2, softSemantic: Float = 0.3) {
        self.imageConsistency = imageConsistency
        self.globalSemantic = globalSemantic
        self.localSemantic = localSemantic
        self.softSemantic = softSemantic
    }

    /// The paper's weights, 0.2 / 0.3 / 0.2 / 0.3.
    public static let paper = PRIMALossWeights()
}

/// One of PRIMA's four alignment losses, as named in the logs.
public enum PRIMALossTerm: String, Sendable, Codable, CaseIterable {
    /// ``ImageConsistencyLoss``.
    case imageConsistency = "image_consistency"
    /// ``GlobalSemanticLoss``.
    case globalSemantic = "global_semantic"
    /// ``LocalSemanticLoss``.
    case localSemantic = "local_semantic"
    /// ``SoftSemanticLoss``.
    case softSemantic = "soft_semantic"
}

/// A row of PRIMA's loss ablation: the full objective, one loss left out, or a loss replaced by its variant.
public enum PRIMAAblation: Sendable, Hashable {
    /// All four losses.
    case full
    /// The objective without one loss; the other terms keep their weights (they are not renormalised).
    case without(PRIMALossTerm)
    /// `L_loc_dir` in place of `L_loc`: each word paired with its most similar patch, no attention.
    case directLocalSemantic
    /// `L_sup_con` in place of `L_soft`: soft targets from the class labels only.
    case supervisedContrastive

    /// Every row: the full objective, each loss left out in turn, and the two variants.
    public static var allCases: [PRIMAAblation] {
        [.full] + PRIMALossTerm.allCases.map { .without($0) } + [.directLocalSemantic, .supervisedContrastive]
    }

    /// A short name for logs and result tables: `full`, `without_image_consistency`, `local_semantic_direct`,
    /// `supervised_contrastive`.
    public var label: String {
        switch self {
        case .full: "full"
        case .without(let term): "without_\(term.rawValue)"
        case .directLocalSemantic: "local_semantic_direct"
        case .supervisedContrastive: "supervised_contrastive"
        }
    }
}

extension AlignmentObjective {
    /// PRIMA's objective `L_align = β1 L_img + β2 L_glo + β3 L_loc + β4 L_soft`, or one of its ablations.
    ///
    /// The losses' own options (a symmetric `L_img`, whole-batch averaging in `L_loc`, τ_label of `L_soft`)
    /// come from the given instances; an ablation only leaves a term out or switches its variant
    /// (``LocalSemanticLoss/Aggregation/mostSimilarPatch``, ``SoftSemanticLoss/Targets/labels(weight:)`` with
    /// the weight 3 of the metadata vectors' label slots unless `softSemantic` already uses labels), keeping
    /// the other options. The temperature τ is
    /// not part of the objective: it comes with the batch (``AlignmentInputs/temperature``).
    ///
    /// ```swift
    /// let objective = AlignmentObjective.prima()                                  // 0.2 / 0.3 / 0.2 / 0.3
    /// let noLocal = AlignmentObjective.prima(ablation: .without(.localSemantic))  // three terms
    /// let supCon = AlignmentObjective.prima(ablation: .supervisedContrastive)     // L_sup_con for L_soft
    /// ```
    public static func prima(weights: PRIMALossWeights = .paper, ablation: PRIMAAblation = .full,
                             imageConsistency: ImageConsistencyLoss = ImageConsistencyLoss(),
                             globalSemantic: GlobalSemanticLoss = GlobalSemanticLoss(),
                             localSemantic: LocalSemanticLoss = LocalSemanticLoss(),
                             softSemantic: SoftSemanticLoss = SoftSemanticLoss()) -> AlignmentObjective {
        var local = localSemantic, soft = softSemantic
        switch ablation {
        case .directLocalSemantic: local.aggregation = .mostSimilarPatch
        case .supervisedContrastive:
            if soft.targets == .metadataVectors { soft.targets = .labels(weight: 3) }
        case .full, .without: break
        }
        let terms: [(PRIMALossTerm, Term)] = [
            (.imageConsistency, Term(weight: weights.imageConsistency, loss: imageConsistency)),
            (.globalSemantic, Term(weight: weights.globalSemantic, loss: globalSemantic)),
            (.localSemantic, Term(weight: weights.localSemantic, loss: local)),
            (.softSemantic, Term(weight: weights.softSemantic, loss: soft)),
        ]
        return AlignmentObjective(terms.filter { ablation != .without($0.0) }.map(\.1))
    }
}
