import Foundation
import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

@Suite struct ScheduleAndClippingTests {
    let fixtures = try! FixtureFile.load("nn", in: .module)

    func expectFactors(_ schedule: LearningRateSchedule, _ name: String) {
        let c = fixtures.named("schedules")
        guard case .list(let values) = c.param(name) else { Issue.record("no list \(name)"); return }
        // Drive an optimiser through the scheduler as a training loop does: lr is read before each step.
        let optimizer = SGD(parameters: [], learningRate: 1)
        let scheduler = LearningRateScheduler(optimizer: optimizer, schedule: schedule)
        for (step, expected) in values.enumerated() {
            #expect(Swift.abs(optimizer.learningRate - expected.double) <= 1e-12, "\(name) step \(step)")
            #expect(Swift.abs(schedule.factor(at: step) - expected.double) <= 1e-12)
            scheduler.step()
        }
    }

    @Test func cosineWithWarmupMatchesTransformers() {
        expectFactors(.cosine(warmupSteps: 3, totalSteps: 20), "cosine")
    }

    @Test func cosineToAMinimumRatioMatchesTransformers() {
        expectFactors(.cosine(warmupSteps: 4, totalSteps: 20, minRatio: 0.1, cycles: 0.5), "cosine_min")
    }

    @Test func cosineWithSeveralCyclesMatchesTransformers() {
        expectFactors(.cosine(warmupSteps: 2, totalSteps: 20, minRatio: 0, cycles: 1.5), "cosine_cycles")
    }

    @Test func linearAndConstantWarmupsMatchTransformers() {
        expectFactors(.linear(warmupSteps: 5, totalSteps: 20), "linear")
        expectFactors(.constant(warmupSteps: 4), "constant")
    }

    @Test func stepDecayMatchesTorchStepLR() {
        expectFactors(.stepDecay(stepSize: 3, gamma: 0.5), "step")
    }

    @Test func warmupRatioRoundsUp() {
        #expect(LearningRateSchedule.warmupSteps(ratio: 0.1, totalSteps: 25) == 3)
        #expect(LearningRateSchedule.warmupSteps(ratio: 0.1, totalSteps: 20) == 2)
    }

    @Test(arguments: ["clip_active", "clip_inactive"])
    func clipGradNormMatchesTorch(name: String) {
        let c = fixtures.named(name)
        let params = (0..<3).map { i -> Parameter in
            let p = Parameter(Tensor.zeros(c.input("g\(i)").shape))
            p.grad = c.input("g\(i)")
            return p
        }
        let norm = GradientClipping.clipGradNorm(params, maxNorm: c.param("max_norm").float)
        #expect(maxRelativeError(Tensor([norm]), c.output("norm")) <= Tolerance.optimizerStep)
        for (i, p) in params.enumerated() {
            #expect(maxRelativeError(p.grad!, c.output("g\(i)")) <= Tolerance.optimizerStep)
        }
    }
}
