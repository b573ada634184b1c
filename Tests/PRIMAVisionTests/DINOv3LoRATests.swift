import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAVision

/// LoRA on DINOv3: a frozen backbone trains only its adapters, and merged weights reproduce the adapted model.
@Suite("DINOv3 LoRA")
struct DINOv3LoRATests {
    /// A tiny model with adapters whose up projections are made non-zero, so that they change the output.
    static func adaptedModel(targets: [DINOv3LoRATarget], gated: Bool) throws -> (DINOv3Model, [String]) {
        var rng = RandomGenerator(seed: 8)
        let model = DINOv3Model(config: DINOv3Fixtures.tinyConfig(gated: gated), using: &rng)
        let keys = try model.applyLoRA(.dinov3(rank: 4, targets: targets), using: &rng)
        for (_, adapter) in LoRA.adapters(in: model) {
            adapter.up.weight.value = Tensor.randomNormal(adapter.up.weight.shape, using: &rng) * 0.1
        }
        return (model, keys)
    }

    @Test("Only adapter parameters receive gradients and change under AdamW")
    func frozenBackbone() throws {
        let (model, keys) = try Self.adaptedModel(targets: DINOv3LoRATarget.attention + DINOv3LoRATarget.mlp, gated: true)
        #expect(keys.count == 2 * 7)
        #expect(LoRA.Configuration.dinov3().rank == 32)
        let before = model.stateDict()
        let trainable = model.namedParameters().filter { !$0.parameter.isFrozen }
        #expect(trainable.allSatisfy { $0.key.contains(".lora_") } && trainable.count == 2 * keys.count)

        let pixels = DINOv3Fixtures.pixels(2, 8, 8)
        let optimizer = AdamW(parameters: trainable, learningRate: 1e-2)
        model(pixels).cls.pow(2).sum().backward()
        for (key, p) in model.namedParameters() {
            #expect((p.grad != nil) == key.contains(".lora_"), "\(key)")
        }
        optimizer.step()
        for (key, value) in model.stateDict() {
            let changed = value.scalars != before[key]!.scalars
            #expect(changed == key.contains(".lora_"), "\(key)")
        }
    }

    @Test("Merged weights reproduce the adapted outputs; unmerging restores the base", arguments: [false, true])
    func merge(gated: Bool) throws {
        let (model, _) = try Self.adaptedModel(targets: DINOv3LoRATarget.attention + [.up, .down], gated: gated)
        model.eval()
        let pixels = DINOv3Fixtures.pixels(2, 8, 12)
        let adapted = noGrad { model(pixels).lastHiddenState }
        let baseWeight = model.stateDict()["layer.0.attention.q_proj.weight"]!.scalars
        LoRA.merge(in: model)
        #expect(model.stateDict()["layer.0.attention.q_proj.weight"]!.scalars != baseWeight)
        #expect(maxAbsoluteError(noGrad { model(pixels).lastHiddenState }, adapted) <= Tolerance.forward)
        LoRA.unmerge(in: model)
        #expect(maxAbsoluteError(noGrad { model(pixels).lastHiddenState }, adapted) <= Tolerance.forward)
        #expect(maxAbsoluteError(model.stateDict()["layer.0.attention.q_proj.weight"]!, Tensor(shape: [32, 32], scalars: baseWeight)) <= 1e-6)
    }

    @Test("Targets that match no layer are refused")
    func unmatchedTargets() throws {
        var rng = RandomGenerator(seed: 9)
        let model = DINOv3Model(config: DINOv3Fixtures.tinyConfig(gated: false), using: &rng)
        #expect(throws: TensorError.self) { try model.applyLoRA(.dinov3(targets: [.gate]), using: &rng) }
    }
}
