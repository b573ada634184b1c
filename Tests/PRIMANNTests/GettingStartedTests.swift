import Foundation
import Testing
import PRIMANN
import PRIMATensor

/// The code of the Getting Started article (PRIMANN.docc/GettingStarted.md), kept compiling and working.
final class Classifier: Module, Layer {
    @Key("fc1") var hidden: Linear
    @Key("fc2") var output: Linear
    let dropout: Dropout

    init(inputs: Int, hiddenSize: Int, classes: Int, using rng: inout RandomGenerator) {
        dropout = Dropout(probability: 0.1, generator: rng.split())
        super.init()
        // Properties with a `@Key` are assigned after `super.init()`.
        hidden = Linear(inputs, hiddenSize, using: &rng)
        output = Linear(hiddenSize, classes, using: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        output(dropout(hidden(x).gelu()))
    }
}

@Test func gettingStartedArticleWorks() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-nn-doc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    var rng = RandomGenerator(seed: 42)
    let model = Classifier(inputs: 4, hiddenSize: 16, classes: 3, using: &rng)
    #expect(model.namedParameters().map(\.key) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])

    let x = Tensor.randomNormal([32, 4], using: &rng)
    let target = Tensor.randomNormal([32, 3], using: &rng)

    let steps = 100
    let optimizer = AdamW(model, learningRate: 1e-3, weightDecay: 0.01)
    let warmup = LearningRateSchedule.warmupSteps(ratio: 0.1, totalSteps: steps)
    let scheduler = LearningRateScheduler(optimizer: optimizer,
                                          schedule: .cosine(warmupSteps: warmup, totalSteps: steps))
    model.train()
    var losses: [Float] = []
    for _ in 0..<steps {
        let diff = model(x) - target
        let loss = (diff * diff).mean()
        loss.backward()
        GradientClipping.clipGradNorm(model, maxNorm: 1)
        optimizer.step()
        optimizer.zeroGrad()
        scheduler.step()
        losses.append(loss.item)
    }
    #expect(losses.last! < losses.first!)

    let url = folder.appendingPathComponent("classifier.safetensors")
    try model.saveWeights(to: url)

    var other = RandomGenerator(seed: 7)
    let restored = Classifier(inputs: 4, hiddenSize: 16, classes: 3, using: &other)
    try restored.loadWeights(from: url)
    restored.eval()
    let prediction = noGrad { restored(x) }
    model.eval()
    #expect(prediction.scalars == noGrad { model(x) }.scalars)

    let checkpointURL = folder.appendingPathComponent("run.safetensors")
    try TrainingCheckpoint(model: model, optimizer: optimizer, scheduler: scheduler,
                           progress: TrainingProgress(epoch: 0, position: 0, globalStep: steps)).write(to: checkpointURL)

    let resumed = Classifier(inputs: 4, hiddenSize: 16, classes: 3, using: &other)
    let resumedOptimizer = AdamW(resumed, learningRate: 1e-3, weightDecay: 0.01)
    let resumedScheduler = LearningRateScheduler(optimizer: resumedOptimizer,
                                                 schedule: .cosine(warmupSteps: warmup, totalSteps: steps),
                                                 baseLearningRate: 1e-3)
    try TrainingCheckpoint(contentsOf: checkpointURL)
        .restore(model: resumed, optimizer: resumedOptimizer, scheduler: resumedScheduler)
    #expect(resumedScheduler.currentStep == steps)
    #expect(resumedOptimizer.stateDict() == optimizer.stateDict())
    #expect(resumed.dropout.generator == model.dropout.generator)
}
