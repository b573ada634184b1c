import PRIMAAlign

/// Which form of PRIMA an experiment runs: the whole method, or one row of the paper's ablation table
/// (Table 3). Each variant is its own experiment, folder and row.
public struct PRIMAVariant: Sendable, Hashable {
    /// The alignment objective: all four losses, one left out, or a loss replaced by its variant.
    public var ablation: PRIMAAblation
    /// Run stage 1 (the text encoder refined on the knowledge corpus) before stage 2.
    public var usesKnowledge: Bool
    /// Train the alignment at all; false is the row "none of the four losses" (stage 2's supervised step
    /// and stage 3 still run, on the encoder as drawn).
    public var usesAlignment: Bool

    /// A variant from its parts.
    public init(ablation: PRIMAAblation = .full, usesKnowledge: Bool = true, usesAlignment: Bool = true) {
        self.ablation = ablation
        self.usesKnowledge = usesKnowledge
        self.usesAlignment = usesAlignment
    }

    /// The whole method.
    public static let full = PRIMAVariant()

    /// Table 3's rows after the whole method: without each loss, `L_loc_dir` for `L_loc`, `L_sup_con` for
    /// `L_soft`, without knowledge injection, and none of the four losses.
    public static var ablations: [PRIMAVariant] {
        PRIMALossTerm.allCases.map { PRIMAVariant(ablation: .without($0)) }
            + [PRIMAVariant(ablation: .directLocalSemantic), PRIMAVariant(ablation: .supervisedContrastive),
               PRIMAVariant(usesKnowledge: false), PRIMAVariant(usesAlignment: false)]
    }

    /// The experiment's folder name: `prima`, `prima-without_local_semantic`, `prima-no-knowledge`, `prima-no-alignment`.
    public var experimentName: String {
        var parts = ["prima"]
        if !usesAlignment { parts.append("no-alignment") } else if ablation != .full { parts.append(ablation.label) }
        if !usesKnowledge { parts.append("no-knowledge") }
        return parts.joined(separator: "-")
    }

    /// The row title, in the paper's notation: `PRIMA`, `PRIMA w/o L_img`, `PRIMA, L_loc_dir for L_loc`, …
    public var title: String {
        var parts: [String] = []
        if !usesAlignment {
            parts.append("none of the four losses")
        } else {
            switch ablation {
            case .full: break
            case .without(let term): parts.append("w/o \(Self.symbol(term))")
            case .directLocalSemantic: parts.append("L_loc_dir for L_loc")
            case .supervisedContrastive: parts.append("L_sup_con for L_soft")
            }
        }
        if !usesKnowledge { parts.append("w/o knowledge injection") }
        return parts.isEmpty ? "PRIMA" : "PRIMA, " + parts.joined(separator: ", ")
    }

    /// The alignment objective of this variant with `weights`; no term at all without alignment.
    public func objective(weights: PRIMALossWeights) -> AlignmentObjective {
        usesAlignment ? .prima(weights: weights, ablation: ablation) : AlignmentObjective([])
    }

    static func symbol(_ term: PRIMALossTerm) -> String {
        switch term {
        case .imageConsistency: "L_img"
        case .globalSemantic: "L_glo"
        case .localSemantic: "L_loc"
        case .softSemantic: "L_soft"
        }
    }
}
