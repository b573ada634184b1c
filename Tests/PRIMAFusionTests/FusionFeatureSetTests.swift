import PRIMAAlign
import PRIMAFusion
import PRIMAFusionTestSupport
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// Precomputed features (concatenation, batching) and the built-in model that runs without downloads.
@Suite struct FusionFeatureSetTests {
    @Test func concatenatingPadsTextsAndBatchesTrimToTheLongestRealText() throws {
        let a = try FusionTestSupport.features(textLengths: [2, 1], seed: 1)
        let b = try FusionTestSupport.features(textLengths: [6], seed: 2)
        let all = try FusionFeatureSet.concatenating([a, b])
        #expect(all.count == 3 && all.ids == ["s0", "s1", "s0"])
        #expect(all.text.tokens.shape == [3, 6, FusionTestSupport.textWidth])
        #expect(all.text.mask.sum(axis: 1).scalars == [2, 1, 6])
        let batch = all.batch([1, 0])
        #expect(batch.text.tokens.shape == [2, 2, FusionTestSupport.textWidth])
        #expect(batch.labels.scalars == [Float(a.labels[1]), Float(a.labels[0])])
        #expect(maxScaledError(batch.views[0].global.narrowed(axis: 0, start: 0, length: 1),
                               a.views[0].global.narrowed(axis: 0, start: 1, length: 1)) == 0)
        let classifier = try FusionTestSupport.classifier()
        // The padded copy scores like the original.
        let original = try noGrad { try classifier.logits(views: a.batch([0]).views, text: a.batch([0]).text) }
        let fromAll = try noGrad { try classifier.logits(views: all.batch([0]).views, text: all.batch([0]).text) }
        #expect(maxScaledError(fromAll, original) < Tolerance.forward)
    }

    @Test func mismatchedPartsThrow() throws {
        let a = try FusionTestSupport.features(textLengths: [2, 1])
        let twoViews = try FusionTestSupport.features(textLengths: [2], views: 2)
        #expect(throws: FusionError.self) { try FusionFeatureSet.concatenating([a, twoViews]) }
        let shortText = TextFeatures(cls: a.text.cls, tokens: a.text.tokens, mask: Tensor.ones([2, 9]), wordMask: a.text.wordMask)
        #expect(throws: FusionError.self) { try FusionFeatureSet(ids: a.ids, labels: a.labels, views: a.views, text: shortText) }
        let badGrid = ImageFeatures(global: a.views[0].global, tokens: a.views[0].tokens, grid: PatchGrid(height: 2, width: 2))
        #expect(throws: FusionError.self) { try FusionFeatureSet(ids: a.ids, labels: a.labels, views: [badGrid], text: a.text) }
    }

    /// The built-in run's model: PAD-UFES-20's six class names, the small Qwen3 and the corpus tokenizer, no download.
    @Test func builtInModelClassifiesWithDistinctClassTokens() throws {
        let classes = ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"]
        let tokenizer = try BuiltInFusionTokenizer.make(classWords: classes)
        let llm = Qwen3ForCausalLM(config: .smallFusion(vocabularySize: tokenizer.vocabularySize))
        var rng = RandomGenerator(seed: 0)
        let classifier = try FusionClassifier(languageModel: llm, tokenizer: tokenizer, classNames: classes,
                                              projectors: FusionProjectorConfiguration(imageFeatureWidth: FusionTestSupport.imageWidth,
                                                                                       textFeatureWidth: FusionTestSupport.textWidth,
                                                                                       hiddenSize: llm.config.hiddenSize),
                                              using: &rng)
        #expect(Set(classifier.head.classTokenIDs).count == 6)
        #expect(classifier.head.classTokenIDs.map { tokenizer.token(for: $0) } == classes.map { $0.lowercased() })
        #expect(!classifier.promptBuilder.promptTokenIDs.contains(tokenizer.unknownTokenID ?? -1))
        let set = try FusionTestSupport.features(textLengths: [3, 5])
        let b = set.batch([0, 1])
        let probabilities = try classifier.probabilities(views: b.views, text: b.text)
        #expect(probabilities.shape == [2, 6])
        #expect(probabilities.sum(axis: 1).scalars.allSatisfy { abs($0 - 1) < 1e-5 })
    }
}
