import Testing
import PRIMATensor
import PRIMATestSupport

/// `Tensor.linear` against its composition from `matmul` and `+` (both checked against PyTorch elsewhere)
/// and against finite differences.
@Suite struct LinearOpTests {
    @Test(arguments: [true, false])
    func matchesMatmulPlusBias(withBias: Bool) {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal([2, 3, 5], using: &rng)
        let w = Tensor.randomNormal([4, 5], using: &rng)
        let b = Tensor.randomNormal([4], using: &rng)
        let probe = probeWeights([2, 3, 4])
        func loss(_ fused: Bool, _ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
            let y = fused
                ? Tensor.linear(x, weight: w, bias: withBias ? b : nil)
                : { let m = Tensor.matmul(x.reshaped([6, 5]), w, transposeB: true).reshaped([2, 3, 4]); return withBias ? m + b : m }()
            return (y * probe).sum()
        }
        let (fx, fw, fb) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
        let (rx, rw, rb) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
        let fused = loss(true, fx, fw, fb), reference = loss(false, rx, rw, rb)
        #expect(maxScaledError(fused, reference) < Tolerance.forward)
        fused.backward()
        reference.backward()
        #expect(maxRelativeError(fx.grad!, rx.grad!) < Tolerance.gradient)
        #expect(maxRelativeError(fw.grad!, rw.grad!) < Tolerance.gradient)
        if withBias { #expect(maxRelativeError(fb.grad!, rb.grad!) < Tolerance.gradient) } else { #expect(fb.grad == nil) }
        let fdW = finiteDifferenceGradient(of: { loss(true, x, $0, b) }, at: w)
        #expect(maxRelativeError(fw.grad!, fdW, floor: 1e-1) < Tolerance.finiteDifference)
    }
}
