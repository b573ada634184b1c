import Foundation
import PRIMAFusion
import PRIMANN
import PRIMATensor
import Testing

/// The package's loading convention: `init(contentsOf:)` builds a model from a checkpoint folder in evaluation
/// mode; `loadCheckpoint(fromFolder:)` / `loadCheckpoint(fromFile:)` replace the weights of an existing model.
@Suite struct Qwen3LoadingTests {
    @Test func folderLoaderReturnsEvaluationMode() throws {
        let model = try Qwen3Fixtures.model("qwen3_tied")
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
    }

    @Test func weightsLoadFromAFolderOrASingleFileWithoutChangingTheMode() throws {
        let source = try Qwen3Fixtures.model("qwen3_untied")
        let folder = Qwen3Fixtures.folder("qwen3_untied")
        for load in [{ (m: Qwen3ForCausalLM) in try m.loadCheckpoint(fromFolder: folder) },
                     { (m: Qwen3ForCausalLM) in try m.loadCheckpoint(fromFile: folder.appendingPathComponent("model.safetensors")) }] {
            let model = Qwen3ForCausalLM(config: source.config, initialization: .random(seed: 9))
            #expect(model.isTraining)
            try load(model)
            #expect(model.isTraining)
            let (loaded, expected) = (model.stateDict(), source.stateDict())
            #expect(loaded.keys.sorted() == expected.keys.sorted())
            #expect(loaded.allSatisfy { $0.value.scalars == expected[$0.key]!.scalars })
        }
    }
}
