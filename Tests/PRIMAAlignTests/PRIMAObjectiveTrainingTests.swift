import Foundation
import PRIMAAlign
import PRIMANN
import PRIMATensor
import Testing

/// PRIMA's own four losses (``AlignmentObjective/prima(weights:ablation:imageConsistency:globalSemantic:localSemantic:softSemantic:)``)
/// through the stage-2 trainer, on the tiny DINOv3 with LoRA as in the paper's setup.
@Suite struct PRIMAObjectiveTrainingTests {
    @Test func thePaperObjectiveTrainsAndLogsItsFourTerms() throws {
        let samples = AlignFixtures.samples(count: 12)
        var rng = RandomGenerator(seed: 21)
        let model = try AlignmentModel(imageEncoder: StageTwoSetupTests.tinyDINOv3(), metadataEncoder: AlignFixtures.textEncoder(for: samples),
                                       configuration: .init(sharedWidth: 16), using: &rng)
        try StageTwoSetup.prepare(model, image: .lora(.dinov3(rank: 4)), using: &rng)
        let objective = AlignmentObjective.prima()
        let trainer = try AlignmentTrainer(model: model, objective: objective, loader: AlignFixtures.loader(samples),
                                           configuration: .init(epochs: 12, optimization: .init(learningRate: 1e-2, warmupRatio: 0.1)))
        var steps: [TrainingStepRecord] = []
        trainer.onStep = { steps.append($0) }
        let history = try trainer.train()
        #expect(objective.names.count == 4)
        #expect(steps.allSatisfy { $0.terms.map(\.name) == objective.names && $0.terms.allSatisfy { $0.value.isFinite } })
        let (first, last) = (history.first!.meanTotal, history.last!.meanTotal)
        #expect(last < first, "PRIMA objective \(first) → \(last)")
    }
}
