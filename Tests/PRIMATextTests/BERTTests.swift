import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
@testable import PRIMAText
import Testing

@Suite struct BERTTests {
    @Test func matchesTransformersBertModel() throws {
        let c = EncoderFixtures.file.named("bert_tiny")
        let model = try BERTModel(contentsOf: EncoderFixtures.folder("bert_tiny"))
        #expect(model.pooler != nil)
        let mask = c.input("mask")
        let hidden = model(c.input("ids"), mask: mask, tokenTypes: c.input("types"))
        let pooled = model.pooler!(hidden)
        #expect(maxScaledError(validRows(hidden, mask: mask), validRows(c.output("hidden"), mask: mask)) <= Tolerance.modelForward)
        #expect(maxScaledError(pooled, c.output("pooled")) <= Tolerance.modelForward)
        let loss = (hidden * c.input("probe") * mask.unsqueezed(-1)).sum() + 0.05 * (pooled * pooled).sum()
        #expect(maxScaledError(loss, c.output("loss")) <= Tolerance.modelForward)
        loss.backward()
        expectGradientsMatch(model, try EncoderFixtures.gradients("bert_tiny"), "bert_tiny")
    }

    @Test func matchesTransformersBertForMaskedLM() throws {
        let c = EncoderFixtures.file.named("bert_tiny_mlm")
        let model = try BERTForMaskedLM(contentsOf: EncoderFixtures.folder("bert_tiny_mlm"))
        let mask = c.input("mask")
        let output = model.forward(c.input("ids"), mask: mask, tokenTypes: c.input("types"))
        let (hidden, logits) = (output.hiddenStates, output.logits)
        #expect(maxScaledError(model(c.input("ids"), mask: mask, tokenTypes: c.input("types")), logits) == 0)
        #expect(maxScaledError(validRows(hidden, mask: mask), validRows(c.output("hidden"), mask: mask)) <= Tolerance.modelForward)
        #expect(maxScaledError(validRows(logits, mask: mask), validRows(c.output("logits"), mask: mask)) <= Tolerance.modelForward)
        let loss = (hidden * c.input("probe") * mask.unsqueezed(-1)).sum() + mlmLoss(logits, labels: c.input("labels"))
        #expect(maxScaledError(loss, c.output("loss")) <= Tolerance.modelForward)
        loss.backward()
        expectGradientsMatch(model, try EncoderFixtures.gradients("bert_tiny_mlm"), "bert_tiny_mlm")
        // The decoder reads the word embeddings: one parameter under one key.
        #expect(model.cls.predictions.decoder.weight === model.bert.embeddings.wordEmbeddings.weight)
    }

    @Test func encoderLoadsFromAMaskedLMCheckpoint() throws {
        let c = EncoderFixtures.file.named("bert_tiny_mlm")
        let model = try BERTModel(contentsOf: EncoderFixtures.folder("bert_tiny_mlm"))
        #expect(model.pooler == nil)
        let mask = c.input("mask")
        let hidden = model(c.input("ids"), mask: mask, tokenTypes: c.input("types"))
        #expect(maxScaledError(validRows(hidden, mask: mask), validRows(c.output("hidden"), mask: mask)) <= Tolerance.modelForward)
    }

    @Test func acceptsTheKeysAndShapesOfBertBase() throws {
        var zeros = WeightFiller(rng: nil)
        let model = BERTModel(config: BERTConfig(), filling: &zeros)
        let actual = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.parameter.shape) })
        #expect(actual == (try EncoderFixtures.keyShapes("bert_base_keys")))
    }

    @Test func unsupportedConfigsAreRefusedByKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        try Data(#"{"model_type": "bert", "position_embedding_type": "relative_key"}"#.utf8).write(to: url)
        #expect { try BERTConfig(contentsOf: folder.appendingPathComponent("config.json")) } throws: { "\($0)".contains("position_embedding_type") && "\($0)".contains(url.path) }
        try Data(#"{"model_type": "bert", "hidden_act": "swishy"}"#.utf8).write(to: url)
        #expect { try BERTConfig(contentsOf: folder.appendingPathComponent("config.json")) } throws: { "\($0)".contains("hidden_act") }
    }
}
