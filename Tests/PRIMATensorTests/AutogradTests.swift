import Testing
import PRIMATensor
import PRIMATestSupport

@Suite struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]).requiringGrad()
        (w * w).sum().backward()
        #expect(w.grad!.scalars == [2, 4, 6, 8])
        (w * 3).sum().backward()
        #expect(w.grad!.scalars == [5, 7, 9, 11])
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func noGradRecordsNothing() {
        let w = Tensor([1, 2]).requiringGrad()
        let y = noGrad { w * 2 }
        #expect(!y.requiresGrad)
        #expect((w * 2).requiresGrad)
        #expect(!(w.detached() * 2).requiresGrad)
    }

    @Test func sharedSubexpressionGetsBothContributions() {
        let x = Tensor([0.5, -1.5, 2]).requiringGrad()
        let y = x.exp()
        (y * y + y).sum().backward()
        let e = x.scalars.map { Foundation.exp($0) }
        for (g, ei) in zip(x.grad!.scalars, e) { #expect(abs(g - (2 * ei * ei + ei)) < 1e-4 * max(1, ei * ei)) }
    }

    @Test func finiteDifferencesAgreeOnAComposite() {
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([3, 4], using: &rng)
        let b = Tensor.randomNormal([4], using: &rng)
        let f: (Tensor) -> Tensor = { t in ((t + b).tanh() * t).sum(axes: [1]).pow(2).mean() }
        let ad = autodiffGradient(of: f, at: x)
        let fd = finiteDifferenceGradient(of: f, at: x)
        #expect(maxRelativeError(ad, fd, floor: 1e-1) < Tolerance.finiteDifference)
    }

    @Test func frozenTensorsCollectNoGradient() {
        let frozen = Tensor([1, 2, 3])
        let w = Tensor([1, 1, 1]).requiringGrad()
        (frozen * w).sum().backward()
        #expect(frozen.grad == nil)
        #expect(w.grad!.scalars == [1, 2, 3])
    }

    @Test func seedGradientForANonScalarOutput() {
        let x = Tensor(shape: [2, 2], scalars: [1, -2, 3, 0.5]).requiringGrad()
        let seed = Tensor(shape: [2, 2], scalars: [1, 2, -1, 4])
        (x * x).backward(seed)
        #expect(x.grad!.scalars == [2, -8, -6, 4])
    }

    @Test func detachedValuesStopTheGradient() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        let y = x * x.detached()   // only the first factor is differentiated
        y.sum().backward()
        #expect(x.grad!.scalars == [1, 2, 3])
        #expect(x.detached().storage === x.storage)
        #expect(!x.requiringGrad(false).requiresGrad)
    }

    @Test func withGradReenablesRecordingInsideNoGrad() {
        let w = Tensor([1, 2]).requiringGrad()
        let (outside, inside) = noGrad { (w * 2, withGrad { w * 2 }) }
        #expect(!outside.requiresGrad)
        #expect(inside.requiresGrad)
        #expect(GradMode.isEnabled)
    }

    @Test func leafUsedInSeveralPlacesAccumulatesEveryPath() {
        let x = Tensor([2, -1]).requiringGrad()
        let a = x * 3, b = x * x, c = a * b   // c = 3 x^3
        (c + x).sum().backward()            // d/dx = 9 x^2 + 1
        #expect(x.grad!.scalars == [37, 10])
    }

    @Test func deepChainBackpropagatesWithoutExhaustingTheStack() {
        let x = Tensor([1, 2]).requiringGrad()
        var y = x
        for _ in 0..<10_000 { y = y * 1.0001 + 0.0 }
        y.sum().backward()
        let expected = Float(Foundation.pow(1.0001, 10_000.0))
        for g in x.grad!.scalars { #expect(Swift.abs(g - expected) <= 1e-3 * expected) }
    }

    @Test func droppingADeepUnusedGraphDoesNotExhaustTheStack() {
        let x = Tensor([1]).requiringGrad()
        var y = x
        for _ in 0..<200_000 { y = y + 1 }
        #expect(y.item == 200_001)
        y = Tensor(0)   // releases the 200k-node chain
        #expect(!y.requiresGrad)
    }

    @Test func savedActivationsAreReleasedByBackward() {
        weak var saved: TensorStorage?
        let x = Tensor([0.5, 1, 1.5]).requiringGrad()
        var loss: Tensor
        do {
            let hidden = (x * 2).exp()      // exp saves its output for the backward pass
            saved = hidden.storage
            loss = (hidden * hidden).sum()
        }
        #expect(saved != nil, "the tape keeps the activation until backward")
        loss.backward()
        #expect(saved == nil, "backward frees the activation")
        #expect(x.grad != nil)
        loss = Tensor(0)
    }

    @Test func opsWithoutDifferentiableInputsAreNotRecorded() {
        let a = Tensor([1, 2]), b = Tensor([3, 4])
        #expect(!(a + b).requiresGrad)
        #expect(!Tensor.matmul(a.reshaped([1, 2]), b.reshaped([2, 1])).requiresGrad)
        #expect(!a.sum().requiresGrad)
    }
}

import Foundation
