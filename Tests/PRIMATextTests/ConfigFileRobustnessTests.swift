import Foundation
import PRIMATestSupport
import PRIMAText
import Testing

/// `config.json` of the text encoders: syntax errors name the line and column, and mutated files either
/// decode or throw a ``TextEncoderError``.
@Suite struct ConfigFileRobustnessTests {
    private static func fixture(_ folder: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "config", withExtension: "json", subdirectory: "Fixtures/\(folder)"))
        return try Data(contentsOf: url)
    }

    private static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func syntaxErrorsNameTheLineAndColumn() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = String(decoding: try Self.fixture("bert_tiny"), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"hidden_size\"", with: "\"hidden_size\" :: ")
        try Data(text.utf8).write(to: folder.appendingPathComponent("config.json"))
        let error = #expect(throws: TextEncoderError.self) { try BERTConfig(contentsOf: folder.appendingPathComponent("config.json")) }
        let prefix = try #require(text.range(of: "::"))
        let line = text[..<prefix.lowerBound].filter { $0 == "\n" }.count + 1
        #expect(error?.file.hasSuffix("config.json") == true)
        #expect(error?.message.contains("not valid JSON at line \(line), column") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    /// Found by `prima-fuzz --seed 7`: a negative layer count trapped while the layer pattern was built.
    @Test func modernBERTLayerCountOutOfRange() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var object = try JSONSerialization.jsonObject(with: Self.fixture("modernbert_tiny")) as! [String: Any]
        object["layer_types"] = nil
        for count in [-3, 1 << 40] {
            object["num_hidden_layers"] = count
            try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent("config.json"))
            let error = #expect(throws: TextEncoderError.self) { try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json")) }
            #expect(error?.message.contains("num_hidden_layers") == true, "\(error.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func mutatedConfigsDecodeOrThrow() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        let bert = FuzzRun.run(seeds: [try Self.fixture("bert_tiny"), try Self.fixture("bert_tiny_mlm")], iterations: 200, seed: 21) { data in
            try data.write(to: url)
            _ = try BERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
        }
        let modernBERT = FuzzRun.run(seeds: [try Self.fixture("modernbert_tiny"), try Self.fixture("modernbert_tiny_bias")],
                                     iterations: 200, seed: 22) { data in
            try data.write(to: url)
            _ = try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
        }
        print("BERT config.json fuzz: \(bert.summary); ModernBERT config.json fuzz: \(modernBERT.summary)")
        #expect(bert.parsed > 0 && bert.refused > 0, "\(bert.summary)")
        #expect(modernBERT.parsed > 0 && modernBERT.refused > 0, "\(modernBERT.summary)")
    }
}
