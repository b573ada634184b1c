import PRIMAAlign
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// Inputs the losses cannot use are answered with an ``AlignmentError`` from the loss, naming the shapes;
/// never a crash or a NaN.
@Suite struct AlignmentLossValidationTests {
    /// A well-formed batch: N samples, width 4, 5 patches, 6 text positions (words at 1…3).
    static func batch(n: Int = 3, seed: UInt64 = 3) -> AlignmentInputs {
        var rng = RandomGenerator(seed: seed)
        var mask = [Float](repeating: 0, count: n * 6)
        for i in 0..<n { for l in 1...3 { mask[i * 6 + l] = 1 } }
        let wordMask = Tensor(shape: [n, 6], scalars: mask)
        return AlignmentInputs(
            view1: ImageFeatures(global: .randomNormal([n, 4], using: &rng), tokens: .randomNormal([n, 5, 4], using: &rng)),
            view2: ImageFeatures(global: .randomNormal([n, 4], using: &rng), tokens: .randomNormal([n, 5, 4], using: &rng)),
            text: TextFeatures(cls: .randomNormal([n, 4], using: &rng), tokens: .randomNormal([n, 6, 4], using: &rng),
                               mask: wordMask, wordMask: wordMask),
            metadataVectors: Tensor(shape: [n, 2], scalars: (0..<(2 * n)).map { Float($0 % 3) }),
            labels: Tensor((0..<n).map { Float($0 % 2) }), temperature: Tensor(0.07))
    }

    static let allLosses: [any AlignmentLoss] = [
        ImageConsistencyLoss(), ImageConsistencyLoss(symmetric: true), GlobalSemanticLoss(), LocalSemanticLoss(),
        LocalSemanticLoss.direct(), LocalSemanticLoss(normalization: .wholeBatchTokens), SoftSemanticLoss(),
        SoftSemanticLoss.supervisedContrastive(),
    ]

    /// `body` throws an ``AlignmentError`` from `loss` whose message contains every one of `fragments`.
    private func expectRefusal(_ loss: any AlignmentLoss, _ inputs: AlignmentInputs, _ fragments: String...,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let value = try loss.loss(inputs)
            Issue.record("\(loss.name) accepted the batch and returned \(value.item)", sourceLocation: sourceLocation)
        } catch let error as AlignmentError {
            #expect(error.source == loss.name, sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyLossAcceptsTheWellFormedBatchWithAFiniteValue() throws {
        for loss in Self.allLosses {
            let value = try loss.loss(Self.batch())
            #expect(value.shape == [] && value.item.isFinite && value.item > 0, "\(loss.name): \(value)")
        }
    }

    @Test func mismatchedBatchSizesOrWidthsAreRefused() {
        var view2 = Self.batch()
        view2.view2.global = Tensor.zeros([2, 4])
        for loss in [ImageConsistencyLoss(), GlobalSemanticLoss(), SoftSemanticLoss()] as [any AlignmentLoss] {
            expectRefusal(loss, view2, "[2, 4]", "[3, 4]")
        }
        var text = Self.batch()
        text.text.cls = Tensor.zeros([3, 5])
        expectRefusal(GlobalSemanticLoss(), text, "text CLS", "[3, 5]")
        expectRefusal(SoftSemanticLoss.supervisedContrastive(), text, "text CLS", "[3, 5]")
        var patches = Self.batch()
        patches.view2.tokens = Tensor.zeros([3, 5, 3])
        expectRefusal(LocalSemanticLoss(), patches, "view 2", "[3, 5, 3]", "[3, 6, 4]")
        var patchBatch = Self.batch()
        patchBatch.view1.tokens = Tensor.zeros([2, 5, 4])
        expectRefusal(LocalSemanticLoss.direct(), patchBatch, "view 1", "[2, 5, 4]")
        var mask = Self.batch()
        mask.text.wordMask = Tensor.ones([3, 5])
        expectRefusal(LocalSemanticLoss(), mask, "word mask", "[3, 5]", "[3, 6, 4]")
        var metadata = Self.batch()
        metadata.metadataVectors = Tensor.ones([2, 2])
        expectRefusal(SoftSemanticLoss(), metadata, "metadata vectors", "[2, 2]")
        var labels = Self.batch()
        labels.labels = Tensor([0, 1])
        expectRefusal(SoftSemanticLoss.supervisedContrastive(), labels, "labels", "[2]")
    }

    @Test func aBatchOfOneIsRefusedByTheLossesThatContrastAcrossTheBatch() throws {
        let single = Self.batch(n: 1)
        for loss in [ImageConsistencyLoss(), ImageConsistencyLoss(symmetric: true), GlobalSemanticLoss(), SoftSemanticLoss(),
                     SoftSemanticLoss.supervisedContrastive()] as [any AlignmentLoss] {
            expectRefusal(loss, single, "at least 2 samples", "[1, 4]")
        }
        // The local loss contrasts the words of one sample, so a batch of one is fine.
        for loss in [LocalSemanticLoss(), LocalSemanticLoss.direct()] {
            #expect(try loss.loss(single).item.isFinite)
        }
    }

    @Test func anAllPaddingTextIsRefusedByTheLocalLoss() {
        var inputs = Self.batch()
        var mask = inputs.text.wordMask.scalars
        for l in 0..<6 { mask[6 + l] = 0 }
        inputs.text.wordMask = Tensor(shape: [3, 6], scalars: mask)
        expectRefusal(LocalSemanticLoss(), inputs, "sample 1", "all zero", "[3, 6]")
        expectRefusal(LocalSemanticLoss.direct(), inputs, "sample 1")
        #expect(throws: AlignmentError.self) { try LocalSemanticLoss.wordToPatchAttention(text: inputs.text, image: inputs.view1) }
        mask[6 + 2] = 0.5
        inputs.text.wordMask = Tensor(shape: [3, 6], scalars: mask)
        expectRefusal(LocalSemanticLoss(), inputs, "0 or 1", "0.5")
    }

    @Test func aBadTemperatureIsRefusedByEveryLoss() {
        for tau in [Tensor(0), Tensor(-0.1), Tensor(.nan), Tensor(.infinity)] {
            var inputs = Self.batch()
            inputs.temperature = tau
            for loss in Self.allLosses { expectRefusal(loss, inputs, "temperature", "positive and finite") }
        }
        var vector = Self.batch()
        vector.temperature = Tensor([0.1, 0.2])
        for loss in Self.allLosses { expectRefusal(loss, vector, "scalar", "[2]") }
        // A [1] tensor is a scalar too.
        var one = Self.batch()
        one.temperature = Tensor([0.1])
        for loss in Self.allLosses { #expect(throws: Never.self) { try loss.loss(one) } }
    }

    @Test func badLossOptionsAreRefused() {
        expectRefusal(SoftSemanticLoss(labelTemperature: 0), Self.batch(), "label temperature")
        expectRefusal(SoftSemanticLoss.supervisedContrastive(labelWeight: -1), Self.batch(), "label weight")
    }

    @Test func missingLocalTokensMetadataOrLabelsAreRefused() {
        var noTokens = Self.batch()
        noTokens.view1.tokens = nil
        expectRefusal(LocalSemanticLoss(), noTokens, "view 1", "no local")
        expectRefusal(LocalSemanticLoss.direct(), noTokens, "view 1", "no local")
        #expect(throws: AlignmentError.self) { try LocalSemanticLoss.wordToPatchAttention(text: noTokens.text, image: noTokens.view1) }
        // The global losses do not need local tokens.
        #expect(throws: Never.self) { try GlobalSemanticLoss().loss(noTokens) }
        var noMetadata = Self.batch()
        noMetadata.metadataVectors = nil
        expectRefusal(SoftSemanticLoss(), noMetadata, "metadataVectors", "nil")
        var noLabels = Self.batch()
        noLabels.labels = nil
        expectRefusal(SoftSemanticLoss.supervisedContrastive(), noLabels, "labels", "nil")
        var fractional = Self.batch()
        fractional.labels = Tensor([0, 1.5, 2])
        expectRefusal(SoftSemanticLoss.supervisedContrastive(), fractional, "1.5", "sample 1")
    }

    @Test func nonFiniteFeaturesAreRefused() {
        func poisoned(_ tensor: Tensor) -> Tensor {
            var t = tensor
            t.withUnsafeMutableBuffer { $0[1] = .nan }
            return t
        }
        var global = Self.batch()
        global.view2.global = poisoned(global.view2.global)
        for loss in [ImageConsistencyLoss(), GlobalSemanticLoss(), SoftSemanticLoss()] as [any AlignmentLoss] {
            expectRefusal(loss, global, "view 2 global", "non-finite")
        }
        var words = Self.batch()
        words.text.tokens = poisoned(words.text.tokens)
        expectRefusal(LocalSemanticLoss(), words, "text token", "non-finite")
        var metadata = Self.batch()
        metadata.metadataVectors = poisoned(metadata.metadataVectors!)
        expectRefusal(SoftSemanticLoss(), metadata, "metadata vectors", "non-finite")
    }

    @Test func anObjectivePassesOnTheFirstRefusal() {
        var inputs = Self.batch()
        inputs.view1.tokens = nil
        #expect(throws: AlignmentError("local_semantic", "view 1 has no local (patch) tokens: the image encoder must give ImageFeatures.tokens [N, K, D]")) {
            try AlignmentObjective.prima().evaluate(inputs)
        }
    }
}
