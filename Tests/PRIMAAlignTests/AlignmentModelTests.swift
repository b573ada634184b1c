import Foundation
import PRIMAAlign
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

@Suite struct AlignmentModelTests {
    @Test func headsHaveTheConfiguredDepthAndMapIntoTheSharedWidth() throws {
        var rng = RandomGenerator(seed: 1)
        let linear = try ProjectionHead(inputWidth: 24, outputWidth: 16, configuration: .init(depth: 1), using: &rng)
        #expect(linear.namedParameters().map(\.key) == ["layers.0.weight", "layers.0.bias"])
        let deep = try ProjectionHead(inputWidth: 24, outputWidth: 16, configuration: .init(depth: 3, hiddenWidth: 40, activation: .relu), using: &rng)
        #expect(deep.namedParameters().map(\.parameter.shape) == [[40, 24], [40], [40, 40], [40], [16, 40], [16]])
        #expect(deep(Tensor.zeros([2, 5, 24])).shape == [2, 5, 16])
        #expect { try ProjectionHead(name: "text_local_head", inputWidth: 0, outputWidth: 16, using: &rng) }
            throws: { "\($0)".contains("text_local_head") }
    }

    @Test func inputsOfABatchHaveBothViewsTheTextAndTheBatchVectors() throws {
        let samples = AlignFixtures.samples(count: 4)
        let model = try AlignFixtures.model(samples: samples)
        #expect(Set(model.namedParameters().map { String($0.key.split(separator: ".")[0]) })
            == ["image_encoder", "text_encoder", "image_global_head", "image_local_head", "text_global_head", "text_local_head", "temperature"])
        var epoch = AlignFixtures.loader(samples).epoch(0)
        let batch = try #require(try epoch.next())
        let inputs = try model.inputs(for: batch)
        #expect(inputs.view1.global.shape == [4, 16] && inputs.view2.tokens?.shape == [4, 4, 16] && inputs.view1.grid?.count == 4)
        #expect(inputs.text.cls.shape == [4, 16] && inputs.text.tokens.shape[2] == 16 && inputs.text.wordMask.shape == Array(inputs.text.tokens.shape.prefix(2)))
        #expect(inputs.metadataVectors?.scalars == batch.metadataVectors.scalars && inputs.labels?.scalars == batch.labels.scalars)
        #expect(abs(inputs.temperature.item - 0.1) < 1e-6)
        #expect { try model.inputs(view1: batch.view1, view2: batch.view2, texts: Array(batch.texts.prefix(3))) }
            throws: { "\($0)".contains("3 texts") }
    }

    @Test func cachedTextFeaturesMatchTheEncoderAndDoNotDependOnTheBatch() throws {
        let samples = AlignFixtures.samples(count: 6)
        let texts = samples.map { AlignFixtures.renderer.render($0.metadata) }
        let model = try AlignFixtures.model(samples: samples)
        let direct = try noGrad { try model.projectTexts(texts) }
        model.cachesTextFeatures = true
        _ = try noGrad { try model.projectTexts([texts[3], texts[0]]) }
        let cached = try noGrad { try model.projectTexts(texts) }
        #expect(cached.tokens.shape == direct.tokens.shape)
        #expect(maxScaledError(cached.cls, direct.cls) <= Tolerance.forward)
        #expect(cached.mask.scalars == direct.mask.scalars && cached.wordMask.scalars == direct.wordMask.scalars)
        // Valid positions agree; padded ones carry zeros in the cache (the losses mask them out).
        let valid = direct.mask.unsqueezed(2)
        #expect(maxScaledError(cached.tokens * valid, direct.tokens * valid) <= Tolerance.forward)
        let again = try noGrad { try model.projectTexts(texts) }
        #expect(again.tokens.scalars == cached.tokens.scalars)
    }

    @Test func viewsEncodedSideBySideGiveTheOneBatchLossesAndGradients() throws {
        let samples = AlignFixtures.samples(count: 4)
        let model = try AlignFixtures.model(samples: samples)
        var epoch = AlignFixtures.loader(samples).epoch(0)
        let batch = try #require(try epoch.next())
        let objective = AlignmentObjective.prima()
        func run(concurrently: Bool) throws -> (total: Float, gradients: [String: Tensor]) {
            model.encodesViewsConcurrently = concurrently
            let value = try objective.evaluate(try model.inputs(for: batch))
            value.total.backward()
            let trainable = model.namedParameters().filter { !$0.parameter.isFrozen }
            defer { for entry in trainable { entry.parameter.zeroGrad() } }
            return (value.total.item, Dictionary(uniqueKeysWithValues: trainable.map { ($0.key, $0.parameter.grad!) }))
        }
        let oneBatch = try run(concurrently: false), sideBySide = try run(concurrently: true)
        #expect(abs(sideBySide.total - oneBatch.total) <= Tolerance.forward * max(1, abs(oneBatch.total)))
        #expect(sideBySide.gradients.keys.sorted() == oneBatch.gradients.keys.sorted())
        #expect(sideBySide.gradients.keys.contains { $0.hasPrefix("image_encoder.") })
        for (key, gradient) in oneBatch.gradients {
            #expect(maxScaledError(sideBySide.gradients[key]!, gradient) <= Tolerance.gradient, "\(key)")
        }
    }
}
