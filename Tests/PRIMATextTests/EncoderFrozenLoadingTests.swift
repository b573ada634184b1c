import Foundation
import PRIMANN
import PRIMATensor
import Testing
@testable import PRIMAText

/// `TextEncoder(contentsOf:frozenWeights:)` (ModernBERT and BERT): checkpoints loaded straight into bfloat16
/// frozen weights.
@Suite struct EncoderFrozenLoadingTests {
    /// A folder with a fixture's config and tokenizer and its weights rewritten as `dtype`.
    static func folder(_ name: String, writing dtype: SafeTensorsDType) throws -> URL {
        let source = EncoderFixtures.folder(name)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-\(name)-\(dtype)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        try TextEncoder(contentsOf: source).backbone.saveWeights(to: folder.appendingPathComponent("model.safetensors"), dtype: dtype)
        return folder
    }

    @Test(arguments: ["modernbert_tiny", "bert_tiny"])
    func bf16CheckpointKeepsTheStoredBits(_ name: String) throws {
        let folder = try Self.folder(name, writing: .bf16)
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = try TextEncoder(contentsOf: folder, frozenWeights: .bfloat16)
        #expect(encoder.trainableParameters.isEmpty)
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        var checked = 0
        for (key, p) in encoder.backbone.namedParameters() {
            guard let stored = p.bfloat16Value else { continue }
            try file.withUnsafeBytes(of: key) { bytes in #expect(stored.bits == Array(bytes.bindMemory(to: UInt16.self)), "\(key)") }
            checked += 1
        }
        #expect(checked > 0 && checked == encoder.backbone.namedModules().filter { $0.module is Linear }.count)
        try expectSameEncoder(encoder, try Self.storedAfterLoading(folder))
    }

    @Test(arguments: ["modernbert_tiny", "bert_tiny"])
    func f32CheckpointIsRoundedAsStoreFrozenWeightsRounds(_ name: String) throws {
        let folder = EncoderFixtures.folder(name)
        try expectSameEncoder(try TextEncoder(contentsOf: folder, frozenWeights: .bfloat16), try Self.storedAfterLoading(folder))
        let plain = try TextEncoder(contentsOf: folder, frozenWeights: .float32)
        #expect(plain.namedParameters().allSatisfy { $0.parameter.precision == .float32 && $0.parameter.isFrozen })
        try expectSameEncoder(plain, try TextEncoder(contentsOf: folder))
    }

    /// The masked-language models (stage 1's) load the same way, their MLM head's Linear included.
    @Test(arguments: ["modernbert_tiny", "bert_tiny_mlm"])
    func maskedLanguageModelLoadsIntoBFloat16(_ name: String) throws {
        let folder = EncoderFixtures.folder(name)
        let direct = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: folder, frozenWeights: .bfloat16)
        let rounded = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: folder)
        rounded.freeze()
        rounded.storeFrozenWeights(as: .bfloat16)
        let other = Dictionary(uniqueKeysWithValues: rounded.namedParameters().map { ($0.key, $0.parameter) })
        var stored = 0
        for (key, p) in direct.namedParameters() {
            #expect(p.precision == other[key]?.precision && p.value.scalars == other[key]?.value.scalars, "\(key)")
            if p.precision == .bfloat16 { stored += 1 }
        }
        #expect(stored > 0)
    }

    /// The float32 load, then the bf16 switch.
    static func storedAfterLoading(_ folder: URL) throws -> TextEncoder {
        let encoder = try TextEncoder(contentsOf: folder)
        encoder.freeze()
        encoder.storeFrozenWeights(as: .bfloat16)
        return encoder
    }

    /// Same storage, same bits in every parameter, same features.
    func expectSameEncoder(_ a: TextEncoder, _ b: TextEncoder) throws {
        let other = Dictionary(uniqueKeysWithValues: b.namedParameters().map { ($0.key, $0.parameter) })
        #expect(Set(other.keys) == Set(a.namedParameters().map(\.key)))
        for (key, p) in a.namedParameters() {
            let q = try #require(other[key])
            #expect(p.precision == q.precision, "\(key)")
            if let bits = p.bfloat16Value?.bits { #expect(bits == q.bfloat16Value?.bits, "\(key)") }
            #expect(p.value.scalars == q.value.scalars, "\(key)")
        }
        let texts = ["age 61, smokes: no, itch: yes", "a lesion on the back"]
        let (x, y) = try noGrad { (try a.encode(texts, maxLength: 16).tokens, try b.encode(texts, maxLength: 16).tokens) }
        #expect(x.scalars == y.scalars)
    }
}
