import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMAFusionTestSupport
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// Encoding samples once with frozen encoders, and saving / reloading a trained stage 3.
@Suite struct FusionEncodingAndWeightsTests {
    /// A 2 × 2 patch "encoder": each patch is a Linear of its pixels' channel means; the global feature their mean.
    final class PatchMeanEncoder: Module, ImageEncoder {
        let projection: Linear
        init(width: Int, using rng: inout RandomGenerator) {
            projection = Linear(3, width, using: &rng)
            super.init()
        }
        var featureWidth: Int { projection.outputSize }
        func encodeImages(_ pixels: Tensor) -> ImageFeatures {
            let b = pixels.shape[0]
            let means = pixels.reshaped([b, 3, 2, pixels.shape[2] / 2, 2, pixels.shape[3] / 2]).mean(axes: [3, 5])  // [B, 3, 2, 2]
            let tokens = projection(means.reshaped([b, 3, 4]).permuted([0, 2, 1]))                                 // [B, 4, D]
            return ImageFeatures(global: tokens.mean(axis: 1), tokens: tokens, grid: PatchGrid(height: 2, width: 2))
        }
    }

    /// A "text encoder": one token per word, the token feature a function of the word's length.
    final class WordLengthEncoder: Module, MetadataEncoder {
        let width: Int
        init(width: Int) { self.width = width; super.init() }
        var featureWidth: Int { width }
        func encodeMetadata(_ texts: [String]) throws -> TextFeatures {
            let words = texts.map { $0.split(separator: " ") }
            let l = words.map(\.count).max() ?? 1
            var tokens = [Float](repeating: 0, count: texts.count * l * width), mask = [Float](repeating: 0, count: texts.count * l)
            for (i, sentence) in words.enumerated() {
                for (j, word) in sentence.enumerated() {
                    mask[i * l + j] = 1
                    for k in 0..<width { tokens[(i * l + j) * width + k] = Float(word.count) / Float(k + 1) }
                }
            }
            let t = Tensor(shape: [texts.count, l, width], scalars: tokens), m = Tensor(shape: [texts.count, l], scalars: mask)
            return TextFeatures(cls: t.mean(axis: 1), tokens: t, mask: m, wordMask: m)
        }
    }

    @Test func encodingInBatchesEqualsEncodingAtOnce() throws {
        var rng = RandomGenerator(seed: 9)
        let image = PatchMeanEncoder(width: 5, using: &rng), text = WordLengthEncoder(width: 4)
        let pixels = Tensor.randomNormal([5, 3, 4, 4], using: &rng)
        let texts = ["a bb", "ccc", "d ee fff g", "hh", "i j"]
        let ids = (0..<5).map { "p\($0)" }
        let set = try FusionFeatureSet.encode(ids: ids, labels: [0, 1, 2, 0, 1], batchSize: 2, imageEncoder: image, metadataEncoder: text) { range in
            ([pixels.narrowed(axis: 0, start: range.lowerBound, length: range.count)], Array(texts[range]))
        }
        #expect(set.ids == ids && set.text.tokens.shape == [5, 4, 4] && set.views[0].grid == PatchGrid(height: 2, width: 2))
        let whole = noGrad { image.encodeImages(pixels) }
        #expect(maxScaledError(set.views[0].tokens!, whole.tokens!) < Tolerance.forward)
        #expect(maxScaledError(set.text.tokens, try text.encodeMetadata(texts).tokens) < Tolerance.forward)
        #expect(image.isTraining)   // the encoder's mode is restored
        #expect(throws: FusionError.self) {
            try FusionFeatureSet.encode(ids: ids, labels: [0, 1, 2, 0, 1], batchSize: 2, imageEncoder: image, metadataEncoder: text) { range in
                ([pixels], Array(texts[range]))           // pixels of every sample for a batch of two
            }
        }
    }

    @Test func trainableWeightsRoundTripAndRefuseOtherClasses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fusion-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let trained = try FusionTestSupport.classifier(seed: 3)
        let url = folder.appendingPathComponent("fusion.safetensors")
        try trained.saveTrainableWeights(to: url)
        let fresh = try FusionTestSupport.classifier(seed: 4)
        let set = try FusionTestSupport.features(textLengths: [2, 4])
        let b = set.batch([0, 1])
        let expected = try noGrad { try trained.logits(views: b.views, text: b.text) }
        #expect(maxScaledError(try noGrad { try fresh.logits(views: b.views, text: b.text) }, expected) > 1e-3)
        try fresh.loadTrainableWeights(from: url)
        #expect(maxScaledError(try noGrad { try fresh.logits(views: b.views, text: b.text) }, expected) == 0)

        let (model, tokenizer) = try FusionTestSupport.languageModel()
        var rng = RandomGenerator(seed: 1)
        let other = try FusionClassifier(languageModel: model, tokenizer: tokenizer, classNames: ["alpha", "beta"],
                                         projectors: trained.projectorConfiguration, using: &rng)
        #expect(throws: FusionError.self) { try other.loadTrainableWeights(from: url) }
    }
}
