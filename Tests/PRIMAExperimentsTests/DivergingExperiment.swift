import PRIMAData
import PRIMAExperiments
import PRIMANN
import PRIMATensor

/// An experiment whose training loss is NaN: the harness must stop it.
struct DivergingExperiment: FoldExperiment {
    var name: String { "diverging" }
    var title: String { "Diverging" }
    var fingerprint: [String: String] { [:] }

    func makeTrainer(for context: FoldContext) throws -> any FoldTrainer { Trainer(classCount: context.classCount) }

    final class Trainer: FoldTrainer {
        let linear: Linear
        let classCount: Int
        init(classCount: Int) {
            var rng = RandomGenerator(seed: 0)
            linear = Linear(2, classCount, using: &rng)
            self.classCount = classCount
        }
        var model: Module { linear }
        var optimizer: (any Optimizer)? { nil }
        var scheduler: LearningRateScheduler? { nil }
        var stepsPerEpoch: Int { 1 }
        func trainEpoch(_ epoch: Int, onStep: (Int, Double) -> Void) throws -> Double {
            onStep(0, .nan)
            return .nan
        }
        func predict(_ samples: [DatasetSample]) throws -> Tensor { Tensor.zeros([samples.count, classCount]) }
    }
}
