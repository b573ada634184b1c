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
}

import Foundation
