import PRIMATensor
import PRIMATestSupport
import Testing

/// Matrix products (2-D, batched, broadcast batch, all transpose flags) against PyTorch.
@Suite struct MatMulTests {
    static let file = CoreFixtures.load("core_matmul")

    @Test func productsMatchPyTorch() {
        var worst = WorstErrors()
        #expect(Self.file.cases.count == 28)
        for c in Self.file.cases {
            let ta = c.param("transposeA").bool, tb = c.param("transposeB").bool
            let smallEnough = c.params?["finiteDifferences"]?.bool ?? true
            worst.merge(CoreFixtures.check(c, finiteDifferences: smallEnough) { [Tensor.matmul($0["a"]!, $0["b"]!, transposeA: ta, transposeB: tb)] })
        }
        worst.report("matmul")
    }

    @Test func methodFormEqualsStaticForm() {
        var rng = RandomGenerator(seed: 11)
        let a = Tensor.randomNormal([3, 4], using: &rng), b = Tensor.randomNormal([4, 2], using: &rng)
        #expect(a.matmul(b).scalars == Tensor.matmul(a, b).scalars)
    }

    @Test func emptyInnerDimensionGivesZeros() {
        let a = Tensor.zeros([2, 0]), b = Tensor.zeros([0, 3])
        let c = Tensor.matmul(a, b)
        #expect(c.shape == [2, 3])
        #expect(c.scalars == [Float](repeating: 0, count: 6))
    }

    /// Products too large for the small-matrix path still agree with a direct Double reference.
    @Test func largerProductAgreesWithADirectSum() {
        var rng = RandomGenerator(seed: 12)
        let a = Tensor.randomNormal([3, 40, 33], using: &rng), b = Tensor.randomNormal([33, 50], using: &rng)
        let c = Tensor.matmul(a, b)
        let pa = a.scalars, pb = b.scalars
        var worst: Double = 0
        for batch in 0..<3 {
            for i in 0..<40 {
                for j in 0..<50 {
                    var acc: Double = 0
                    for k in 0..<33 { acc += Double(pa[(batch * 40 + i) * 33 + k]) * Double(pb[k * 50 + j]) }
                    worst = Swift.max(worst, Swift.abs(Double(c[batch, i, j]) - acc))
                }
            }
        }
        #expect(worst < 1e-4)
    }
}
