import PRIMATensor
import PRIMATestSupport
import Testing

/// Large products split into blocks of C across the workers (``BLASThreading/sharedPool``): every transpose
/// combination, both split directions (rows when C is tall, columns when it is wide), a C with a wider
/// leading dimension and a non-zero beta agree with a direct Double reference.
@Suite struct BlockedProductTests {
    /// `C = op(A) op(B) + beta C` through `Tensor.sgemm` against a Double sum; returns the worst abs error.
    static func worstError(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float) -> Double {
        var rng = RandomGenerator(seed: UInt64(m * 31 + n))
        let a = Tensor.randomNormal(transposeA ? [k, m] : [m, k], using: &rng)
        let b = Tensor.randomNormal(transposeB ? [n, k] : [k, n], using: &rng)
        let ldc = n + 5
        let start = Tensor.randomNormal([m, ldc], using: &rng)
        var c = start
        c.withUnsafeMutableBuffer { out in
            Tensor.sgemm(m: m, n: n, k: k, a: a.storage.pointer, lda: transposeA ? m : k, transposeA: transposeA,
                         b: b.storage.pointer, ldb: transposeB ? k : n, transposeB: transposeB,
                         c: out.baseAddress!, ldc: ldc, beta: beta)
        }
        let pa = a.scalars, pb = b.scalars, pc = c.scalars, p0 = start.scalars
        var worst: Double = 0
        for i in 0..<m {
            for j in 0..<ldc {
                guard j < n else {
                    worst = max(worst, Double(abs(pc[i * ldc + j] - p0[i * ldc + j])))  // padding untouched
                    continue
                }
                var acc = Double(beta) * Double(p0[i * ldc + j])
                for p in 0..<k {
                    let x = transposeA ? pa[p * m + i] : pa[i * k + p]
                    let y = transposeB ? pb[j * k + p] : pb[p * n + j]
                    acc += Double(x) * Double(y)
                }
                worst = max(worst, abs(Double(pc[i * ldc + j]) - acc))
            }
        }
        return worst
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func tallAndWideProductsAgreeWithADirectSum(transposeA: Bool, transposeB: Bool) {
        #expect(Self.worstError(m: 301, n: 70, k: 110, transposeA: transposeA, transposeB: transposeB, beta: 0) < 1e-4)
        #expect(Self.worstError(m: 70, n: 303, k: 110, transposeA: transposeA, transposeB: transposeB, beta: 0.5) < 1e-4)
    }

    /// Products started from inside a parallel loop run on the calling worker (no nested split, no deadlock)
    /// and agree with the batched product up to rounding.
    @Test func productsInsideAParallelLoopAgree() {
        var rng = RandomGenerator(seed: 5)
        let a = Tensor.randomNormal([4, 200, 96], using: &rng), b = Tensor.randomNormal([96, 130], using: &rng)
        let whole = Tensor.matmul(a, b)
        var rows = [[Float]](repeating: [], count: 4)
        rows.withUnsafeMutableBufferPointer { out in
            let box = UncheckedSendable(out)
            Parallel.forEachRange(4, costPerItem: 1 << 20) { range in
                for batch in range {
                    box.value[batch] = Tensor.matmul(a.narrowed(axis: 0, start: batch, length: 1).reshaped([200, 96]), b).scalars
                }
            }
        }
        #expect(maxScaledError(Tensor(shape: [4, 200, 130], scalars: rows.flatMap { $0 }), whole) < 1e-5)
    }

    /// One-row products (decoding one token) split y across the workers; both layouts of B agree.
    @Test(arguments: [false, true])
    func largeSingleRowProductsAgreeWithADirectSum(transposeB: Bool) {
        var rng = RandomGenerator(seed: 21)
        let (k, n) = (150, 2_003)
        let a = Tensor.randomNormal([1, k], using: &rng)
        let b = Tensor.randomNormal(transposeB ? [n, k] : [k, n], using: &rng)
        let c = Tensor.matmul(a, b, transposeB: transposeB)
        let pa = a.scalars, pb = b.scalars, pc = c.scalars
        var worst: Double = 0
        for j in 0..<n {
            var acc: Double = 0
            for p in 0..<k { acc += Double(pa[p]) * Double(transposeB ? pb[j * k + p] : pb[p * n + j]) }
            worst = max(worst, abs(Double(pc[j]) - acc))
        }
        #expect(worst < 1e-4)
    }
}
