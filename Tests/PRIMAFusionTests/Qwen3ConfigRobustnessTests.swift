import Foundation
import PRIMAFusion
import PRIMATensor
import PRIMATestSupport
import Testing

/// Qwen3 `config.json`: syntax errors name the line and column, and mutated files either decode (and
/// validate or not) or throw.
@Suite struct Qwen3ConfigRobustnessTests {
    @Test func syntaxErrorsNameTheLineAndColumn() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-qwen3-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"vocab_size\": 100,\n\"hidden_size\": tru}".utf8).write(to: url)
        let error = #expect(throws: TensorError.self) { try Qwen3Config(contentsOf: url) }
        #expect(error?.description.contains("line 2, column 19") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func mutatedConfigsDecodeOrThrow() throws {
        let seeds = try ["qwen3_tied", "qwen3_untied", "qwen3_sliding"].map {
            try Data(contentsOf: Qwen3Fixtures.folder($0).appendingPathComponent("config.json"))
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-qwen3-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let run = FuzzRun.run(seeds: seeds, iterations: 300, seed: 41) { data in
            try data.write(to: url)
            try Qwen3Config(contentsOf: url).validate()
        }
        print("Qwen3 config.json fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
    }
}
