import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

@Suite struct LoRATests {
    let ids = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let config = LoRA.Configuration(rank: 2, alpha: 4, targets: ["q_proj", "v_proj"])

    func makeModel(seed: UInt64 = 1) -> TinyForCausalLM {
        var rng = RandomGenerator(seed: seed)
        let lm = TinyForCausalLM(using: &rng)
        lm.eval()
        return lm
    }

    @Test func adaptersUsePEFTKeysAndLeaveBaseKeysAlone() throws {
        let lm = makeModel()
        let baseKeys = lm.namedParameters().map(\.key)
        var rng = RandomGenerator(seed: 5)
        let adapted = try LoRA.apply(to: lm, config, using: &rng)
        #expect(adapted == ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                            "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"])
        let keys = lm.namedParameters().map(\.key)
        #expect(keys.filter { !$0.contains("lora_") } == baseKeys)
        let q = "model.layers.0.self_attn.q_proj."
        #expect(Array(keys.drop { $0 != q + "weight" }.prefix(4)) == [q + "weight", q + "bias", q + "lora_A.weight", q + "lora_B.weight"])
        #expect(try lm.parameter(forKey: q + "lora_A.weight").shape == [2, 4])
        #expect(try lm.parameter(forKey: q + "lora_B.weight").shape == [4, 2])
        // Only the adapters train.
        #expect(lm.trainableParameters.count == 8)
        #expect(lm.parameterCount(trainableOnly: true) == 4 * (2 * 4 + 4 * 2))
        #expect(LoRA.adapterStateDict(of: lm).keys.sorted() == lm.namedParameters().map(\.key).filter { $0.contains("lora_") }.sorted())
        #expect(throws: TensorError.self) { try LoRA.apply(to: makeModel(), .init(rank: 2, alpha: 2, targets: ["qproj"]), using: &rng) }
    }

    @Test func aFreshAdapterKeepsTheOutputAndABaseCheckpointStillLoads() throws {
        let lm = makeModel()
        let before = lm.model(ids)
        let baseCheckpoint = lm.stateDict()
        var rng = RandomGenerator(seed: 5)
        try LoRA.apply(to: lm, config, using: &rng)
        #expect(lm.model(ids).scalars == before.scalars)
        let report = try lm.loadStateDict(baseCheckpoint, strict: false)
        #expect(report.unexpectedKeys.isEmpty && report.missingKeys.count == 8 && report.missingKeys.allSatisfy { $0.contains("lora_") })
    }

    @Test func trainingChangesOnlyAdaptersAndMergeUnmergeKeepOutputs() throws {
        let lm = makeModel()
        var rng = RandomGenerator(seed: 5)
        try LoRA.apply(to: lm, config, using: &rng)
        let base = lm.stateDict().filter { !$0.key.contains("lora_") }
        let optimizer = AdamW(lm, learningRate: 0.05)
        let target = Tensor.randomNormal([2, 3, 3], using: &rng)
        for _ in 0..<3 {
            let diff = lm.model(ids) - target
            (diff * diff).mean().backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
        let after = lm.stateDict()
        for (key, value) in base { #expect(after[key]!.scalars == value.scalars, "\(key) changed") }
        let loraB = after["model.layers.1.self_attn.v_proj.lora_B.weight"]!
        #expect(loraB.scalars.contains { $0 != 0 })

        let unmerged = noGrad { lm.model(ids) }
        LoRA.merge(in: lm)
        #expect(LoRA.adapters(in: lm).allSatisfy { $0.adapter.isMerged })
        let qWeight = lm.model.layers[0].selfAttention.query.weight.value
        #expect(qWeight.scalars != base["model.layers.0.self_attn.q_proj.weight"]!.scalars)
        let merged = noGrad { lm.model(ids) }
        #expect(maxScaledError(merged, unmerged) <= Tolerance.forward)
        LoRA.unmerge(in: lm)
        #expect(maxScaledError(lm.model.layers[0].selfAttention.query.weight.value,
                               base["model.layers.0.self_attn.q_proj.weight"]!) <= Tolerance.forward)
        #expect(maxScaledError(noGrad { lm.model(ids) }, unmerged) <= Tolerance.forward)
    }
}
