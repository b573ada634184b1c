import Foundation
import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

/// A tiny training run with everything that makes resuming hard: dropout drawing from the model's own
/// generator, a data order shuffled each epoch by another generator, AdamW, a warm-up + cosine schedule
/// and gradient clipping.
struct ResumableRun {
    static let samples = 12, batchSize = 4, totalSteps = 10
    let model: MLP
    let optimizer: AdamW
    let scheduler: LearningRateScheduler
    /// The data generator as it was at the start of the current epoch (the epoch's order is drawn from it).
    var epochStart: RandomGenerator
    var progress = TrainingProgress()
    let x: Tensor
    let labels: Tensor

    init(seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        model = MLP(sizes: [4, 8, 3], activation: .gelu, dropout: 0.3, using: &rng)
        optimizer = AdamW(model, learningRate: 0.05, weightDecay: 0.01)
        scheduler = LearningRateScheduler(optimizer: optimizer, schedule: .cosine(warmupSteps: 2, totalSteps: Self.totalSteps))
        epochStart = RandomGenerator(seed: seed &+ 1)
        var data = RandomGenerator(seed: 99)
        x = Tensor.randomNormal([Self.samples, 4], using: &data)
        labels = Tensor.randomInt([Self.samples], in: 0..<3, using: &data)
    }

    mutating func train(steps: Int) {
        let batchesPerEpoch = Self.samples / Self.batchSize
        for _ in 0..<steps {
            var shuffler = epochStart
            let order = shuffler.permutation(Self.samples)
            let indices = order[(progress.position * Self.batchSize)..<((progress.position + 1) * Self.batchSize)]
            let batch = Tensor(indices.map(Float.init))
            let loss = crossEntropy(model(x.indexSelect(axis: 0, indices: batch)), labels: labels.indexSelect(axis: 0, indices: batch))
            loss.backward()
            GradientClipping.clipGradNorm(model, maxNorm: 1)
            optimizer.step()
            optimizer.zeroGrad()
            scheduler.step()
            progress.globalStep += 1
            progress.position += 1
            if progress.position == batchesPerEpoch {
                progress = TrainingProgress(epoch: progress.epoch + 1, position: 0, globalStep: progress.globalStep)
                epochStart = shuffler
            }
        }
    }

    func checkpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(model: model, optimizer: optimizer, scheduler: scheduler, generators: ["data": epochStart],
                           progress: progress, metadata: ["note": "resume test"])
    }

    mutating func resume(from checkpoint: TrainingCheckpoint) throws {
        let generators = try checkpoint.restore(model: model, optimizer: optimizer, scheduler: scheduler)
        epochStart = try #require(generators["data"])
        progress = checkpoint.progress
    }
}

@Suite struct CheckpointTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-nn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func resumingFromACheckpointIsBitForBitExact() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var straight = ResumableRun(seed: 1)
        straight.train(steps: 10)

        var first = ResumableRun(seed: 1)
        first.train(steps: 5)
        let url = folder.appendingPathComponent("step5.safetensors")
        try first.checkpoint().write(to: url)

        var resumed = ResumableRun(seed: 2)  // different initial weights and generators: all must come from the file
        let loaded = try TrainingCheckpoint(contentsOf: url)
        #expect(loaded.metadata == ["note": "resume test"])
        #expect(loaded.progress == TrainingProgress(epoch: 1, position: 2, globalStep: 5))
        #expect(loaded.schedulerStep == 5)
        try resumed.resume(from: loaded)
        #expect(resumed.optimizer.learningRate == first.optimizer.learningRate)
        resumed.train(steps: 5)

        for ((key, a), (_, b)) in zip(straight.model.namedParameters(), resumed.model.namedParameters()) {
            #expect(a.value.scalars == b.value.scalars, "\(key) differs after resuming")
        }
        #expect(straight.optimizer.stateDict() == resumed.optimizer.stateDict())
        #expect(straight.model.dropout!.generator == resumed.model.dropout!.generator)
        #expect(straight.progress == resumed.progress)

        // The dropout generator matters: resuming without it gives other weights.
        var careless = ResumableRun(seed: 2)
        try careless.resume(from: loaded)
        careless.model.dropout!.generator = RandomGenerator(seed: 123)
        careless.train(steps: 5)
        #expect(careless.model.layers[0].weight.value.scalars != straight.model.layers[0].weight.value.scalars)
    }

    @Test func aFailedSaveKeepsTheLastGoodCheckpoint() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var run = ResumableRun(seed: 3)
        run.train(steps: 2)
        let url = folder.appendingPathComponent("last.safetensors")
        try run.checkpoint().write(to: url)
        let good = run.model.stateDict()

        run.model.layers[1].bias!.update { $0[0] = .nan }
        #expect(throws: CheckpointError.self) { try run.checkpoint().write(to: url) }
        let reloaded = try TrainingCheckpoint(contentsOf: url)
        for (key, value) in good { #expect(reloaded.weights[key]!.scalars == value.scalars) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["last.safetensors"])
    }

    @Test func loadingRejectsOtherFilesAndMismatchedModels() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = RandomGenerator(seed: 4)
        let model = MLP(sizes: [4, 8, 3], using: &rng)
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        try model.saveWeights(to: weightsURL)
        #expect {
            _ = try TrainingCheckpoint(contentsOf: weightsURL)
        } throws: { error in
            (error as? CheckpointError)?.message.contains("not a training checkpoint") == true
        }

        let checkpointURL = folder.appendingPathComponent("ckpt.safetensors")
        try TrainingCheckpoint(model: model, optimizer: AdamW(model)).write(to: checkpointURL)
        let checkpoint = try TrainingCheckpoint(contentsOf: checkpointURL)
        let wider = MLP(sizes: [4, 9, 3], using: &rng)
        #expect(throws: StateDictError.self) { try checkpoint.restore(model: wider) }
        #expect(throws: OptimizerStateError.self) {
            let twin = MLP(sizes: [4, 8, 3], using: &rng)
            try checkpoint.restore(model: twin, optimizer: SGD(twin, learningRate: 0.1))
        }
        #expect(throws: CheckpointError.self) {
            let twin = MLP(sizes: [4, 8, 3], dropout: 0.1, using: &rng)
            try checkpoint.restore(model: twin)
        }

        // Damaged metadata is named.
        let damagedURL = folder.appendingPathComponent("damaged.safetensors")
        try SafeTensors.write(model.stateDict().reduce(into: [:]) { $0["model/" + $1.key] = $1.value },
                              metadata: ["format": TrainingCheckpoint.format, "format_version": "1", "weights": "all",
                                         "progress": "{\"epoch\": 1}", "generators": "{}"], to: damagedURL)
        #expect {
            _ = try TrainingCheckpoint(contentsOf: damagedURL)
        } throws: { error in
            (error as? CheckpointError)?.message.contains("progress") == true
        }
    }

    @Test func moduleWeightsRoundTripThroughSafetensors() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = RandomGenerator(seed: 5)
        let lm = TinyForCausalLM(using: &rng)
        let url = folder.appendingPathComponent("model.safetensors")
        try lm.saveWeights(to: url, metadata: ["format": "pt"])
        let copy = TinyForCausalLM(using: &rng)
        try copy.loadWeights(from: url)
        #expect(copy.stateDict().mapValues(\.scalars) == lm.stateDict().mapValues(\.scalars))
        // The inner model loads from the outer model's file by stripping the prefix.
        let inner = TinyModel(using: &rng)
        try inner.loadWeights(from: url, stripping: "model.")
        #expect(inner.norm.bias!.value.scalars == lm.model.norm.bias!.value.scalars)
        #expect(throws: StateDictError.self) { try inner.loadWeights(from: url) }
    }
}

@Test func checkpointsOfAFrozenBackboneCanHoldTheTrainableWeightsOnly() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-nn-lora-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    func makeModel() throws -> TinyForCausalLM {
        var rng = RandomGenerator(seed: 11)
        let lm = TinyForCausalLM(using: &rng)
        try LoRA.apply(to: lm, .init(rank: 2, alpha: 4, dropout: 0.1, targets: ["q_proj"]), using: &rng)
        return lm
    }
    let lm = try makeModel()
    let optimizer = AdamW(lm, learningRate: 0.01)
    lm.model(Tensor([1, 2, 3])).sum().backward()
    optimizer.step()
    let url = folder.appendingPathComponent("adapters.safetensors")
    try TrainingCheckpoint(model: lm, trainableWeightsOnly: true, optimizer: optimizer).write(to: url)
    let loaded = try TrainingCheckpoint(contentsOf: url)
    #expect(loaded.trainableWeightsOnly)
    #expect(loaded.weights.keys.sorted() == lm.namedParameters().filter { !$0.parameter.isFrozen }.map(\.key).sorted())

    let fresh = try makeModel()
    try loaded.restore(model: fresh, optimizer: AdamW(fresh, learningRate: 0.01))
    #expect(fresh.stateDict().mapValues(\.scalars) == lm.stateDict().mapValues(\.scalars))

    // A model whose trainable set differs (base unfrozen) is rejected by key.
    let unfrozen = try makeModel()
    unfrozen.model.norm.unfreeze()
    #expect {
        try loaded.restore(model: unfrozen)
    } throws: { error in
        (error as? StateDictError)?.missingKeys == ["model.norm.weight", "model.norm.bias"]
    }
}
