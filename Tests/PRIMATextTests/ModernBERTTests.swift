import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
@testable import PRIMAText
import Testing

@Suite struct ModernBERTTests {
    @Test(arguments: ["modernbert_tiny", "modernbert_tiny_bias"])
    func matchesTransformers(_ name: String) throws {
        let c = EncoderFixtures.file.named(name)
        let model = try ModernBERTForMaskedLM(contentsOf: EncoderFixtures.folder(name))
        let (ids, mask) = (c.input("ids"), c.input("mask"))
        let output = model.forward(ids, mask: mask)   // hidden states and logits from one pass
        let (hidden, logits) = (output.hiddenStates, output.logits)
        #expect(maxScaledError(validRows(hidden, mask: mask), validRows(c.output("hidden"), mask: mask)) <= Tolerance.modelForward)
        #expect(maxScaledError(validRows(logits, mask: mask), validRows(c.output("logits"), mask: mask)) <= Tolerance.modelForward)
        #expect(maxScaledError(model(ids, mask: mask), logits) == 0)

        let loss = mlmLoss(logits, labels: c.input("labels")) + (hidden * c.input("probe") * mask.unsqueezed(-1)).sum()
        #expect(maxScaledError(loss, c.output("loss")) <= Tolerance.modelForward)
        loss.backward()
        expectGradientsMatch(model, try EncoderFixtures.gradients(name), name)
    }

    @Test func bothConfigFormatsGiveTheLayerPatternAndThetas() throws {
        let current = try ModernBERTConfig(contentsOf: EncoderFixtures.folder("modernbert_tiny").appendingPathComponent("config.json"))
        #expect(current.layerTypes == [.global, .local, .local, .global])
        #expect(current.globalRopeTheta == 160_000 && current.localRopeTheta == 10_000 && current.localAttention == 4)
        let old = try ModernBERTConfig(contentsOf: EncoderFixtures.folder("modernbert_tiny_bias").appendingPathComponent("config.json"))
        #expect(old.layerTypes == [.global, .local, .global, .local])
        #expect(old.globalRopeTheta == 5000 && old.localRopeTheta == 300 && old.normEps == 1e-6)
        #expect(old.normBias && old.mlpBias && old.attentionBias && old.classifierBias)
        // A config round-trips through its own encoding.
        let again = try JSONDecoder().decode(ModernBERTConfig.self, from: JSONEncoder().encode(old))
        #expect(again == old)
    }

    @Test func layerZeroHasNoAttentionNormAndLocalLayersUseTheHalfWindow() throws {
        let model = try ModernBERTModel(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        #expect(model.layers[0].attentionNorm == nil && model.layers[1].attentionNorm != nil)
        #expect(model.layers[1].attention.pattern == .bidirectionalWindow(radius: 2))
        #expect(model.layers[3].attention.pattern == .full)
        // The encoder alone loads from the MLM checkpoint (head skipped) and gives the same states.
        let c = EncoderFixtures.file.named("modernbert_tiny")
        let mask = c.input("mask")
        let hidden = model(c.input("ids"), mask: mask)
        #expect(maxScaledError(validRows(hidden, mask: mask), validRows(c.output("hidden"), mask: mask)) <= Tolerance.modelForward)
    }

    @Test func paddingDoesNotChangeTheRealTokens() throws {
        let model = try ModernBERTModel(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        let c = EncoderFixtures.file.named("modernbert_tiny")
        let ids = c.input("ids").narrowed(axis: 0, start: 1, length: 1)
        let short = model(ids.narrowed(axis: 1, start: 0, length: 8))
        let padded = model(ids, mask: c.input("mask").narrowed(axis: 0, start: 1, length: 1))
        #expect(maxScaledError(short, padded.narrowed(axis: 1, start: 0, length: 8)) <= Tolerance.modelForward)
    }

    @Test func acceptsTheKeysAndShapesOfModernBERTBase() throws {
        let expected = try EncoderFixtures.keyShapes("modernbert_base_keys")
        // Zero weights: the full-size model is only inspected, and drawing 150M random values is slow in debug.
        var zeros = WeightFiller(rng: nil)
        let model = ModernBERTForMaskedLM(config: ModernBERTConfig(), filling: &zeros)
        let actual = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.parameter.shape) })
        #expect(actual == expected)
    }

    @Test func configErrorsNameTheFileAndKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-modernbert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        try Data(#"{"model_type": "modernbert", "hidden_size": 30, "num_attention_heads": 4}"#.utf8).write(to: url)
        #expect { try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json")) } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("hidden_size")
        }
        try Data(#"{"model_type": "modernbert", "num_hidden_layers": "four"}"#.utf8).write(to: url)
        #expect { try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json")) } throws: { error in "\(error)".contains("num_hidden_layers") }
    }

    @Test func aStoredDecoderCopyMustEqualTheEmbeddings() throws {
        let source = EncoderFixtures.folder("modernbert_tiny")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-modernbert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        var weights = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors")).tensors()
        let embeddings = weights["model.embeddings.tok_embeddings.weight"]!
        let url = folder.appendingPathComponent("model.safetensors")
        weights["decoder.weight"] = embeddings
        try SafeTensors.write(weights, to: url)
        _ = try ModernBERTForMaskedLM(contentsOf: folder)   // a tied copy is accepted
        weights["decoder.weight"] = embeddings + 1
        try SafeTensors.write(weights, to: url)
        #expect { try ModernBERTForMaskedLM(contentsOf: folder) } throws: { "\($0)".contains("decoder.weight") && "\($0)".contains(url.path) }
        weights["head.extra.weight"] = embeddings
        weights["decoder.weight"] = nil
        try SafeTensors.write(weights, to: url)
        #expect { try ModernBERTForMaskedLM(contentsOf: folder) } throws: { "\($0)".contains("head.extra.weight") }
    }

    @Test func dropoutActsInTrainingOnlyAndEvalMatchesTransformers() throws {
        let folder = EncoderFixtures.folder("modernbert_tiny")
        var config = try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
        (config.embeddingDropout, config.attentionDropout, config.mlpDropout) = (0.3, 0.3, 0.3)
        var rng = RandomGenerator(seed: 4)
        let model = ModernBERTForMaskedLM(config: config, using: &rng)
        try model.loadCheckpoint(fromFile: folder.appendingPathComponent("model.safetensors"))
        let c = EncoderFixtures.file.named("modernbert_tiny")
        let mask = c.input("mask")
        let reference = validRows(c.output("hidden"), mask: mask)
        model.train()
        #expect(maxScaledError(validRows(model.model(c.input("ids"), mask: mask), mask: mask), reference) > 1e-2)
        model.eval()
        #expect(maxScaledError(validRows(model.model(c.input("ids"), mask: mask), mask: mask), reference) <= Tolerance.modelForward)
    }

    @Test func longSequencesMatchTransformers() throws {
        // 160 positions: rotary angles far beyond the short case, many local windows, a padded row.
        let c = try FixtureFile.load("text_encoders_long", in: .module).named("modernbert_tiny_long")
        let model = try ModernBERTModel(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        let mask = c.input("mask")
        let hidden = noGrad { model(c.input("ids"), mask: mask) }
        #expect(maxScaledError(validRows(hidden, mask: mask), validRows(c.output("hidden"), mask: mask)) <= Tolerance.modelForward)
    }
}
