import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// `withLinearProducts(_:_:)`: the autocast-like scope overrides every Linear's own setting, in the scope's task and
/// in the branches it starts, and a backward pass keeps what its forward pass chose.
@Suite struct LinearProductsScopeTests {
    private func layerAndInput() -> (Linear, Tensor) {
        var rng = RandomGenerator(seed: 7)
        let layer = Linear(48, 40, using: &rng)
        return (layer, Tensor.randomNormal([24, 48], using: &rng))
    }

    @Test func scopeOverridesTheLayersSetting() {
        let (layer, x) = layerAndInput()
        let exact = noGrad { layer(x) }
        layer.bfloat16Products = .bfloat16
        let rounded = noGrad { layer(x) }
        #expect(rounded.scalars != exact.scalars)
        #expect(maxNormwiseRelativeError(rounded, exact) <= Tolerance.bfloat16Weights)

        layer.bfloat16Products = .float32
        #expect(layer.productsInEffect == .float32)
        withLinearProducts(.bfloat16) {
            #expect(layer.productsInEffect == .bfloat16)
            #expect(noGrad { layer(x) }.scalars == rounded.scalars)
        }
        layer.bfloat16Products = .bfloat16
        withLinearProducts(.float32) { #expect(noGrad { layer(x) }.scalars == exact.scalars) }
        #expect(LinearProductsScope.current == nil)
    }

    /// The two branches of `Parallel.branches` (the stage-2 step's two views) see the caller's scope.
    @Test func scopeHoldsInParallelBranches() {
        let (layer, x) = layerAndInput()
        let rounded = withLinearProducts(.bfloat16) { noGrad { layer(x) } }
        let outputs = withLinearProducts(.bfloat16) { Parallel.branches(2) { _ in noGrad { layer(x) }.scalars } }
        #expect(outputs.allSatisfy { $0 == rounded.scalars })
    }

    /// The weight gradient of a trainable layer: computed as the forward pass chose, even when backward runs
    /// outside the scope.
    @Test func backwardFollowsTheForwardPassesChoice() {
        let (layer, x) = layerAndInput()
        var rng = RandomGenerator(seed: 3)
        let probe = Tensor.randomNormal([24, 40], using: &rng)
        func weightGradient(_ body: () -> Tensor) -> [Float] {
            layer.zeroGrad()
            let loss = body()
            loss.backward()
            return layer.weight.grad!.scalars
        }
        let exact = weightGradient { (layer(x) * probe).sum() }
        let insideOnly = weightGradient { withLinearProducts(.bfloat16) { (layer(x) * probe).sum() } }
        layer.bfloat16Products = .bfloat16
        let setting = weightGradient { (layer(x) * probe).sum() }
        #expect(insideOnly == setting && insideOnly != exact)
    }
}
