import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMAFusionTestSupport
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// The stage-3 classifier: layout of the language model's input, independence from the batch, trainable parts, errors.
@Suite struct FusionClassifierTests {
    @Test func promptLayoutMasksAndPositionsFollowEachTextsLength() throws {
        let classifier = try FusionTestSupport.classifier()
        let set = try FusionTestSupport.features(textLengths: [5, 2])
        let batch = set.batch([0, 1])
        let prompt = try classifier.prompt(views: batch.views, text: batch.text)
        let p = classifier.promptBuilder.promptTokenIDs.count
        // image: 1 global + 2×2 downsampled patches (3×3 grid, kernel 2 stride 2, padded); text: CLS + ⌈n/2⌉.
        let image = 1 + 4
        let expected = [p + 2 + image + 2 + 1 + 3, p + 2 + image + 2 + 1 + 1]
        #expect(prompt.lengths == expected)
        let l = expected.max()!
        #expect(prompt.inputEmbeddings.shape == [2, l, FusionTestSupport.hiddenSize])
        #expect(prompt.attentionMask.scalars == expected.flatMap { n in (0..<l).map { $0 < n ? Float(1) : 0 } })
        #expect(prompt.positionIDs.scalars == expected.flatMap { n in (0..<l).map { $0 < n ? Float($0) : 0 } })
        // The last real position of each row is <|txt_end|>, the second after the prompt is the first image token.
        let markers = classifier.specialTokens.weight.value
        let h = FusionTestSupport.hiddenSize
        for (row, n) in expected.enumerated() {
            let last = prompt.inputEmbeddings.narrowed(axis: 0, start: row, length: 1).narrowed(axis: 1, start: n - 1, length: 1).reshaped([h])
            #expect(maxScaledError(last, markers.narrowed(axis: 0, start: 3, length: 1).reshaped([h])) == 0)
            let start = prompt.inputEmbeddings.narrowed(axis: 0, start: row, length: 1).narrowed(axis: 1, start: p, length: 1).reshaped([h])
            #expect(maxScaledError(start, markers.narrowed(axis: 0, start: 0, length: 1).reshaped([h])) == 0)
        }
    }

    @Test func aSamplesLogitsDoNotDependOnItsBatch() throws {
        let classifier = try FusionTestSupport.classifier()
        let set = try FusionTestSupport.features(textLengths: [3, 7, 1])
        let alone = try noGrad { try (0..<3).map { i -> Tensor in
            let b = set.batch([i])
            return try classifier.logits(views: b.views, text: b.text)
        } }
        let together = try noGrad { () -> Tensor in
            let b = set.batch([0, 1, 2])
            return try classifier.logits(views: b.views, text: b.text)
        }
        #expect(together.shape == [3, 3])
        for i in 0..<3 {
            #expect(maxScaledError(together.narrowed(axis: 0, start: i, length: 1), alone[i]) < Tolerance.forward)
        }
    }

    @Test func onlyAdaptersProjectorsAndMarkersTrain() throws {
        let classifier = try FusionTestSupport.classifier()
        let trainable = classifier.namedParameters().filter { !$0.parameter.isFrozen }.map(\.key)
        #expect(trainable.contains("special_tokens.weight"))
        #expect(trainable.contains("patch_projector.conv.weight"))
        #expect(trainable.contains("text_projector.proj.bias"))
        #expect(trainable.contains("image_global_projector.mlp.layers.1.weight"))
        #expect(trainable.contains("llm.model.layers.0.mlp.down_proj.lora_B.weight"))
        #expect(trainable.allSatisfy { !$0.hasPrefix("llm.") || $0.contains(".lora_") })
        #expect(classifier.adaptedLayerKeys.count == 2 * 7)
        #expect(LoRA.Configuration.qwen3Fusion.rank == 16 && LoRA.Configuration.qwen3Fusion.alpha == 32)
    }

    @Test func markersStartAtTheMeanEmbeddingOfTheirWords() throws {
        let (model, tokenizer) = try FusionTestSupport.languageModel()
        let markers = try FusionSpecialTokens(initializingFrom: model, tokenizer: tokenizer)
        let ids = tokenizer.encode("end of image", addSpecialTokens: false).ids
        #expect(ids.count == 3)
        let table = model.model.embedTokens.weight.value
        let mean = table.indexSelect(axis: 0, indices: Tensor(ids.map(Float.init))).mean(axis: 0)
        #expect(maxScaledError(markers.embedding(.imageEnd), mean) < Tolerance.forward)
    }

    @Test func severalViewsAddTheirTokens() throws {
        let classifier = try FusionTestSupport.classifier()
        let set = try FusionTestSupport.features(textLengths: [4, 2], views: 2)
        let b = set.batch([0, 1])
        let one = try classifier.prompt(views: [b.views[0]], text: b.text)
        let two = try classifier.prompt(views: b.views, text: b.text)
        #expect(zip(two.lengths, one.lengths).allSatisfy { $0 == $1 + 5 })
        #expect(try noGrad { try classifier.logits(views: b.views, text: b.text) }.shape == [2, 3])
    }

    /// An image encoder without patch tokens (a global feature only) gives one image token per view.
    @Test func globalOnlyImageFeaturesWork() throws {
        let classifier = try FusionTestSupport.classifier()
        let set = try FusionTestSupport.features(textLengths: [2, 3])
        let b = set.batch([0, 1])
        let globalOnly = ImageFeatures(global: b.views[0].global)
        let full = try classifier.prompt(views: b.views, text: b.text)
        let reduced = try classifier.prompt(views: [globalOnly], text: b.text)
        #expect(zip(full.lengths, reduced.lengths).allSatisfy { $0 == $1 + 4 })
        #expect(try noGrad { try classifier.logits(image: globalOnly, text: b.text) }.shape == [2, 3])
        #expect(throws: FusionError.self) { try classifier.logits(views: [globalOnly, b.views[0]], text: b.text) }
    }

    @Test func mismatchedFeaturesThrowNamingTheShapes() throws {
        let classifier = try FusionTestSupport.classifier()
        let set = try FusionTestSupport.features(textLengths: [2, 2])
        let b = set.batch([0, 1])
        let wideText = TextFeatures(cls: Tensor.zeros([2, 9]), tokens: b.text.tokens, mask: b.text.mask, wordMask: b.text.wordMask)
        #expect(throws: FusionError.self) { try classifier.logits(views: b.views, text: wideText) }
        do {
            _ = try classifier.logits(views: b.views, text: wideText)
        } catch let error as FusionError {
            #expect(error.description.contains("[2, 9]"))
        }
        let noGrid = ImageFeatures(global: b.views[0].global, tokens: b.views[0].tokens, grid: nil)
        #expect(throws: FusionError.self) { try classifier.logits(image: noGrid, text: b.text) }
        let wrongGrid = ImageFeatures(global: b.views[0].global, tokens: b.views[0].tokens, grid: PatchGrid(height: 2, width: 2))
        #expect(throws: FusionError.self) { try classifier.logits(image: wrongGrid, text: b.text) }
        #expect(throws: FusionError.self) { try classifier.logits(views: [], text: b.text) }
        #expect(throws: FusionError.self) { try classifier.loss(logits: Tensor.zeros([2, 3]), labels: Tensor([0, 3])) }
        #expect(throws: FusionError.self) { try classifier.loss(logits: Tensor.zeros([2, 3]), labels: Tensor([0, 1]), classWeights: Tensor([1, 1])) }
    }

    @Test func classWordsMustStartWithDistinctTokens() throws {
        let (model, tokenizer) = try FusionTestSupport.languageModel()
        var rng = RandomGenerator(seed: 1)
        let projectors = FusionProjectorConfiguration(imageFeatureWidth: 4, textFeatureWidth: 4, hiddenSize: FusionTestSupport.hiddenSize)
        #expect(throws: FusionError.self) {
            try FusionClassifier(languageModel: model, tokenizer: tokenizer, classNames: ["a", "b"], classWords: ["alpha", "alpha beta"],
                                 projectors: projectors, using: &rng)
        }
        #expect(throws: FusionError.self) {
            try FusionClassifier(languageModel: model, tokenizer: tokenizer, classNames: ["only"], projectors: projectors, using: &rng)
        }
        var wrong = projectors
        wrong.hiddenSize = 16
        #expect(throws: FusionError.self) {
            try FusionClassifier(languageModel: model, tokenizer: tokenizer, classNames: FusionTestSupport.classNames, projectors: wrong, using: &rng)
        }
    }

    @Test func textMaskDownsamplesToAnyRealTokenPerWindow() throws {
        var rng = RandomGenerator(seed: 2)
        let projector = TextTokenProjector(inputWidth: 3, hiddenSize: 4, kernelSize: 3, stride: 2, using: &rng)
        let mask = Tensor(shape: [2, 6], scalars: [1, 1, 1, 1, 0, 0,  1, 0, 0, 0, 0, 0])
        // L' = ⌈(6 − 3) / 2⌉ + 1 = 3 windows: [0,3) [2,5) [4,7).
        #expect(projector.downsampledMask(mask).scalars == [1, 1, 0, 1, 0, 0])
        let (tokens, downsampled) = try projector(Tensor.ones([2, 6, 3]), mask: mask)
        #expect(tokens.shape == [2, 3, 4] && downsampled.shape == [2, 3])
    }
}
