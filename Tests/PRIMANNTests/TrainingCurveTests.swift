import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

/// Mean softmax cross-entropy from logits `[n, classes]` and integer labels `[n]` (`F.cross_entropy`).
func crossEntropy(_ logits: Tensor, labels: Tensor) -> Tensor {
    Tensor.crossEntropy(logits: logits, targets: labels)
}

@Suite struct TrainingCurveTests {
    @Test func tenAdamWStepsOfAnMLPMatchPyTorch() throws {
        let c = try FixtureFile.load("nn", in: .module).named("mlp_adamw_training")
        var rng = RandomGenerator(seed: 0)
        let model = MLP(sizes: [4, 8, 3], activation: .gelu, using: &rng)
        var initial: [String: Tensor] = [:]
        for key in model.namedParameters().map(\.key) { initial[key] = c.input("init." + key) }
        try model.loadStateDict(initial)

        let steps = c.param("steps").int
        let optimizer = AdamW(model, learningRate: c.param("lr").double, weightDecay: c.param("weight_decay").double)
        let scheduler = LearningRateScheduler(optimizer: optimizer,
                                              schedule: .cosine(warmupSteps: c.param("warmup").int, totalSteps: steps))
        let x = c.input("x"), labels = c.input("labels")
        var losses: [Float] = [], norms: [Float] = []
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let loss = crossEntropy(model(x), labels: labels)
            loss.backward()
            norms.append(GradientClipping.clipGradNorm(model, maxNorm: c.param("max_norm").float))
            optimizer.step()
            scheduler.step()
            losses.append(loss.item)
        }
        #expect(maxScaledError(Tensor(losses), c.output("losses")) <= Tolerance.forward)
        #expect(maxScaledError(Tensor(norms), c.output("grad_norms")) <= Tolerance.forward)
        for (key, p) in model.namedParameters() {
            #expect(maxScaledError(p.value, c.output("final." + key)) <= Tolerance.forward, "\(key)")
        }
        #expect(losses.last! < losses.first!)
    }
}
