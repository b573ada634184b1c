import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// `Module.storeFrozenWeights(as:)`: which parameters go to bfloat16, LoRA training through them, and
/// checkpoints that load into them without widening.
@Suite struct FrozenWeightPrecisionTests {
    static func loraModel(seed: UInt64 = 1) throws -> TinyModel {
        var rng = RandomGenerator(seed: seed)
        let model = TinyModel(using: &rng)
        try LoRA.apply(to: model, .init(rank: 2, alpha: 4, targets: ["q_proj", "v_proj"]), using: &rng)
        // Non-zero B so the adapters change the output and receive input-dependent gradients.
        for (_, adapter) in LoRA.adapters(in: model) { adapter.up.weight.value = Tensor.randomNormal(adapter.up.weight.shape, using: &rng) }
        model.eval()
        return model
    }

    /// Runs both models forward and backward on the same ids and probe; the outputs' scaled difference.
    static func outputDifferenceAfterBackward(_ a: TinyModel, _ b: TinyModel) -> Float {
        let ids = Tensor(shape: [2, 3], scalars: [1, 4, 2, 7, 0, 9])
        let probe = probeWeights([2, 3, 3])
        let outputs = [a, b].map { model -> Tensor in
            let out = model(ids)
            (out * probe).sum().backward()
            return out
        }
        return maxScaledError(outputs[0], outputs[1])
    }

    @Test func onlyFrozenLinearWeightsChangeStorage() throws {
        let model = try Self.loraModel()
        let before = model.parameterByteCount
        let changed = model.storeFrozenWeights(as: .bfloat16)
        let bf16 = model.namedParameters().filter { $0.parameter.precision == .bfloat16 }.map(\.key)
        // 3 Linears per block (q, v, o) + 2 MLP layers per block, 2 blocks, + 2 head layers.
        #expect(changed == 12 && bf16.count == 12)
        #expect(bf16.allSatisfy { $0.hasSuffix(".weight") && !$0.contains("lora_") && !$0.contains("norm") && !$0.contains("embed") })
        for (_, p) in model.namedParameters() where p.precision == .bfloat16 { #expect(p.isFrozen) }
        let bf16Values = model.namedParameters().filter { $0.parameter.precision == .bfloat16 }.reduce(0) { $0 + $1.parameter.count }
        #expect(model.parameterByteCount == before - 2 * bf16Values)
        #expect(model.storeFrozenWeights(as: .bfloat16) == 0)   // already stored
        #expect(model.storeFrozenWeights(as: .float32) == 12)
        #expect(model.parameterByteCount == before)
    }

    /// The bfloat16 mode computes exactly what the Float32 model computes with its frozen Linear weights
    /// rounded to bfloat16: outputs, LoRA gradients and one AdamW step.
    @Test func loraTrainingMatchesTheRoundedFloat32Model() throws {
        let mixed = try Self.loraModel(), reference = try Self.loraModel()
        mixed.storeFrozenWeights(as: .bfloat16)
        for ((key, p), (_, q)) in zip(mixed.namedParameters(), reference.namedParameters()) where p.precision == .bfloat16 {
            q.value = q.value.roundedToBFloat16()
            #expect(p.value.scalars == q.value.scalars, "\(key)")
        }
        let ids = Tensor(shape: [2, 3], scalars: [1, 4, 2, 7, 0, 9])
        let probe = probeWeights([2, 3, 3])
        var outputs: [Tensor] = []
        for model in [mixed, reference] {
            let out = model(ids)
            (out * probe).sum().backward()
            outputs.append(out)
            AdamW(model, learningRate: 0.1).step()
        }
        #expect(maxScaledError(outputs[0], outputs[1]) <= Tolerance.forward)
        var compared = 0
        for ((key, p), (_, q)) in zip(mixed.namedParameters(), reference.namedParameters()) where !p.isFrozen {
            #expect(maxRelativeError(try #require(p.grad), try #require(q.grad)) <= Tolerance.gradient, "\(key)")
            #expect(maxScaledError(p.value, q.value) <= Tolerance.forward, "\(key) after one step")
            compared += 1
        }
        #expect(compared == 8)   // lora_A and lora_B of four adapted layers
    }

    /// The speed switch reaches every bf16 Linear (and only those), and changes what they compute by the
    /// activations' rounding only: LoRA training still runs, close to the Float32-activation mode.
    @Test func bf16ProductsAreSetOnTheBFloat16Linears() throws {
        let fast = try Self.loraModel(), exact = try Self.loraModel()
        #expect(fast.storeFrozenWeights(as: .bfloat16, products: .bfloat16) == 12)
        exact.storeFrozenWeights(as: .bfloat16)
        let linears = fast.namedModules().compactMap { $0.module as? Linear }
        #expect(linears.filter { $0.bfloat16Products == .bfloat16 }.count == 12)
        #expect(linears.allSatisfy { ($0.bfloat16Products == .bfloat16) == ($0.weight.precision == .bfloat16) })
        #expect(fast.storeFrozenWeights(as: .bfloat16, products: .float32) == 0)   // switching back stores nothing anew
        #expect(linears.allSatisfy { $0.bfloat16Products == .float32 })
        fast.storeFrozenWeights(as: .bfloat16, products: .bfloat16)

        let difference = Self.outputDifferenceAfterBackward(fast, exact)
        #expect(difference > 0 && difference <= Tolerance.bfloat16Weights)
        for ((key, p), (_, q)) in zip(fast.namedParameters(), exact.namedParameters()) where !p.isFrozen {
            #expect(maxNormwiseRelativeError(try #require(p.grad), try #require(q.grad)) <= Tolerance.bfloat16Weights, "\(key)")
        }
    }

    /// The autocast-like switch reaches every Linear, the adapters' and trainable ones included, and
    /// composes with bf16 storage: gradients of every trainable parameter stay close to the Float32 run's.
    @Test func linearProductsSwitchReachesEveryLinear() throws {
        let fast = try Self.loraModel(), exact = try Self.loraModel()
        let linears = fast.namedModules().compactMap { $0.module as? Linear }
        #expect(fast.computeLinearProducts(in: .bfloat16) == linears.count)
        #expect(linears.count == 12 + 2 * 4 && linears.allSatisfy { $0.bfloat16Products == .bfloat16 })
        // Storage only: the products setting stays. Both runs store the frozen weights in bf16, so they differ
        // by the products' rounding alone.
        fast.storeFrozenWeights(as: .bfloat16)
        exact.storeFrozenWeights(as: .bfloat16)
        #expect(linears.allSatisfy { $0.bfloat16Products == .bfloat16 })
        // Unfreeze a head layer so a trainable Float32 weight takes part too.
        for model in [fast, exact] {
            for (key, p) in model.namedParameters() where key.hasPrefix("head.") { p.isFrozen = false }
        }

        let difference = Self.outputDifferenceAfterBackward(fast, exact)
        #expect(difference > 0 && difference <= Tolerance.bfloat16Weights)
        // Products over 4 features do not average rounding errors out as a model's do (the adapters' gradients
        // here differ by up to 2 % normwise, cosine 0.99997; the model fixtures check precision against
        // PyTorch): this asserts that every trainable parameter's gradient keeps its direction.
        var compared = 0
        for ((key, p), (_, q)) in zip(fast.namedParameters(), exact.namedParameters()) where !p.isFrozen {
            let (a, b) = (try #require(p.grad).scalars, try #require(q.grad).scalars)
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let cosine = dot / (a.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() * b.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot())
            #expect(cosine >= 0.9999, "\(key): cosine \(cosine)")
            compared += 1
        }
        #expect(compared > 8)
        #expect(fast.computeLinearProducts(in: .float32) == linears.count && linears.allSatisfy { $0.bfloat16Products == .float32 })
    }

    @Test func unfreezingWidensBackToFloat32() throws {
        let model = try Self.loraModel()
        model.storeFrozenWeights(as: .bfloat16)
        let weight = model.layers[0].selfAttention.o_proj.weight
        let stored = weight.value.scalars
        weight.isFrozen = false
        #expect(weight.precision == .float32 && weight.value.requiresGrad && weight.value.scalars == stored)
    }

    @Test func mergingAnAdapterIntoABFloat16WeightRoundsTheSum() throws {
        let model = try Self.loraModel()
        model.storeFrozenWeights(as: .bfloat16)
        let layer = model.layers[0].selfAttention.query
        let expected = (layer.weight.value + layer.lora!.delta()).roundedToBFloat16()
        LoRA.merge(in: model)
        #expect(layer.weight.precision == .bfloat16)
        #expect(layer.weight.value.scalars == expected.scalars)
    }

    @Test func bf16CheckpointsLoadWithoutWideningAndF32OnesAreRounded() throws {
        let source = try Self.loraModel(seed: 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bf16-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        for dtype in [SafeTensorsDType.bf16, .f32] {
            try source.saveWeights(to: url, dtype: dtype)
            let target = try Self.loraModel(seed: 3)
            target.storeFrozenWeights(as: .bfloat16)
            try target.loadWeights(from: url)
            let file = try SafeTensorsFile(contentsOf: url)
            for (key, p) in target.namedParameters() {
                if let stored = p.bfloat16Value {
                    #expect(stored.bits == (try file.tensor(key)).bfloat16Bits(), "\(key) (\(dtype))")
                } else {
                    #expect(p.value.scalars == (try file.tensor(key)).scalars, "\(key) (\(dtype))")
                }
            }
            #expect(target.namedParameters().filter { $0.parameter.precision == .bfloat16 }.count == 12)
        }
        // Errors still name the file and the keys, and nothing changes.
        let wrong = try Self.loraModel(seed: 4)
        try wrong.saveWeights(to: url)
        var rng = RandomGenerator(seed: 5)
        let other = Linear(3, 3, using: &rng)
        other.freeze()
        other.storeFrozenWeights(as: .bfloat16)
        let bits = other.weight.bfloat16Value!.bits
        #expect { try other.loadWeights(from: url) } throws: { "\($0)".contains(url.path) && "\($0)".contains("missing keys") }
        #expect(other.weight.bfloat16Value!.bits == bits)
    }
}
