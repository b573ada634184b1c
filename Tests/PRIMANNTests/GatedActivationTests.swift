import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

/// The fused gated unit (`ActivationFunction.gatedHalves`, ModernBERT's GeGLU) against the same function
/// spelled out with `chunked`, the activation and a product: values and the gradient of the packed input.
/// ModernBERT's parity tests check the whole MLP against `transformers`.
@Suite struct GatedActivationTests {
    @Test(arguments: ActivationFunction.allCases)
    func fusedMatchesSpelledOut(_ activation: ActivationFunction) {
        var rng = RandomGenerator(seed: 7)
        let shape = [3, 5, 2 * 37]
        let x = (Tensor.randomNormal(shape, using: &rng) * 2).detached().requiringGrad()
        let seed = Tensor.randomNormal([3, 5, 37], using: &rng)

        let fused = activation.gatedHalves(x)
        fused.backward(seed)
        let fusedGradient = x.grad!
        x.zeroGrad()

        let halves = x.chunked(2, axis: -1)
        let reference = activation(halves[0]) * halves[1]
        reference.backward(seed)

        #expect(fused.shape == [3, 5, 37])
        #expect(maxScaledError(fused, reference) <= Tolerance.forward, "\(activation) forward")
        #expect(maxRelativeError(fusedGradient, x.grad!) <= Tolerance.gradient, "\(activation) gradient")
    }

    @Test func noGradientRecordedWithoutGrad() {
        var rng = RandomGenerator(seed: 8)
        let x = Tensor.randomNormal([4, 6], using: &rng)
        #expect(!ActivationFunction.gelu.gatedHalves(x).requiresGrad)
    }
}
