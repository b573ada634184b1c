import PRIMAData
import PRIMAExperiments
import PRIMANN
import PRIMATensor

/// An experiment whose training loss turns to `loss` (NaN by default) at epoch `divergesAt`: the harness
/// must stop it. With `learningRate`, its trainer has an AdamW of that learning rate and `weightDecay`.
struct DivergingExperiment: FoldExperiment {
    var divergesAt = 0
    var loss = Double.nan
    var learningRate: Double?
    var weightDecay = 0.01

    var name: String { "diverging" }
    var title: String { "Diverging" }
    var fingerprint: [String: String] { [:] }

    func makeTrainer(for context: FoldContext) throws -> any FoldTrainer {
        Trainer(classCount: context.classCount, divergesAt: divergesAt, loss: loss, learningRate: learningRate, weightDecay: weightDecay)
    }

    final class Trainer: FoldTrainer {
        let linear: Linear
        let classCount: Int
        let divergesAt: Int
        let loss: Double
        let adamW: AdamW?
        init(classCount: Int, divergesAt: Int, loss: Double, learningRate: Double?, weightDecay: Double) {
            var rng = RandomGenerator(seed: 0)
            let layer = Linear(2, classCount, using: &rng)
            linear = layer
            self.classCount = classCount
            self.divergesAt = divergesAt
            self.loss = loss
            adamW = learningRate.map { AdamW(layer, learningRate: $0, weightDecay: weightDecay) }
        }
        var model: Module { linear }
        var optimizer: (any Optimizer)? { adamW }
        var scheduler: LearningRateScheduler? { nil }
        var stepsPerEpoch: Int { 1 }
        func trainEpoch(_ epoch: Int, onStep: (Int, Double) -> Void) throws -> Double {
            let value = epoch >= divergesAt ? loss : 1.0
            onStep(0, value)
            return value
        }
        func predict(_ samples: [DatasetSample]) throws -> Tensor { Tensor.zeros([samples.count, classCount]) }
    }
}
