import Foundation
import PRIMAAlign
import PRIMAText
import PRIMATensor
import PRIMATestSupport

/// The alignment-loss fixtures, parsed once (Scripts/reference/gen_alignment.py).
let alignmentFixtures = Result { try FixtureFile.load("alignment", in: .module) }

/// A fixture case's batch: every float input as a leaf that records its gradient, and the ``AlignmentInputs``
/// built from them.
struct FixtureBatch {
    static let differentiable = ["view1_global", "view2_global", "text_cls", "view1_tokens", "view2_tokens",
                                 "text_tokens", "metadata", "temperature"]
    let leaves: [String: Tensor]
    let inputs: AlignmentInputs

    init(_ c: FixtureCase, replacing replacement: (name: String, value: Tensor)? = nil) {
        var leaves: [String: Tensor] = [:]
        for name in Self.differentiable where c.inputs[name] != nil {
            leaves[name] = (replacement?.name == name ? replacement!.value : c.input(name)).requiringGrad()
        }
        self.leaves = leaves
        let wordMask = c.input("word_mask")
        inputs = AlignmentInputs(
            view1: ImageFeatures(global: leaves["view1_global"]!, tokens: leaves["view1_tokens"]),
            view2: ImageFeatures(global: leaves["view2_global"]!, tokens: leaves["view2_tokens"]),
            text: TextFeatures(cls: leaves["text_cls"]!, tokens: leaves["text_tokens"]!, mask: wordMask, wordMask: wordMask),
            metadataVectors: leaves["metadata"], labels: c.input("labels"), temperature: leaves["temperature"]!)
    }
}

/// The loss a fixture case was generated for, from its parameters.
func fixtureLoss(_ c: FixtureCase) -> any AlignmentLoss {
    switch c.param("loss").string {
    case "image_consistency": ImageConsistencyLoss(symmetric: c.param("symmetric").bool)
    case "global_semantic": GlobalSemanticLoss()
    case "local_semantic":
        LocalSemanticLoss(aggregation: LocalSemanticLoss.Aggregation(rawValue: c.param("aggregation").string)!,
                          normalization: LocalSemanticLoss.Normalization(rawValue: c.param("normalization").string)!)
    case "soft_semantic": SoftSemanticLoss(labelTemperature: c.param("label_temperature").float)
    case "supervised_contrastive":
        SoftSemanticLoss.supervisedContrastive(labelWeight: c.param("label_weight").float,
                                               labelTemperature: c.param("label_temperature").float)
    case let other: fatalError("fixture case \(c.name) has an unknown loss \(other)")
    }
}

/// Relative error of one value, `|a − b| / |b|`.
func relativeError(_ actual: Float, _ expected: Float) -> Float {
    abs(actual - expected) / abs(expected)
}
