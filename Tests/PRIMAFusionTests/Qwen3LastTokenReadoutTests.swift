import PRIMAFusion
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// `lastTokenHiddenStates` runs the last layer at each row's last real token only; it must give the rows of the
/// full forward pass that `lastTokenStates` picks, and the same gradients.
@Suite struct Qwen3LastTokenReadoutTests {
    static func config(slidingLastLayer: Bool = false) -> Qwen3Config {
        var c = RestrictedVocabularyClassifierTests.tinyConfig()
        c.numHiddenLayers = 3
        if slidingLastLayer {
            c.useSlidingWindow = true
            c.slidingWindow = 2
            c.layerTypes = ["full_attention", "full_attention", "sliding_attention"]
        }
        return c
    }

    /// The full path's reading: every position through every layer, then each row's last real token.
    static func fullPath(_ model: Qwen3ForCausalLM, _ x: Tensor, mask: Tensor?, positions: Tensor?) -> Tensor {
        Qwen3ForCausalLM.lastTokenStates(model.model(inputEmbeddings: x, attentionMask: mask, positionIDs: positions),
                                         attentionMask: mask)
    }

    /// Right padding (stage 3's prompts), left padding with per-row positions (`generate`'s), no mask, and a row
    /// without real tokens.
    static let masks: [(name: String, mask: Tensor?, perRowPositions: Bool)] = [
        ("right padding", Tensor(shape: [3, 5], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0]), false),
        ("left padding", Tensor(shape: [3, 5], scalars: [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1]), true),
        ("no mask", nil, false),
        ("empty row", Tensor(shape: [3, 5], scalars: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), false),
    ]

    @Test(arguments: [false, true]) func forwardMatchesTheFullPath(slidingLastLayer: Bool) {
        var rng = RandomGenerator(seed: 21)
        let model = Qwen3ForCausalLM(config: Self.config(slidingLastLayer: slidingLastLayer), initialization: .random(seed: 3))
        let x = Tensor.randomNormal([3, 5, 32], using: &rng)
        for (name, mask, perRow) in Self.masks {
            let positions = perRow ? mask.map(Qwen3ForCausalLM.positionIDs(attentionMask:)) : nil
            let (readout, full) = noGrad {
                (model.lastTokenHiddenStates(inputEmbeddings: x, attentionMask: mask, positionIDs: positions),
                 Self.fullPath(model, x, mask: mask, positions: positions))
            }
            #expect(readout.shape == [3, 32], "\(name)")
            #expect(maxScaledError(readout, full) < Tolerance.forward, "\(name)")
        }
    }

    /// Gradients of a LoRA-adapted model (adapters made non-zero) with respect to the input embeddings and every
    /// adapter weight, on right-padded rows.
    @Test func gradientsMatchTheFullPath() throws {
        var rng = RandomGenerator(seed: 22)
        let model = Qwen3ForCausalLM(config: Self.config(), initialization: .random(seed: 4))
        _ = try LoRA.apply(to: model, LoRA.Configuration(rank: 4, alpha: 8, targets: Qwen3ForCausalLM.loraTargets), using: &rng)
        let adapters = model.namedParameters().filter { !$0.parameter.isFrozen }
        #expect(adapters.count == 3 * 7 * 2)
        for entry in adapters { entry.parameter.value = Tensor.randomNormal(entry.parameter.shape, std: 0.1, using: &rng) }
        let x = Tensor.randomNormal([3, 5, 32], using: &rng)
        let mask = Self.masks[0].mask
        let probe = probeWeights([3, 32])

        func gradients(_ readout: (Tensor) -> Tensor) -> [Tensor] {
            model.zeroGrad()
            let leaf = x.detached().requiringGrad()
            (readout(leaf) * probe).sum().backward()
            return [leaf.grad!] + adapters.map { $0.parameter.value.grad! }
        }
        let fast = gradients { model.lastTokenHiddenStates(inputEmbeddings: $0, attentionMask: mask) }
        let full = gradients { Self.fullPath(model, $0, mask: mask, positions: nil) }
        for (i, (a, b)) in zip(fast, full).enumerated() {
            #expect(maxNormwiseRelativeError(a, b) < Tolerance.gradient,
                    "\(i == 0 ? "input embeddings" : adapters[i - 1].key)")
        }
    }
}
