import Foundation
import PRIMAAlign
import PRIMANN
import PRIMATensor
import Testing

/// A user's own image encoder (a small CNN defined in the test code) and a user's own loss train through the
/// same ``AlignmentTrainer`` as DINOv3 and PRIMA's losses.
@Suite struct ExtensionPointTests {
    @Test func aUsersEncoderAndLossTrainThroughTheTrainer() throws {
        let samples = AlignFixtures.samples(count: 8)
        let model = try AlignFixtures.model(samples: samples, image: .full)
        let features = try noGrad { try model.encodeImages(Tensor.zeros([2, 3, 8, 8])) }
        #expect(features.tokens?.shape == [2, 4, 24] && features.grid == PatchGrid(height: 2, width: 2))

        let trainer = try AlignmentTrainer(model: model, objective: AlignmentObjective([.init(weight: 1, loss: PairedDistanceLoss())]),
                                           loader: AlignFixtures.loader(samples),
                                           configuration: .init(epochs: 8, optimization: .init(learningRate: 1e-2, warmupRatio: 0)))
        #expect(trainer.trainableKeys.contains("image_encoder.patch_embed.weight"))
        let history = try trainer.train()
        let first = history.first!.meanTotal, last = history.last!.meanTotal
        #expect(last < 0.5 * first, "paired distance \(first) → \(last)")
        #expect(history.allSatisfy { $0.meanTerms.map(\.name) == ["paired_distance"] })
    }
}
