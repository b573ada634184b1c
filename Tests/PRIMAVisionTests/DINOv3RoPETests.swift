import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAVision

/// The 2-D rotary embedding against transformers' DINOv3ViTRopePositionEmbedding, the training-mode
/// behaviours (RoPE augmentation, stochastic depth, attention dropout), and the fused layer kernels.
@Suite("DINOv3 RoPE, training mode and kernels")
struct DINOv3RoPETests {
    @Test("Cos/sin tables match transformers for square and non-square grids", arguments: ["square", "wide", "vits16_grid"])
    func tables(_ name: String) throws {
        let fixture = try FixtureFile.load("dinov3_rope", in: .module).named("rope_" + name)
        let coordinates = DINOv3RotaryEmbedding.patchCoordinates(height: fixture.param("gridHeight").int,
                                                                 width: fixture.param("gridWidth").int)
        let tables = DINOv3RotaryEmbedding.tables(coordinates: coordinates, headDim: fixture.param("headDim").int,
                                                  theta: fixture.param("theta").float)
        #expect(maxAbsoluteError(tables.cos, fixture.output("cos")) <= Tolerance.forward)
        #expect(maxAbsoluteError(tables.sin, fixture.output("sin")) <= Tolerance.forward)
    }

    @Test("Coordinates and their training-mode augmentation match transformers for given draws")
    func augmentation() throws {
        let fixture = try FixtureFile.load("dinov3_rope", in: .module).named("augment")
        let coordinates = DINOv3RotaryEmbedding.patchCoordinates(height: 3, width: 4)
        #expect(maxAbsoluteError(coordinates, fixture.output("coordinates")) == 0)
        let (shift, jitter) = (fixture.input("shift").scalars, fixture.input("logJitter").scalars)
        let augmented = DINOv3RotaryEmbedding.augment(coordinates, shift: (shift[0], shift[1]), logJitter: (jitter[0], jitter[1]),
                                                      logRescale: fixture.input("logRescale").scalars[0])
        #expect(maxAbsoluteError(augmented, fixture.output("augmented")) <= Tolerance.forward)
    }

    @Test("Evaluation is deterministic; training mode augments RoPE unless switched off")
    func trainingRoPE() throws {
        var rng = RandomGenerator(seed: 4)
        let model = DINOv3Model(config: DINOv3Fixtures.tinyConfig(), using: &rng)
        let pixels = DINOv3Fixtures.pixels(1, 8, 12)
        model.eval()
        let reference = noGrad { model(pixels).lastHiddenState.scalars }
        #expect(noGrad { model(pixels).lastHiddenState.scalars } == reference)
        model.train()
        let first = noGrad { model(pixels).lastHiddenState.scalars }, second = noGrad { model(pixels).lastHiddenState.scalars }
        #expect(first != reference && second != first)
        model.augmentsPositionsInTraining = false
        #expect(noGrad { model(pixels).lastHiddenState.scalars } == reference)
    }

    @Test("Stochastic depth and attention dropout act in training mode only")
    func trainingDropout() throws {
        var config = DINOv3Fixtures.tinyConfig(gated: true, registers: 0)
        config.posEmbedRescale = nil
        var rng = RandomGenerator(seed: 5)
        let plain = DINOv3Model(config: config, using: &rng)
        let pixels = DINOv3Fixtures.pixels(4, 8, 8)
        let reference = noGrad { plain(pixels).lastHiddenState }
        for change in [{ (c: inout DINOv3Config) in c.dropPathRate = 0.5 }, { (c: inout DINOv3Config) in c.attentionDropout = 0.5 }] {
            var varied = config
            change(&varied)
            let model = DINOv3Model(config: varied, using: &rng)
            try model.loadStateDict(plain.stateDict())
            #expect(noGrad { model(pixels).lastHiddenState.scalars } != reference.scalars)
            model.eval()
            #expect(noGrad { model(pixels).lastHiddenState.scalars } == reference.scalars)
        }
        // The explicit attention used for dropout equals the fused kernel when (almost) nothing is dropped.
        config.attentionDropout = 1e-7
        let explicit = DINOv3Model(config: config, using: &rng)
        try explicit.loadStateDict(plain.stateDict())
        #expect(maxAbsoluteError(noGrad { explicit(pixels).lastHiddenState }, reference) <= Tolerance.forward)
    }

    // MARK: Kernels

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randomNormal(shape, using: &rng)
    }

    static let rotary: RotaryTables = {
        let tables = DINOv3RotaryEmbedding.tables(coordinates: DINOv3RotaryEmbedding.patchCoordinates(height: 2, width: 2),
                                                  headDim: 8, theta: 100)
        return RotaryTables(cos: tables.cos, sin: tables.sin, prefix: 2)
    }()

    @Test("Splitting heads with RoPE equals reshape, permute and rotate_half on the patch rows")
    func splitHeadsForward() {
        let x = Self.random([2, 6, 16], seed: 1)
        let heads = x.reshaped([2, 6, 2, 8]).permuted([0, 2, 1, 3])
        let prefix = heads.narrowed(axis: 2, start: 0, length: 2)
        let patches = heads.narrowed(axis: 2, start: 2, length: 4).applyingRotaryEmbedding(cos: Self.rotary.cos, sin: Self.rotary.sin)
        let expected = Tensor.concat([prefix, patches], axis: 2)
        #expect(maxAbsoluteError(DINOv3Kernels.splitHeads(x, heads: 2, rotary: Self.rotary), expected) <= 1e-6)
        #expect(DINOv3Kernels.mergeHeads(DINOv3Kernels.splitHeads(x, heads: 2, rotary: nil)).scalars == x.scalars)
    }

    /// Central differences of a function that is linear in its argument are exact for any step; a step of 1
    /// keeps float32 cancellation in the difference of two large sums small.
    static func finiteDifferences(of f: (Tensor) -> Tensor, at x: Tensor) -> Tensor {
        finiteDifferenceGradient(of: f, at: x, step: 1)
    }

    @Test("Fused kernels' gradients match finite differences (each kernel is linear in each input)")
    func kernelGradients() {
        let x = Self.random([2, 6, 16], seed: 2), probe = Self.random([2, 2, 6, 8], seed: 3)
        let split = { (t: Tensor) in (DINOv3Kernels.splitHeads(t, heads: 2, rotary: Self.rotary) * probe).sum() }
        #expect(maxRelativeError(autodiffGradient(of: split, at: x), Self.finiteDifferences(of: split, at: x)) <= Tolerance.finiteDifference)

        let merge = { (t: Tensor) in (DINOv3Kernels.mergeHeads(t) * x).sum() }
        #expect(maxRelativeError(autodiffGradient(of: merge, at: probe), Self.finiteDifferences(of: merge, at: probe)) <= Tolerance.finiteDifference)

        let residual = Self.random([2, 6, 16], seed: 4), scale = Self.random([16], seed: 5), weights = Self.random([2, 6, 16], seed: 6)
        let lossOf = { (r: Tensor, b: Tensor, s: Tensor) in (DINOv3Kernels.scaledResidual(r, b, scale: s) * weights).sum() }
        for which in 0..<3 {
            let f = { (t: Tensor) in
                lossOf(which == 0 ? t : residual, which == 1 ? t : x, which == 2 ? t : scale)
            }
            let at = [residual, x, scale][which]
            #expect(maxRelativeError(autodiffGradient(of: f, at: at), Self.finiteDifferences(of: f, at: at)) <= Tolerance.finiteDifference)
        }
        let fused = DINOv3Kernels.scaledResidual(residual, x, scale: scale)
        #expect(maxAbsoluteError(fused, residual + x * scale) <= 1e-6)
    }

    @Test("The fused gated activation equals act(gate) · up, values and gradients",
          arguments: [ActivationFunction.silu, .gelu, .geluTanh, .relu])
    func gatedActivation(_ activation: ActivationFunction) {
        // 3 × 2000 elements: more than one 4096-element block, the last one partial.
        let gate = Self.random([3, 2000], seed: 7) * 3, up = Self.random([3, 2000], seed: 8), weights = Self.random([3, 2000], seed: 9)
        let fused = { (g: Tensor, u: Tensor) in DINOv3Kernels.gatedActivation(g, u, activation) }
        let composed = { (g: Tensor, u: Tensor) in activation(g) * u }
        #expect(maxScaledError(noGrad { fused(gate, up) }, noGrad { composed(gate, up) }) <= Tolerance.forward)
        for which in 0..<2 {
            let at = which == 0 ? gate : up
            let fusedLoss = { (t: Tensor) in (fused(which == 0 ? t : gate, which == 1 ? t : up) * weights).sum() }
            let composedLoss = { (t: Tensor) in (composed(which == 0 ? t : gate, which == 1 ? t : up) * weights).sum() }
            #expect(maxRelativeError(autodiffGradient(of: fusedLoss, at: at), autodiffGradient(of: composedLoss, at: at))
                    <= Tolerance.gradient)
        }
    }
}
