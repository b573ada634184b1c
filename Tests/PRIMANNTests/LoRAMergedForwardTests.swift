import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

/// An adapted Linear with many input rows runs through the merged weight; its outputs and gradients must be
/// those of the base layer plus the adapter computed apart (PEFT's formula).
@Suite struct LoRAMergedForwardTests {
    static func adaptedLayer(dropout: Float = 0) throws -> Linear {
        var rng = RandomGenerator(seed: 31)
        let layer = Linear(12, 10, using: &rng)
        let holder = Sequential([layer])
        try LoRA.apply(to: holder, .init(rank: 3, alpha: 6, dropout: dropout, targets: ["0"]), using: &rng)
        layer.lora!.up.weight.value = Tensor.randomNormal([10, 3], using: &rng)
        return layer
    }

    @Test func mergedPathMatchesTheSeparateAdapter() throws {
        let layer = try Self.adaptedLayer()
        var rng = RandomGenerator(seed: 32)
        let rows = 40
        #expect(Tensor.mergedLowRankIsCheaper(rows: rows, inFeatures: 12, outFeatures: 10))
        let input = Tensor.randomNormal([4, rows / 4, 12], using: &rng)
        let probe = probeWeights([4, rows / 4, 10])
        let lora = layer.lora!, parameters = [lora.down.weight, lora.up.weight]

        let x1 = input.requiringGrad()
        (layer(x1) * probe).sum().backward()
        let merged = (x1.grad!, parameters.map { $0.grad! })
        let out1 = noGrad { layer(input) }
        parameters.forEach { $0.zeroGrad() }

        let x2 = input.requiringGrad()
        ((layer.baseForward(x2) + lora(x2)) * probe).sum().backward()
        let out2 = noGrad { layer.baseForward(input) + lora(input) }
        #expect(maxScaledError(out1, out2) < Tolerance.forward)
        #expect(maxRelativeError(merged.0, x2.grad!) < Tolerance.gradient)
        for (a, b) in zip(merged.1, parameters.map { $0.grad! }) { #expect(maxRelativeError(a, b) < Tolerance.gradient) }
        #expect(layer.weight.grad == nil && layer.bias?.grad == nil)
    }

    /// Dropout on the adapter's input in training mode cannot go through the merged weight: the layer must
    /// fall back to the separate adapter, whose masks differ from call to call.
    @Test func dropoutInTrainingKeepsTheSeparatePath() throws {
        let layer = try Self.adaptedLayer(dropout: 0.5)
        layer.train()
        var rng = RandomGenerator(seed: 33)
        let input = Tensor.randomNormal([40, 12], using: &rng)
        let withDropout = noGrad { layer(input) }
        layer.eval()
        let evaluated = noGrad { layer(input) }
        #expect(maxScaledError(withDropout, evaluated) > 1e-3)
        #expect(maxScaledError(evaluated, noGrad { layer.baseForward(input) + layer.lora!(input) }) < Tolerance.forward)
    }
}
