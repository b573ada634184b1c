import Foundation
import PRIMAFusion
import PRIMAFusionTestSupport
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMATestSupport
import Testing

/// The fusion classifier on a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json): the
/// Qwen3 byte-level BPE tokenizer of the text fixture, as `--llm-checkpoint` would give it.
@Suite struct FusionCheckpointModelTests {
    static func checkpoint() throws -> (Qwen3ForCausalLM, Tokenizer) {
        let folder = Qwen3Fixtures.folder("qwen3_text")
        return (try Qwen3ForCausalLM(contentsOf: folder), try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json")))
    }

    @Test func classTokensAreTheWordInitialBPETokens() throws {
        let (model, tokenizer) = try Self.checkpoint()
        let classes = ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"]
        // The first ids of " ACK", " BCC", … as the `tokenizers` library encodes them with this tokenizer.json.
        #expect(try FusionClassifier.classTokenIDs(words: classes, tokenizer: tokenizer, vocabularySize: model.config.vocabSize)
            == [809, 791, 745, 771, 783, 814])
        var rng = RandomGenerator(seed: 0)
        let classifier = try FusionClassifier(languageModel: model, tokenizer: tokenizer, classNames: classes,
                                              projectors: FusionProjectorConfiguration(imageFeatureWidth: FusionTestSupport.imageWidth,
                                                                                       textFeatureWidth: FusionTestSupport.textWidth,
                                                                                       hiddenSize: model.config.hiddenSize),
                                              using: &rng)
        let set = try FusionTestSupport.features(textLengths: [3, 1])
        let b = set.batch([0, 1])
        #expect(try classifier.probabilities(views: b.views, text: b.text).shape == [2, 6])
        #expect(classifier.namedParameters().filter { $0.key.hasPrefix("llm.") && !$0.parameter.isFrozen }.allSatisfy { $0.key.contains(".lora_") })
    }

    @Test func classWordsSharingTheirFirstTokenAreRefusedByName() throws {
        let (model, tokenizer) = try Self.checkpoint()
        // " fungal" and " fungus" both start with the token " f" in this vocabulary.
        do {
            _ = try FusionClassifier.classTokenIDs(words: ["fungal", "fungus"], tokenizer: tokenizer, vocabularySize: model.config.vocabSize)
            Issue.record("shared first tokens were accepted")
        } catch let error as FusionError {
            #expect(error.description.contains("\"fungal\"") && error.description.contains("\"fungus\""))
        }
        #expect(try FusionClassifier.classTokenIDs(words: ["fungal", "bacterial"], tokenizer: tokenizer, vocabularySize: model.config.vocabSize).count == 2)
    }
}
