import Foundation
import PRIMANN
import PRIMATestSupport
import PRIMAVision
import Testing

/// DINOv3 `config.json`: syntax errors name the line and column, and mutated files either load or throw a
/// `CheckpointError`.
@Suite struct DINOv3ConfigRobustnessTests {
    @Test func syntaxErrorsNameTheLineAndColumn() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-dinov3-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\n  \"hidden_size\": 32,\n  \"patch_size\": 16\n  \"num_hidden_layers\": 2\n}".utf8).write(to: url)
        let error = #expect(throws: CheckpointError.self) { try DINOv3Config(contentsOf: url) }
        #expect(error?.message.contains("line 4, column 3") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func mutatedConfigsLoadOrThrow() throws {
        let seeds = try ["dinov3_keybias", "dinov3_gated_reg0", "dinov3_plain_reg4"].map {
            try Data(contentsOf: DINOv3Fixtures.folder($0).appendingPathComponent("config.json"))
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-dinov3-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let run = FuzzRun.run(seeds: seeds, iterations: 300, seed: 31) { data in
            try data.write(to: url)
            _ = try DINOv3Config(contentsOf: url)
        }
        print("DINOv3 config.json fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
    }
}
