import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
@testable import PRIMAText
import Testing

@Suite struct MLMTests {
    static let corpus = EncoderFixtures.file.named("mlm_corpus")
    /// `[PAD]`, `[CLS]`, `[SEP]`, `[MASK]`, `[UNK]` of the tiny tokenizer.
    static let specials: Set<Int> = [0, 1, 2, 3, 4]

    @Test func maskingFollowsThe30PercentAnd801010Rule() {
        var rng = RandomGenerator(seed: 3)
        let (rows, length, vocabulary) = (200, 60, 96)
        var ids = Tensor.randomInt([rows, length], in: 0..<vocabulary, using: &rng)
        let mask = Tensor(shape: [rows, length], scalars: (0..<(rows * length)).map { $0 % length < length - 10 ? 1 : 0 })
        ids = Tensor.where(mask, ids, Tensor.zeros(ids.shape))
        let masking = MLMMasking(maskTokenID: 3, vocabularySize: vocabulary, protectedTokenIDs: Self.specials)
        let (inputs, labels, targets) = masking.apply(ids: ids, mask: mask, using: &rng)
        let (x, y, original, m) = (inputs.scalars, labels.scalars, ids.scalars, mask.scalars)
        let eligible = original.indices.filter { m[$0] == 1 && !Self.specials.contains(Int(original[$0])) }
        // Targets: only eligible tokens, with their original id as label; everything else ignored and unchanged.
        #expect(Set(targets).isSubset(of: Set(eligible)))
        let targetSet = Set(targets)
        #expect(original.indices.allSatisfy { targetSet.contains($0) || (y[$0] == -100 && x[$0] == original[$0]) })
        #expect(targets.allSatisfy { y[$0] == original[$0] })
        func within(_ share: Double, _ p: Double, of n: Int) -> Bool {
            abs(share - p) <= Tolerance.statisticalSigmas * (p * (1 - p) / Double(n)).squareRoot()
        }
        #expect(within(Double(targets.count) / Double(eligible.count), 0.3, of: eligible.count))
        let masked = targets.filter { x[$0] == 3 }.count
        let unchanged = targets.filter { x[$0] == original[$0] }.count
        #expect(within(Double(masked) / Double(targets.count), 0.8 + 0.1 / 96, of: targets.count))
        #expect(within(Double(unchanged) / Double(targets.count), 0.1 + 0.1 / 96, of: targets.count))
        // Seeded: the same seed gives the same masks.
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        #expect(masking.apply(ids: ids, mask: mask, using: &a).inputs.scalars == masking.apply(ids: ids, mask: mask, using: &b).inputs.scalars)
    }

    @Test func aBatchAlwaysHasATargetWhenItCan() {
        let masking = MLMMasking(maskTokenID: 3, vocabularySize: 96, protectedTokenIDs: Self.specials, probability: 0.001)
        var rng = RandomGenerator(seed: 1)
        for _ in 0..<20 {
            let (_, _, targets) = masking.apply(ids: Tensor(shape: [1, 3], scalars: [1, 40, 2]), mask: Tensor.ones([1, 3]), using: &rng)
            #expect(targets == [1])
        }
    }

    func trainer(_ name: String, steps: Int) throws -> MaskedLanguageModelTrainer {
        let model = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: EncoderFixtures.folder(name))
        let tokenizer = try Tokenizer(contentsOf: EncoderFixtures.folder(name).appendingPathComponent("tokenizer.json"))
        let masking = try MLMMasking(tokenizer: tokenizer, vocabularySize: model.vocabularySize)
        #expect(masking.maskTokenID == 3 && masking.protectedTokenIDs == Self.specials)
        var configuration = MaskedLanguageModelTrainer.Configuration(totalSteps: steps)
        configuration.learningRate = 3e-2
        return try MaskedLanguageModelTrainer(model: model, masking: masking, configuration: configuration, seed: 5)
    }

    /// The corpus rows `rows`, cut to at most `length` tokens.
    func batch(_ rows: Range<Int>, length: Int = .max) -> (ids: Tensor, mask: Tensor) {
        let width = min(length, Self.corpus.input("ids").shape[1])
        let pick = { (t: Tensor) in t.narrowed(axis: 0, start: rows.lowerBound, length: rows.count).narrowed(axis: 1, start: 0, length: width) }
        return (pick(Self.corpus.input("ids")), pick(Self.corpus.input("mask")))
    }

    @Test func loraRefinementLowersTheLossAndChangesOnlyTheAdapters() throws {
        let trainer = try trainer("modernbert_tiny", steps: 15)
        let encoder = trainer.model.encoder
        #expect(trainer.adaptedLayers.count == 4 * 4)   // attn.Wqkv, attn.Wo, mlp.Wi, mlp.Wo in each of 4 layers
        #expect(trainer.adaptedLayers.allSatisfy { $0.hasSuffix("Wqkv") || $0.hasSuffix("Wo") || $0.hasSuffix("Wi") })
        let before = trainer.model.stateDict().filter { !$0.key.contains("lora_") }
        let trainable = trainer.model.trainableParameters.count
        #expect(trainable == 2 * trainer.adaptedLayers.count)

        let all = batch(0..<30)
        let lossBefore = trainer.evaluationLoss(ids: all.ids, mask: all.mask, seed: 77)
        for step in 0..<15 {
            let rows = (step * 8 % 24)..<(step * 8 % 24 + 8)
            let b = batch(rows)
            try trainer.step(ids: b.ids, mask: b.mask)
        }
        let lossAfter = trainer.evaluationLoss(ids: all.ids, mask: all.mask, seed: 77)
        #expect(lossAfter < 0.95 * lossBefore, "MLM loss \(lossBefore) → \(lossAfter)")

        let after = trainer.model.stateDict()
        for (key, value) in before { #expect(after[key]!.scalars == value.scalars, "\(key) changed") }
        let adapters = LoRA.adapterStateDict(of: encoder)
        #expect(adapters.filter { $0.key.hasSuffix("lora_B.weight") }.allSatisfy { $0.value.scalars.contains { $0 != 0 } })
    }

    @Test func refinedAdaptersSaveAndReloadIntoTheTextEncoder() throws {
        let trainer = try trainer("modernbert_tiny", steps: 5)
        for step in 0..<5 { let b = batch((step * 6)..<(step * 6 + 6)); try trainer.step(ids: b.ids, mask: b.mask) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-mlm-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try trainer.saveAdapters(to: url)
        #expect(try SafeTensorsFile(contentsOf: url).keys.allSatisfy { $0.hasPrefix("layers.") && $0.contains("lora_") })

        let encoder = try TextEncoder(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        var lora = trainer.configuration.lora
        lora.targets = trainer.model.encoder.projectionNames
        try encoder.loadAdapters(from: url, configuration: lora)
        encoder.eval()
        trainer.model.eval()
        let b = batch(0..<4)
        let reloaded = noGrad { encoder(b.ids, mask: b.mask).tokens }
        let trained = noGrad { trainer.model.encoder.hiddenStates(b.ids, mask: b.mask) }
        #expect(maxScaledError(reloaded, trained) == 0)
        // Without the adapters the features differ: the refinement did something.
        let plain = try TextEncoder(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        #expect(maxScaledError(noGrad { plain(b.ids, mask: b.mask).tokens }, trained) > 1e-4)
        // An adapter file missing a key is refused by key.
        var partial = try SafeTensorsFile(contentsOf: url).tensors()
        partial["layers.1.attn.Wqkv.lora_A.weight"] = nil
        try SafeTensors.write(partial, to: url)
        let other = try TextEncoder(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
        #expect { try other.loadAdapters(from: url, configuration: lora) } throws: { "\($0)".contains("layers.1.attn.Wqkv.lora_A.weight") }
    }

    @Test func bertMaskedLanguageModelTrainsToo() throws {
        let trainer = try trainer("bert_tiny_mlm", steps: 15)
        #expect(trainer.adaptedLayers.count == 2 * 6)
        #expect(!trainer.adaptedLayers.contains { $0.contains("cls.") || $0.contains("pooler") })
        let all = batch(0..<30, length: 32)
        let lossBefore = trainer.evaluationLoss(ids: all.ids, mask: all.mask, seed: 7)
        for step in 0..<15 { let b = batch((step * 8 % 24)..<(step * 8 % 24 + 8), length: 32); try trainer.step(ids: b.ids, mask: b.mask) }
        let lossAfter = trainer.evaluationLoss(ids: all.ids, mask: all.mask, seed: 7)
        #expect(lossAfter < 0.95 * lossBefore, "MLM loss \(lossBefore) → \(lossAfter)")
    }
}

@Suite struct MLMCheckpointTests {
    @Test func aRefinementRunResumesExactly() throws {
        let corpus = EncoderFixtures.file.named("mlm_corpus")
        func batch(_ step: Int) -> (Tensor, Tensor) {
            let rows = (step * 6 % 24)
            return (corpus.input("ids").narrowed(axis: 0, start: rows, length: 6), corpus.input("mask").narrowed(axis: 0, start: rows, length: 6))
        }
        func makeTrainer() throws -> MaskedLanguageModelTrainer {
            let model = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: EncoderFixtures.folder("modernbert_tiny"))
            let masking = MLMMasking(maskTokenID: 3, vocabularySize: 96, protectedTokenIDs: [0, 1, 2, 3, 4])
            var configuration = MaskedLanguageModelTrainer.Configuration(totalSteps: 6)
            configuration.learningRate = 1e-2
            return try MaskedLanguageModelTrainer(model: model, masking: masking, configuration: configuration, seed: 8)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-mlm-run-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }

        let first = try makeTrainer()
        for step in 0..<3 { let (ids, mask) = batch(step); try first.step(ids: ids, mask: mask) }
        try first.saveCheckpoint(to: url, progress: TrainingProgress(epoch: 0, position: 3, globalStep: 3))
        var uninterrupted: [Float] = []
        for step in 3..<6 { let (ids, mask) = batch(step); uninterrupted.append(try first.step(ids: ids, mask: mask)) }

        let resumed = try makeTrainer()   // fresh: adapters at their initial values, moments empty, step 0
        let progress = try resumed.restoreCheckpoint(from: url)
        #expect(progress.globalStep == 3 && resumed.scheduler.currentStep == 3)
        var continued: [Float] = []
        for step in 3..<6 { let (ids, mask) = batch(step); continued.append(try resumed.step(ids: ids, mask: mask)) }
        #expect(continued == uninterrupted)
        let a = LoRA.adapterStateDict(of: first.model.encoder), b = LoRA.adapterStateDict(of: resumed.model.encoder)
        #expect(a.keys.sorted() == b.keys.sorted() && a.allSatisfy { b[$0.key]!.scalars == $0.value.scalars })
    }
}
