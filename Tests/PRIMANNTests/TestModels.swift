import PRIMANN
import PRIMATensor

/// A small transformer-shaped tree exercising every kind of property module reflection supports.
final class TinyAttention: Module {
    @Key("q_proj") var query: Linear
    @Key("v_proj") var value: Linear
    let o_proj: Linear
    @Key("q_norm") var queryNorm = RMSNorm(dimension: 4)

    init(using rng: inout RandomGenerator) {
        o_proj = Linear(4, 4, bias: false, using: &rng)
        super.init()
        query = Linear(4, 4, using: &rng)
        value = Linear(4, 4, using: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        o_proj(queryNorm(query(x)) + value(x).tanh())
    }
}

final class TinyBlock: Module {
    @Key("self_attn") var selfAttention: TinyAttention
    let mlp: MLP
    var gate: Parameter?
    var notAParameter = Tensor.zeros([2])

    init(gated: Bool, using rng: inout RandomGenerator) {
        mlp = MLP(sizes: [4, 6, 4], using: &rng)
        gate = gated ? Parameter(Tensor.ones([4])) : nil
        super.init()
        selfAttention = TinyAttention(using: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + selfAttention(x)
        let out = h + mlp(h)
        return gate.map { out * $0.value } ?? out
    }
}

final class TinyModel: Module {
    let embed_tokens: Embedding
    let layers: [TinyBlock]
    let norm: LayerNorm
    let head: Sequential
    var unusedHead: Linear? = nil
    let hiddenSize = 4

    init(using rng: inout RandomGenerator) {
        embed_tokens = Embedding(count: 10, dimension: 4, using: &rng)
        layers = [TinyBlock(gated: false, using: &rng), TinyBlock(gated: true, using: &rng)]
        norm = LayerNorm(dimension: 4)
        head = Sequential(Linear(4, 5, using: &rng), Activation(.relu), Dropout(probability: 0.5, generator: rng.split()),
                          Linear(5, 3, using: &rng))
        super.init()
    }

    func callAsFunction(_ ids: Tensor) -> Tensor {
        var x = embed_tokens(ids)
        for layer in layers { x = layer(x) }
        return head(norm(x))
    }
}

/// Hugging Face's outer wrapper: `model.` prefix.
final class TinyForCausalLM: Module {
    let model: TinyModel
    init(using rng: inout RandomGenerator) {
        model = TinyModel(using: &rng)
        super.init()
    }
}
