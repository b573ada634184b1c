import Testing
import PRIMANN
import PRIMATensor

@Suite struct StateDictTests {
    @Test func stateDictRoundTripsIntoAFreshModel() throws {
        var rng = RandomGenerator(seed: 1)
        let source = TinyForCausalLM(using: &rng)
        let target = TinyForCausalLM(using: &rng)
        target.model.layers[0].freeze()
        try target.loadStateDict(source.stateDict())
        for ((k1, p1), (k2, p2)) in zip(source.namedParameters(), target.namedParameters()) {
            #expect(k1 == k2 && p1.value.scalars == p2.value.scalars)
        }
        #expect(target.model.layers[0].parameters.allSatisfy { $0.isFrozen && !$0.value.requiresGrad })
        #expect(target.model.layers[1].parameters.allSatisfy { !$0.isFrozen && $0.value.requiresGrad })
    }

    @Test func strictLoadingNamesMissingUnexpectedAndMisshapedKeys() throws {
        var rng = RandomGenerator(seed: 1)
        let model = TinyModel(using: &rng)
        let before = model.stateDict()
        var dict = before
        dict["layers.0.self_attn.q_proj.bias"] = nil
        dict["norm.weight"] = nil
        dict["lm_head.weight"] = Tensor.zeros([2, 2])
        dict["layers.1.mlp.layers.0.weight"] = Tensor.zeros([6, 5])
        dict["embed_tokens.weight"] = Tensor.ones([10, 4])
        do {
            try model.loadStateDict(dict, source: "weights.safetensors")
            Issue.record("strict load accepted a bad state dict")
        } catch let error as StateDictError {
            #expect(error.missingKeys == ["layers.0.self_attn.q_proj.bias", "norm.weight"])
            #expect(error.unexpectedKeys == ["lm_head.weight"])
            #expect(error.shapeMismatches == [.init(key: "layers.1.mlp.layers.0.weight", expected: [6, 4], found: [6, 5])])
            #expect(error.description.contains("weights.safetensors"))
            #expect(error.description.contains("[6, 4]") && error.description.contains("[6, 5]"))
        }
        // Nothing was changed by the failed load.
        #expect(model.stateDict()["embed_tokens.weight"]!.scalars == before["embed_tokens.weight"]!.scalars)
    }

    @Test func nonStrictLoadingSkipsAndReportsButStillRejectsShapes() throws {
        let model = Linear(weight: Tensor.zeros([2, 3]), bias: Tensor.zeros([2]))
        let report = try model.loadStateDict(["weight": Tensor.ones([2, 3]), "extra": Tensor.ones([1])], strict: false)
        #expect(report.missingKeys == ["bias"] && report.unexpectedKeys == ["extra"])
        #expect(model.weight.value.scalars == [Float](repeating: 1, count: 6))
        #expect(throws: StateDictError.self) { try model.loadStateDict(["weight": Tensor.ones([3, 2])], strict: false) }
    }
}
