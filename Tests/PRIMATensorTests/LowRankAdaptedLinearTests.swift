import Testing
import PRIMATensor
import PRIMATestSupport

/// `Tensor.lowRankAdaptedLinear` (LoRA through the merged weight) against its composition from `linear`, `*`
/// and `+` (each checked against PyTorch elsewhere), and against finite differences.
@Suite struct LowRankAdaptedLinearTests {
    /// `linear(x, W, b) + linear(linear(x, A), B) · s`, the adapter as PEFT computes it.
    static func composed(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ a: Tensor, _ up: Tensor, _ s: Float) -> Tensor {
        Tensor.linear(x, weight: w, bias: b) + Tensor.linear(Tensor.linear(x, weight: a), weight: up) * s
    }

    @Test(arguments: [true, false])
    func matchesTheComposedAdapter(trainableBase: Bool) {
        var rng = RandomGenerator(seed: 21)
        let x = Tensor.randomNormal([3, 7, 6], using: &rng)
        let w = Tensor.randomNormal([5, 6], using: &rng), bias = Tensor.randomNormal([5], using: &rng)
        let a = Tensor.randomNormal([2, 6], using: &rng), up = Tensor.randomNormal([5, 2], using: &rng)
        let probe = probeWeights([3, 7, 5])
        let scaling: Float = 1.5
        func leaves() -> [Tensor] {
            [x.requiringGrad(), w.requiringGrad(trainableBase), bias.requiringGrad(), a.requiringGrad(), up.requiringGrad()]
        }
        let f = leaves(), r = leaves()
        let fused = (Tensor.lowRankAdaptedLinear(f[0], weight: f[1], bias: f[2], down: f[3], up: f[4], scaling: scaling) * probe).sum()
        let reference = (Self.composed(r[0], r[1], r[2], r[3], r[4], scaling) * probe).sum()
        #expect(maxScaledError(fused, reference) < Tolerance.forward)
        fused.backward()
        reference.backward()
        for (i, name) in ["input", "weight", "bias", "down", "up"].enumerated() {
            guard let expected = r[i].grad else {
                #expect(f[i].grad == nil, "\(name): gradient for a frozen operand")
                continue
            }
            #expect(maxRelativeError(f[i].grad!, expected) < Tolerance.gradient, "\(name)")
        }
        let fdDown = finiteDifferenceGradient(of: { (Tensor.lowRankAdaptedLinear(x, weight: w, bias: bias, down: $0, up: up, scaling: scaling) * probe).sum() }, at: a)
        #expect(maxRelativeError(f[3].grad!, fdDown, floor: 1e-1) < Tolerance.finiteDifference)
    }

    /// A zero up projection (a fresh adapter) leaves the base output bit for bit.
    @Test func aFreshAdapterIsExactlyTheBaseLayer() {
        var rng = RandomGenerator(seed: 22)
        let x = Tensor.randomNormal([40, 8], using: &rng), w = Tensor.randomNormal([8, 8], using: &rng)
        let a = Tensor.randomNormal([4, 8], using: &rng)
        let out = Tensor.lowRankAdaptedLinear(x, weight: w, down: a, up: Tensor.zeros([8, 4]), scaling: 2)
        #expect(out.scalars == Tensor.linear(x, weight: w).scalars)
    }

    @Test func costRule() {
        #expect(Tensor.mergedLowRankIsCheaper(rows: 3216, inFeatures: 384, outFeatures: 384))
        #expect(!Tensor.mergedLowRankIsCheaper(rows: 256, inFeatures: 1024, outFeatures: 3072))
    }
}
