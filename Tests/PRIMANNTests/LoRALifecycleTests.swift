import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

/// Permanent merge, removal and a second round of adapters on the same model.
@Suite struct LoRALifecycleTests {
    let ids = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let config = LoRA.Configuration(rank: 2, alpha: 4, targets: ["q_proj", "v_proj"])

    /// A tiny model with adapters whose up projections are non-zero, so that they change the output.
    func adaptedModel() throws -> TinyForCausalLM {
        var rng = RandomGenerator(seed: 1)
        let lm = TinyForCausalLM(using: &rng)
        lm.eval()
        try LoRA.apply(to: lm, config, using: &rng)
        for (_, adapter) in LoRA.adapters(in: lm) {
            adapter.up.weight.value = Tensor.randomNormal(adapter.up.weight.shape, using: &rng) * 0.5
        }
        return lm
    }

    @Test func permanentMergeKeepsOutputsAndLeavesBaseKeysOnly() throws {
        let lm = try adaptedModel()
        let baseKeys = lm.namedParameters().map(\.key).filter { !$0.contains("lora_") }
        let adapted = noGrad { lm.model(ids) }
        let expectedState = LoRA.mergedStateDict(of: lm)
        let merged = LoRA.mergePermanently(in: lm)
        #expect(merged.count == 4)
        #expect(LoRA.adapters(in: lm).isEmpty)
        #expect(lm.namedParameters().map(\.key) == baseKeys)
        #expect(maxScaledError(noGrad { lm.model(ids) }, adapted) <= Tolerance.forward)
        // The dict computed without touching the model is the one the merge produced.
        let state = lm.stateDict()
        #expect(Set(state.keys) == Set(expectedState.keys))
        for (key, value) in state { #expect(value.scalars == expectedState[key]!.scalars, "\(key)") }
        // Nothing left to merge or remove.
        #expect(LoRA.mergePermanently(in: lm).isEmpty && LoRA.remove(from: lm).isEmpty)
    }

    @Test func removeRestoresTheBaseModel() throws {
        var rng = RandomGenerator(seed: 1)
        let plain = TinyForCausalLM(using: &rng)
        plain.eval()
        let base = noGrad { plain.model(ids) }
        let lm = try adaptedModel()
        #expect(maxScaledError(noGrad { lm.model(ids) }, base) > 1e-3)
        LoRA.merge(in: lm)  // removal also undoes a reversible merge
        #expect(LoRA.remove(from: lm).count == 4)
        #expect(lm.namedParameters().allSatisfy { !$0.key.contains("lora_") })
        #expect(maxScaledError(noGrad { lm.model(ids) }, base) <= Tolerance.forward)
    }

    @Test func aSecondApplyAfterMergeTrainsOnlyTheNewAdapters() throws {
        let lm = try adaptedModel()
        LoRA.mergePermanently(in: lm)
        let mergedState = lm.stateDict()
        var rng = RandomGenerator(seed: 9)
        let second = LoRA.Configuration(rank: 3, alpha: 3, targets: ["q_proj", "o_proj"])
        let keys = try LoRA.apply(to: lm, second, using: &rng)
        #expect(keys.count == 4 && keys.allSatisfy { $0.hasSuffix("q_proj") || $0.hasSuffix("o_proj") })
        let trainable = lm.namedParameters().filter { !$0.parameter.isFrozen }.map(\.key)
        #expect(trainable.count == 8 && trainable.allSatisfy { $0.contains("lora_") })
        #expect(LoRA.adapters(in: lm).allSatisfy { $0.adapter.rank == 3 })

        let optimizer = AdamW(lm, learningRate: 0.05)
        let target = Tensor.randomNormal([2, 3, 3], using: &rng)
        for _ in 0..<3 {
            let diff = lm.model(ids) - target
            (diff * diff).mean().backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
        for (key, value) in lm.stateDict() {
            if let old = mergedState[key] {
                #expect(value.scalars == old.scalars, "base weight \(key) changed")
            } else {
                #expect(key.contains("lora_"), "\(key)")
            }
        }
        #expect(LoRA.adapterStateDict(of: lm).filter { $0.key.hasSuffix("lora_B.weight") }.allSatisfy { $0.value.scalars.contains { $0 != 0 } })
        // Merging the second round folds it in on top of the first.
        let adapted = noGrad { lm.model(ids) }
        LoRA.mergePermanently(in: lm)
        #expect(Set(lm.stateDict().keys) == Set(mergedState.keys))
        #expect(maxScaledError(noGrad { lm.model(ids) }, adapted) <= Tolerance.forward)
    }
}
