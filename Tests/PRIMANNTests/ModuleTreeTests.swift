import Testing
import PRIMANN
import PRIMATensor

@Suite struct ModuleTreeTests {
    static func blockKeys(_ i: Int, gated: Bool) -> [String] {
        let p = "model.layers.\(i)."
        return [
            p + "self_attn.q_proj.weight", p + "self_attn.q_proj.bias",
            p + "self_attn.v_proj.weight", p + "self_attn.v_proj.bias",
            p + "self_attn.o_proj.weight", p + "self_attn.q_norm.weight",
            p + "mlp.layers.0.weight", p + "mlp.layers.0.bias", p + "mlp.layers.1.weight", p + "mlp.layers.1.bias",
        ] + (gated ? [p + "gate"] : [])
    }

    @Test func parameterKeysFollowDeclarationOrderAndHuggingFaceNames() throws {
        var rng = RandomGenerator(seed: 1)
        let lm = TinyForCausalLM(using: &rng)
        let expected = ["model.embed_tokens.weight"] + Self.blockKeys(0, gated: false) + Self.blockKeys(1, gated: true)
            + ["model.norm.weight", "model.norm.bias",
               "model.head.0.weight", "model.head.0.bias", "model.head.3.weight", "model.head.3.bias"]
        #expect(lm.namedParameters().map(\.key) == expected)
        #expect(lm.namedParameters().map(\.key) == lm.namedParameters().map(\.key))
        #expect(lm.model.layers[1].selfAttention.query.weight.shape == [4, 4])
        #expect(try lm.parameter(forKey: "model.head.3.weight").shape == [3, 5])
        #expect(try lm.parameter(forKey: "model.layers.1.gate") === lm.model.layers[1].gate)
    }

    /// A key the module does not have throws, naming the key and the keys that differ only in their prefix.
    @Test func unknownParameterKeyNamesTheKeyAndSimilarOnes() throws {
        var rng = RandomGenerator(seed: 1)
        let lm = TinyForCausalLM(using: &rng)
        let error = try #require(throws: ParameterKeyError.self) { try lm.parameter(forKey: "layers.0.self_attn.q_proj.weight") }
        #expect(error.key == "layers.0.self_attn.q_proj.weight")
        #expect(error.similarKeys == ["model.layers.0.self_attn.q_proj.weight"])
        #expect("\(error)".contains("\"layers.0.self_attn.q_proj.weight\""))
        #expect(throws: ParameterKeyError.self) { try lm.parameter(forKey: "") }
    }

    @Test func modulesAreListedWithTheirKeys() {
        var rng = RandomGenerator(seed: 1)
        let lm = TinyForCausalLM(using: &rng)
        let keys = lm.namedModules().map(\.key)
        #expect(keys.first == "")
        #expect(keys.contains("model.layers.1.self_attn.q_norm"))
        #expect(keys.contains("model.head.2"))
        #expect(lm.namedModules().first { $0.key == "model.head.2" }?.module is Dropout)
        #expect(lm.model.namedChildren().map(\.key) == ["embed_tokens", "layers.0", "layers.1", "norm", "head"])
    }

    @Test func countsAddUpAndFreezingRemovesGradients() {
        var rng = RandomGenerator(seed: 2)
        let model = TinyModel(using: &rng)
        let perBlock = (16 + 4) * 2 + 16 + 4 + (24 + 6) + (24 + 4)
        let total = 40 + perBlock * 2 + 4 + 8 + (20 + 5) + (15 + 3)
        #expect(model.parameterCount() == total)
        #expect(model.parameterCount(trainableOnly: true) == total)

        model.layers[0].freeze()
        model.embed_tokens.freeze()
        #expect(model.parameterCount(trainableOnly: true) == total - perBlock - 40)
        #expect(model.trainableParameters.count == model.parameters.count - 11)
        #expect(model.embed_tokens.weight.value.requiresGrad == false)

        model.eval()
        model(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])).sum().backward()
        for p in model.layers[0].parameters + model.embed_tokens.parameters {
            #expect(p.grad == nil)
        }
        for (key, p) in model.namedParameters() where !p.isFrozen {
            #expect(p.grad != nil, "\(key) should have a gradient")
        }
        model.zeroGrad()
        #expect(model.parameters.allSatisfy { $0.grad == nil })

        model.unfreeze()
        #expect(model.parameterCount(trainableOnly: true) == total)
        #expect(model.embed_tokens.weight.value.requiresGrad)
    }

    @Test func trainAndEvalReachEverySubmodule() {
        var rng = RandomGenerator(seed: 3)
        let lm = TinyForCausalLM(using: &rng)
        #expect(lm.namedModules().allSatisfy { $0.module.isTraining })
        lm.eval()
        #expect(lm.namedModules().allSatisfy { !$0.module.isTraining })
        let x = Tensor.randomNormal([3, 4], using: &rng)
        let dropout = lm.model.head.layers[2]
        #expect(dropout(x).scalars == x.scalars)
        lm.train()
        #expect(lm.namedModules().allSatisfy { $0.module.isTraining })
        #expect(dropout(x).scalars != x.scalars)
    }

    @Test func tiedParametersAreListedOnce() {
        let tying = Tied2(embed: Embedding(weight: Tensor.ones([5, 2])))
        #expect(tying.namedParameters().map(\.key) == ["first.weight"])
        #expect(tying.stateDict().keys.sorted() == ["first.weight"])
    }

    @Test func parameterUpdatesWriteInPlaceAndKeepTheLeaf() {
        let p = Parameter(Tensor.zeros([1000]))
        let storage = p.value.storage.pointer, node = p.value.node
        p.update { $0[0] = 1 }
        #expect(p.value.storage.pointer == storage)
        #expect(p.value.node === node)
        #expect(p.value[0] == 1)
    }

    @Test func parameterValueAssignmentKeepsTrainability() {
        let p = Parameter(Tensor.zeros([2]))
        #expect(p.value.requiresGrad)
        p.value = Tensor([1, 2])
        #expect(p.value.requiresGrad && p.value.node?.isLeaf == true)
        p.isFrozen = true
        p.value = Tensor([3, 4]).requiringGrad() * 2
        #expect(!p.value.requiresGrad)
        #expect(p.value.scalars == [6, 8])
    }
}

/// The same embedding held under two keys (weight tying): listed once, under the first key.
final class Tied2: Module {
    let first: Embedding
    let second: Embedding
    init(embed: Embedding) {
        first = embed
        second = embed
        super.init()
    }
}

@Test func excludedPropertiesAreNotPartOfTheTree() {
    final class Holder: Module {
        let own = Linear(weight: Tensor.ones([1, 1]))
        @Excluded var borrowed: Linear
        init(borrowed: Linear) {
            self.borrowed = borrowed
            super.init()
        }
    }
    let holder = Holder(borrowed: Linear(weight: Tensor.ones([2, 2])))
    #expect(holder.namedParameters().map(\.key) == ["own.weight"])
    #expect(holder.borrowed.weight.shape == [2, 2])
}
