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

    /// Single-row products (decoding one token) take BLAS's matrix-vector path; every transpose
    /// combination and a strided `a` agree with a direct Double reference, and `beta` 0 ignores old values
    /// of C (even NaN).
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func singleRowProductsAgreeWithADirectSum(transposeA: Bool, transposeB: Bool) {
        var rng = RandomGenerator(seed: 13)
        let (k, n, lda) = (70, 90, 3)
        // op(A) is [1, k]: stored [1, k] (lda = k) or, transposed, [k, lda] with the row in column 0.
        let a = Tensor.randomNormal(transposeA ? [k, lda] : [1, k], using: &rng)
        let b = Tensor.randomNormal(transposeB ? [n, k] : [k, n], using: &rng)
        var c = Tensor(repeating: .nan, shape: [1, n])
        c.withUnsafeMutableBuffer { out in
            Tensor.sgemm(m: 1, n: n, k: k, a: a.storage.pointer, lda: transposeA ? lda : k, transposeA: transposeA,
                         b: b.storage.pointer, ldb: transposeB ? k : n, transposeB: transposeB,
                         c: out.baseAddress!, ldc: n, beta: 0)
        }
        var worst: Double = 0
        for j in 0..<n {
            var acc: Double = 0
            for p in 0..<k {
                let x = transposeA ? a[p, 0] : a[0, p], y = transposeB ? b[j, p] : b[p, j]
                acc += Double(x) * Double(y)
            }
            worst = Swift.max(worst, Swift.abs(Double(c[0, j]) - acc))
        }
        #expect(worst < 1e-4)
        // Through matmul: a [1, k] row times a [n, k] weight, as a Linear layer decoding one token.
        let row = Tensor.randomNormal([1, k], using: &rng), weight = Tensor.randomNormal([n, k], using: &rng)
        let viaMatmul = Tensor.matmul(row, weight, transposeB: true)
        let viaRows = Tensor.matmul(Tensor.concat([row, row], axis: 0), weight, transposeB: true)
        #expect(maxScaledError(viaMatmul, viaRows.narrowed(axis: 0, start: 0, length: 1)) < 1e-5)
    }
}
