import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

@Suite struct RotaryEmbeddingTests {
    static let fixtures = try! FixtureFile.load("rotary_embedding", in: .module)

    @Test(arguments: ["shared_positions", "per_batch_positions"])
    func tablesMatchTransformers(_ name: String) {
        let c = Self.fixtures.named(name)
        let inverse = Tensor.rotaryInverseFrequencies(headDim: c.param("headDim").int, theta: c.param("theta").float)
        #expect(maxScaledError(Tensor(inverse), c.output("inverseFrequencies")) < Tolerance.forward)
        let (cos, sin) = Tensor.rotaryEmbedding(positions: c.input("positions"), headDim: c.param("headDim").int,
                                                theta: c.param("theta").float)
        #expect(maxScaledError(cos, c.output("cos")) < Tolerance.forward)
        #expect(maxScaledError(sin, c.output("sin")) < Tolerance.forward)
    }

    @Test(arguments: ["shared_positions", "per_batch_positions"])
    func rotationMatchesTransformers(_ name: String) {
        let c = Self.fixtures.named(name)
        let x = c.input("x").requiringGrad()
        // HF's [B, L, D] tables, broadcast over heads as [B, 1, L, D].
        let out = x.applyingRotaryEmbedding(cos: c.output("cos").unsqueezed(1), sin: c.output("sin").unsqueezed(1))
        #expect(maxScaledError(out, c.output()) < Tolerance.forward)
        (out * c.input("probe")).sum().backward()
        #expect(maxRelativeError(x.grad!, c.grad("x")) < Tolerance.gradient)
    }

    @Test func sequenceTablesBroadcastOverBatchAndHeads() {
        // Both batch rows of this case use positions 0..<5, so one [L, D] table serves the whole batch.
        let c = Self.fixtures.named("shared_positions")
        let (cos, sin) = Tensor.rotaryEmbedding(positions: Tensor([0, 1, 2, 3, 4]), headDim: 8, theta: 10_000)
        #expect(cos.shape == [5, 8])
        let out = c.input("x").applyingRotaryEmbedding(cos: cos, sin: sin)
        #expect(maxScaledError(out, c.output()) < Tolerance.forward)
    }

    @Test func anglesDriveBothHalves() {
        let (cos, sin) = Tensor.rotaryEmbedding(angles: Tensor(shape: [1, 2], scalars: [0.5, -1.25]))
        #expect(cos.shape == [1, 4])
        let expectedCos = Tensor(shape: [1, 4], scalars: [0.5, -1.25, 0.5, -1.25].map { Float(Foundation.cos(Double($0))) })
        let expectedSin = Tensor(shape: [1, 4], scalars: [0.5, -1.25, 0.5, -1.25].map { Float(Foundation.sin(Double($0))) })
        #expect(maxScaledError(cos, expectedCos) < Tolerance.transcendental)
        #expect(maxScaledError(sin, expectedSin) < Tolerance.transcendental)
    }

    @Test func gradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 9)
        let x = Tensor.randomNormal([2, 2, 3, 6], using: &rng)
        let (cos, sin) = Tensor.rotaryEmbedding(positions: Tensor([2, 5, 11]), headDim: 6, theta: 100)
        let probe = probeWeights([2, 2, 3, 6])
        let f: (Tensor) -> Tensor = { ($0.applyingRotaryEmbedding(cos: cos, sin: sin) * probe).sum() }
        let ad = autodiffGradient(of: f, at: x), fd = finiteDifferenceGradient(of: f, at: x)
        #expect(maxRelativeError(ad, fd, floor: 1e-1) < Tolerance.finiteDifference)
    }
}
