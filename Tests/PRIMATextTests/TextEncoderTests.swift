import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
@testable import PRIMAText
import Testing

@Suite struct TextEncoderTests {
    static let corpus = try! String(contentsOf: Bundle.module.url(forResource: "mlm_corpus", withExtension: "txt", subdirectory: "Fixtures")!,
                                    encoding: .utf8).split(separator: "\n").map(String.init)

    @Test(arguments: ["modernbert_tiny", "bert_tiny"])
    func buildsFromAFolderWhateverTheArchitecture(_ name: String) throws {
        let folder = EncoderFixtures.folder(name)
        let encoder = try TextEncoder(contentsOf: folder)
        let direct: any TextEncoderBackbone = name.hasPrefix("modernbert") ? try ModernBERTModel(contentsOf: folder)
                                                                         : try BERTModel(contentsOf: folder)
        #expect(type(of: encoder.backbone) == type(of: direct))
        // The encoder's keys are the backbone's own checkpoint keys (no wrapper prefix).
        #expect(encoder.namedParameters().map(\.key).filter { !$0.hasPrefix("pooler.") } ==
                direct.namedParameters().map(\.key).filter { !$0.hasPrefix("pooler.") })

        // The tokenizer gives the reference ids of the corpus, and the features are the backbone's hidden states.
        let reference = EncoderFixtures.file.named("mlm_corpus")
        // Lines short enough for the tiny BERT's 32 positions.
        let lengths = reference.input("mask").sum(axis: 1).scalars
        let rows = lengths.indices.filter { lengths[$0] <= 30 }.prefix(4)
        let texts = rows.map { Self.corpus[$0] }
        let (ids, mask) = try encoder.tokenize(texts)
        let length = ids.shape[1]
        let expected = reference.input("ids").indexSelect(axis: 0, indices: Tensor(rows.map(Float.init)))
        #expect(ids.scalars == expected.narrowed(axis: 1, start: 0, length: length).scalars)
        let features = try encoder.encode(texts)
        let hidden = direct.hiddenStates(ids, mask: mask)
        #expect(maxScaledError(validRows(features.tokens, mask: mask), validRows(hidden, mask: mask)) == 0)
        #expect(features.cls.shape == [4, encoder.hiddenSize])
        // Longer texts are cut to the model's positions.
        #expect(try encoder.tokenize(Self.corpus).ids.shape[1] <= direct.maxSequenceLength ?? .max)
        #expect(maxScaledError(features.cls, hidden.narrowed(axis: 1, start: 0, length: 1).squeezed(1)) == 0)
        #expect(features.mask.scalars == mask.scalars)
    }

    @Test func wordMaskLeavesOutSpecialTokensAndPadding() throws {
        let encoder = try TextEncoder(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        let features = try encoder.encode(["skin", "a lesion that bleeds"])
        let (ids, mask, words) = (features.mask.shape[1], features.mask.scalars, features.wordMask.scalars)
        let tokenIDs = try encoder.tokenize(["skin", "a lesion that bleeds"]).ids.scalars
        for i in 0..<(2 * ids) {
            let special = tokenIDs[i] == 1 || tokenIDs[i] == 2   // [CLS], [SEP]
            #expect(words[i] == (mask[i] == 1 && !special ? 1 : 0))
        }
        #expect(words.reduce(0, +) > 0)
    }

    /// `tokenize` replaces the tokenizer file's padding and truncation (all-MiniLM's file pads and cuts every text
    /// to 128 tokens) by right padding to the batch's longest text and cutting to `maxLength`, as transformers does.
    @Test func tokenizeReplacesTheFilePaddingAndTruncation() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.tokenizerURL("minilm"))
        #expect(tokenizer.padding?.length == .fixed(128) && tokenizer.truncation?.maxLength == 128)
        var config = BERTConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads) = (tokenizer.vocabularySize, 8, 1, 2)
        (config.intermediateSize, config.maxPositionEmbeddings) = (16, 512)
        var rng = RandomGenerator(seed: 3)
        let encoder = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: tokenizer)

        let short = ["skin", "a lesion that bleeds"]
        let (ids, mask) = try encoder.tokenize(short)
        var unpadded = tokenizer
        (unpadded.padding, unpadded.truncation) = (nil, nil)
        let lengths = short.map { unpadded.encode($0).ids.count }
        #expect(ids.shape == [2, lengths.max()!])               // the longest text, not the file's 128
        #expect(mask.sum(axis: 1).scalars == lengths.map(Float.init))
        #expect(ids[0, lengths[0]] == Float(tokenizer.padTokenID!) && mask[0, 0] == 1)   // padded on the right

        let long = String(repeating: "the lesion grew and bled ", count: 120)
        #expect(unpadded.encode(long).ids.count > 512)
        let cut = try encoder.tokenize([long], maxLength: 200).ids
        #expect(cut.shape == [1, 200])                             // longer than the file's 128
        #expect(Array(cut.scalars.prefix(199)) == Array(unpadded.encode(long).ids.prefix(199)).map(Float.init))
        #expect(cut[0, 199] == Float(tokenizer.sepTokenID!))        // cut at the end, special tokens kept
        #expect(try encoder.tokenize([long], maxLength: nil).ids.shape == [1, 512])   // the model's positions
    }

    @Test func unknownModelTypeNamesTheFileAndValue() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-encoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"model_type": "roberta", "hidden_size": 32}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect { try TextEncoder(contentsOf: folder) } throws: { error in
            "\(error)".contains(folder.appendingPathComponent("config.json").path) && "\(error)".contains("\"roberta\"")
        }
        try Data(#"{"hidden_size": 32}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect { try TextEncoderArchitecture.read(from: folder) } throws: { "\($0)".contains("model_type") }
    }

    @Test func missingWeightsAreReportedByKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-encoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = EncoderFixtures.folder("bert_tiny")
        for file in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        var weights = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors")).tensors()
        weights["encoder.layer.1.output.dense.weight"] = nil
        try SafeTensors.write(weights, to: folder.appendingPathComponent("model.safetensors"))
        #expect { try TextEncoder(contentsOf: folder) } throws: { "\($0)".contains("encoder.layer.1.output.dense.weight") }
    }
}
