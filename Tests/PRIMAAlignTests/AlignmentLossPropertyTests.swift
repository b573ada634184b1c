import PRIMAAlign
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// Properties of the losses that follow from their definitions: gradients agree with finite differences,
/// padding is ignored, the variants relate to each other as documented, and the PRIMA objective and its
/// ablations hold the right terms.
@Suite struct AlignmentLossPropertyTests {
    static func batch(n: Int = 3, tau: Float = 0.2) -> AlignmentInputs {
        var inputs = AlignmentLossValidationTests.batch(n: n, seed: 5)
        inputs.temperature = Tensor(tau)
        return inputs
    }

    /// Autodiff against float32 central differences of `loss` as a function of the input `path` (τ = 0.2).
    private func expectFiniteDifferencesAgree(_ loss: any AlignmentLoss, _ path: WritableKeyPath<AlignmentInputs, Tensor>,
                                              sourceLocation: SourceLocation = #_sourceLocation) {
        let base = Self.batch()
        let f: (Tensor) -> Tensor = { x in
            var inputs = base
            inputs[keyPath: path] = x
            return try! loss.loss(inputs)
        }
        let analytic = autodiffGradient(of: f, at: base[keyPath: path])
        let numeric = finiteDifferenceGradient(of: f, at: base[keyPath: path])
        // Floor 0.1, as for the other float32 finite-difference checks: the differences carry ~1e-3 absolute error.
        let error = maxRelativeError(analytic, numeric, floor: 1e-1)
        #expect(error < Tolerance.finiteDifference, "\(loss.name) \(path): \(error)", sourceLocation: sourceLocation)
    }

    @Test func gradientsAgreeWithFiniteDifferences() {
        let global: [any AlignmentLoss] = [ImageConsistencyLoss(symmetric: true), GlobalSemanticLoss(), SoftSemanticLoss(),
                                           SoftSemanticLoss.supervisedContrastive()]
        for loss in global {
            expectFiniteDifferencesAgree(loss, \.view1.global)
            expectFiniteDifferencesAgree(loss, \.temperature)
        }
        expectFiniteDifferencesAgree(GlobalSemanticLoss(), \.text.cls)
        expectFiniteDifferencesAgree(SoftSemanticLoss(), \.metadataVectors!)
        for loss in [LocalSemanticLoss(), LocalSemanticLoss(normalization: .wholeBatchTokens)] {
            expectFiniteDifferencesAgree(loss, \.text.tokens)
            expectFiniteDifferencesAgree(loss, \.view1.tokens!)
            expectFiniteDifferencesAgree(loss, \.temperature)
        }
    }

    @Test func theLocalLossIgnoresPaddingAndSpecialTokens() throws {
        let inputs = Self.batch()
        var changed = inputs
        var rng = RandomGenerator(seed: 9)
        // Positions 0, 4 and 5 are not words: new values there leave the loss as it was.
        let noise = Tensor.randomNormal([3, 6, 4], std: 10, using: &rng) * (1 - inputs.text.wordMask).unsqueezed(-1)
        changed.text.tokens = inputs.text.tokens + noise
        for loss in [LocalSemanticLoss(), LocalSemanticLoss.direct(), LocalSemanticLoss(normalization: .wholeBatchTokens)] {
            #expect(try loss.loss(changed).item == loss.loss(inputs).item, "\(loss.name)")
        }
        let words = inputs.text.tokens.requiringGrad()
        var tracked = inputs
        tracked.text.tokens = words
        try LocalSemanticLoss().loss(tracked).backward()
        let grad = words.grad!
        for i in 0..<3 { for l in [0, 4, 5] { for d in 0..<4 { #expect(grad[i, l, d] == 0) } } }
    }

    @Test func bothNormalisationsAgreeWhenEverySampleHasTheSameNumberOfWords() throws {
        let inputs = Self.batch()   // three words per sample
        let perSample = try LocalSemanticLoss().loss(inputs).item
        let wholeBatch = try LocalSemanticLoss(normalization: .wholeBatchTokens).loss(inputs).item
        #expect(abs(perSample - wholeBatch) <= 1e-6 * abs(perSample))
    }

    @Test func theDirectVariantSendsGradientOnlyToTheChosenPatches() throws {
        let inputs = Self.batch(n: 1)
        let patches = inputs.view1.tokens!.requiringGrad()
        var tracked = inputs
        tracked.view1.tokens = patches
        try LocalSemanticLoss.direct().loss(tracked).backward()
        let chosen = Set(Tensor.matmul(inputs.text.tokens, inputs.view1.tokens!, transposeB: true).argmax(axis: -1)
            .narrowed(axis: 1, start: 1, length: 3).scalars.map(Int.init))
        for k in 0..<5 {
            let norm = (0..<4).map { abs(patches.grad![0, k, $0]) }.reduce(0, +)
            #expect((norm > 0) == chosen.contains(k), "patch \(k), chosen \(chosen)")
        }
    }

    @Test func wordToPatchAttentionRowsSumToOneOverPatchesAndVanishOffWords() throws {
        let inputs = Self.batch()
        let attention = try noGrad { try LocalSemanticLoss.wordToPatchAttention(text: inputs.text, image: inputs.view2) }
        #expect(attention.shape == [3, 6, 5])
        let sums = attention.sum(axis: -1)
        for i in 0..<3 {
            for l in 0..<6 {
                let expected: Float = (1...3).contains(l) ? 1 : 0
                #expect(abs(sums[i, l] - expected) < 1e-6)
            }
        }
    }

    @Test func supervisedContrastiveIsTheSoftLossOnWeightedLabelOneHots() throws {
        var inputs = Self.batch(n: 4)
        inputs.labels = Tensor([2, 0, 2, 1])
        var oneHot = [Float](repeating: 0, count: 12)
        for (i, c) in [2, 0, 2, 1].enumerated() { oneHot[i * 3 + c] = 3 }
        inputs.metadataVectors = Tensor(shape: [4, 3], scalars: oneHot)
        let supCon = try SoftSemanticLoss.supervisedContrastive().loss(inputs).item
        let soft = try SoftSemanticLoss().loss(inputs).item
        #expect(abs(supCon - soft) <= 1e-6 * abs(soft))
    }

    @Test func aLearnableTemperatureGetsTheChainRuleGradient() throws {
        let temperature = AlignmentTemperature(initial: 0.1, learnable: true)
        var inputs = Self.batch()
        inputs.temperature = temperature.value
        try GlobalSemanticLoss().loss(inputs).backward()
        let logGrad = temperature.logTemperature.value.grad!.item
        let tau = Tensor(0.1).requiringGrad()
        inputs.temperature = tau
        try GlobalSemanticLoss().loss(inputs).backward()
        // d/d(log τ) = τ · d/dτ.
        #expect(abs(logGrad - 0.1 * tau.grad!.item) <= 1e-5 * abs(logGrad))
        #expect(!AlignmentTemperature().isLearnable)
    }

    @Test func thePRIMAObjectiveWeighsItsTerms() throws {
        let inputs = Self.batch()
        let value = try AlignmentObjective.prima().evaluate(inputs)
        let parts: [Float] = try [ImageConsistencyLoss().loss(inputs).item, GlobalSemanticLoss().loss(inputs).item,
                                  LocalSemanticLoss().loss(inputs).item, SoftSemanticLoss().loss(inputs).item]
        #expect(zip(value.terms.map { $0.value }, parts).allSatisfy { abs($0 - Double($1)) <= 1e-6 * abs(Double($1)) })
        let weighted = zip([0.2, 0.3, 0.2, 0.3] as [Float], parts).map { $0 * $1 }.reduce(0, +)
        #expect(abs(value.total.item - weighted) <= 1e-6 * weighted)
        let custom = PRIMALossWeights(imageConsistency: 1, globalSemantic: 0, localSemantic: 0, softSemantic: 0)
        #expect(try AlignmentObjective.prima(weights: custom).evaluate(inputs).total.item == parts[0])
    }

    @Test func everyAblationHasTheTermsItNames() {
        let expected: [String: [String]] = [
            "full": ["image_consistency", "global_semantic", "local_semantic", "soft_semantic"],
            "without_image_consistency": ["global_semantic", "local_semantic", "soft_semantic"],
            "without_global_semantic": ["image_consistency", "local_semantic", "soft_semantic"],
            "without_local_semantic": ["image_consistency", "global_semantic", "soft_semantic"],
            "without_soft_semantic": ["image_consistency", "global_semantic", "local_semantic"],
            "local_semantic_direct": ["image_consistency", "global_semantic", "local_semantic_direct", "soft_semantic"],
            "supervised_contrastive": ["image_consistency", "global_semantic", "local_semantic", "supervised_contrastive"],
        ]
        #expect(PRIMAAblation.allCases.count == expected.count)
        for ablation in PRIMAAblation.allCases {
            let objective = AlignmentObjective.prima(ablation: ablation)
            #expect(objective.names == expected[ablation.label], "\(ablation.label)")
        }
        // Ablations keep the losses' other options and the remaining weights.
        let objective = AlignmentObjective.prima(ablation: .directLocalSemantic,
                                                 localSemantic: LocalSemanticLoss(normalization: .wholeBatchTokens))
        let local = objective.terms[2].loss as? LocalSemanticLoss
        #expect(local?.normalization == .wholeBatchTokens && local?.aggregation == .mostSimilarPatch)
        #expect(objective.terms.map(\.weight) == [0.2, 0.3, 0.2, 0.3])
        let supCon = AlignmentObjective.prima(ablation: .supervisedContrastive).terms[3].loss as? SoftSemanticLoss
        #expect(supCon?.targets == .labels(weight: 3))
        #expect(AlignmentObjective.prima(ablation: .without(.globalSemantic)).terms.map(\.weight) == [0.2, 0.2, 0.3])
    }
}
