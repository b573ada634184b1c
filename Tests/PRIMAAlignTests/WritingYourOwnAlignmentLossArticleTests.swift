// The code of the article "Writing your own alignment loss" (PRIMAAlign.docc/WritingYourOwnAlignmentLoss.md),
// compiled and run here. Between the two markers this file holds the article's Swift code blocks, in order;
// `articleCodeIsTheTestedCode` fails when the two drift apart.
// article code begin
import PRIMAAlign
import PRIMANN
import PRIMAText
import PRIMATensor

/// 1 − the mean cosine similarity between each image's global feature and its own text's, over both views.
struct PairCosineLoss: AlignmentLoss {
    var name: String { "pair_cosine" }

    func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let text = inputs.text.cls
        var total = Tensor(0)
        for (index, view) in inputs.views.enumerated() {
            guard view.global.shape == text.shape else {
                throw AlignmentError(name, "view \(index + 1) global features \(view.global.shape) and text CLS \(text.shape) differ")
            }
            total = total + Tensor.cosineSimilarity(view.global, text, axis: 1).mean()
        }
        return 1 - total / 2
    }
}

/// Projection heads into the shared space and the temperature τ, trained together.
final class AlignmentHeads: Module {
    let image: Linear
    let text: Linear
    let temperature: AlignmentTemperature

    init(imageWidth: Int, textWidth: Int, using rng: inout RandomGenerator) {
        image = Linear(imageWidth, 16, using: &rng)
        text = Linear(textWidth, 16, using: &rng)
        temperature = AlignmentTemperature(initial: 0.07, learnable: true)
        super.init()
    }
}

/// One optimisation step of `heads` on a random batch; returns the objective's value.
func alignOneBatch(heads: AlignmentHeads, optimizer: AdamW, using rng: inout RandomGenerator) throws -> AlignmentObjective.Value {
    var views: [ImageFeatures] = []
    for _ in 0..<2 {
        views.append(ImageFeatures(global: heads.image(.randomNormal([4, 32], using: &rng)),
                                   tokens: heads.image(.randomNormal([4, 6, 32], using: &rng)),
                                   grid: PatchGrid(height: 2, width: 3)))
    }
    let wordMask = Tensor(shape: [4, 5], scalars: (0..<20).map { (1...3).contains($0 % 5) ? 1 : 0 })
    let text = TextFeatures(cls: heads.text(.randomNormal([4, 24], using: &rng)),
                            tokens: heads.text(.randomNormal([4, 5, 24], using: &rng)),
                            mask: wordMask, wordMask: wordMask)
    // Metadata vectors: two metadata slots and a 2-class label one-hot weighted ×3.
    let metadata = Tensor(shape: [4, 4], scalars: [1, 0, 3, 0,  1, 1, 3, 0,  0, 1, 0, 3,  0, 0, 0, 3])
    let inputs = AlignmentInputs(view1: views[0], view2: views[1], text: text, metadataVectors: metadata,
                                 labels: Tensor([0, 0, 1, 1]), temperature: heads.temperature.value)

    let objective = AlignmentObjective(AlignmentObjective.prima().terms
                                       + [AlignmentObjective.Term(weight: 0.1, loss: PairCosineLoss())])
    let value = try objective.evaluate(inputs)
    for (name, part) in value.terms { print("\(name): \(part)") }

    value.total.backward()
    optimizer.step()
    optimizer.zeroGrad()
    return value
}

func trainHeads() throws {
    var rng = RandomGenerator(seed: 0)
    let heads = AlignmentHeads(imageWidth: 32, textWidth: 24, using: &rng)
    let optimizer = AdamW(heads, learningRate: 1e-3, weightDecay: 1e-3)
    for _ in 0..<3 { _ = try alignOneBatch(heads: heads, optimizer: optimizer, using: &rng) }
}
// article code end

import Foundation
import Testing

@Suite struct WritingYourOwnAlignmentLossArticleTests {
    @Test func theArticleExampleTrainsTheHeadsThroughAllFiveTerms() throws {
        var rng = RandomGenerator(seed: 0)
        let heads = AlignmentHeads(imageWidth: 32, textWidth: 24, using: &rng)
        let optimizer = AdamW(heads, learningRate: 1e-3, weightDecay: 1e-3)
        #expect(heads.namedParameters().map(\.key) == ["image.weight", "image.bias", "text.weight", "text.bias",
                                                        "temperature.log_temperature"])
        let before = heads.namedParameters().map { $0.parameter.value.scalars }
        let value = try alignOneBatch(heads: heads, optimizer: optimizer, using: &rng)
        #expect(value.terms.map { $0.name } == ["image_consistency", "global_semantic", "local_semantic", "soft_semantic", "pair_cosine"])
        #expect(value.total.item.isFinite && value.terms.allSatisfy { $0.value.isFinite })
        // Every parameter, the temperature included, moved.
        for ((key, parameter), old) in zip(heads.namedParameters(), before) {
            #expect(parameter.value.scalars != old, "\(key) did not change")
        }
        try trainHeads()
    }

    @Test func thePairCosineLossRefusesMismatchedShapes() throws {
        var inputs = AlignmentLossValidationTests.batch()
        inputs.text.cls = Tensor.zeros([3, 5])
        #expect(throws: AlignmentError("pair_cosine", "view 1 global features [3, 4] and text CLS [3, 5] differ")) {
            try PairCosineLoss().loss(inputs)
        }
    }

    @Test func articleCodeIsTheTestedCode() throws {
        let testFile = URL(fileURLWithPath: #filePath)
        let root = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent("Sources/PRIMAAlign/PRIMAAlign.docc/WritingYourOwnAlignmentLoss.md"),
                                 encoding: .utf8)
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let source = try String(contentsOf: testFile, encoding: .utf8)
        let region = source.components(separatedBy: "// article code begin\n")[1].components(separatedBy: "// article code end")[0]
        #expect(blocks.count == 4)
        #expect(blocks.joined(separator: "\n") == region)
    }
}
