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

    /// A frozen weight needs no input for backward (dX = g·W): the op must not keep the activation alive.
    @Test func frozenWeightSavesNoInput() {
        weak var savedInput: TensorStorage?
        let x = Tensor([0.5, -1, 2, 0.25, 1.5, -0.75]).requiringGrad()
        let frozen = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0.5, 2])
        var loss: Tensor
        do {
            let hidden = (x * 2).reshaped([2, 3])   // an activation that only the linear op could keep
            savedInput = hidden.storage
            loss = Tensor.linear(hidden, weight: frozen).sum()
        }
        #expect(savedInput == nil, "a frozen weight's linear op keeps its input")
        loss.backward()
        // d/dx of sum(2x · Wᵀ): 2 · column sums of W, repeated per row.
        #expect(x.grad!.scalars == [0, 5, 10, 0, 5, 10])
        loss = Tensor(0)
    }

    /// With only the weight trainable (a frozen encoder's head), the saved input still gives the weight's gradient.
    @Test func inputWithoutGradientStillGivesWeightGradient() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let w = Tensor(shape: [1, 3], scalars: [1, 1, 1]).requiringGrad()
        Tensor.linear(x, weight: w).sum().backward()
        #expect(w.grad!.scalars == [5, 7, 9])
    }
}
