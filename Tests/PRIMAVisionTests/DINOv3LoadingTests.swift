import Foundation
import PRIMANN
import PRIMATensor
import PRIMAVision
import Testing

/// The package's loading convention: `init(contentsOf:)` builds a model from a checkpoint folder in evaluation
/// mode; `loadCheckpoint(fromFile:)` replaces the weights of an existing model and leaves its mode alone.
@Suite struct DINOv3LoadingTests {
    @Test func folderLoaderReturnsEvaluationModeAndTheFileLoaderKeepsTheMode() throws {
        let folder = try DINOv3Fixtures.folder("dinov3_plain_reg4")
        let loaded = try DINOv3Model(contentsOf: folder)
        #expect(loaded.namedModules().allSatisfy { !$0.module.isTraining })

        var rng = RandomGenerator(seed: 4)
        let model = DINOv3Model(config: loaded.config, using: &rng)
        try model.loadCheckpoint(fromFile: folder.appendingPathComponent("model.safetensors"))
        #expect(model.isTraining)
        let (a, b) = (model.stateDict(), loaded.stateDict())
        #expect(a.keys.sorted() == b.keys.sorted() && a.allSatisfy { $0.value.scalars == b[$0.key]!.scalars })
    }
}
