@testable import PRIMATensor
import Testing

/// Both float32 GEMM libraries (``SGEMMBackend``) compute `C = alpha op(A) op(B) + beta C` as BLAS defines it:
/// every transpose combination, strided operands, alpha, beta 0 (C not read) and beta ≠ 0, a C wider than the
/// product (padding untouched), against a Double sum; and they agree with each other.
@Suite struct SGEMMBackendTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float
        var testDescription: String { "\(m)x\(n)x\(k) tA=\(transposeA) tB=\(transposeB) alpha=\(alpha) beta=\(beta)" }
    }

    static let cases: [Case] = [
        Case(m: 67, n: 45, k: 33, transposeA: false, transposeB: false, alpha: 1, beta: 0),
        Case(m: 67, n: 45, k: 33, transposeA: false, transposeB: true, alpha: 0.5, beta: 1),
        Case(m: 67, n: 45, k: 33, transposeA: true, transposeB: false, alpha: 1, beta: -0.75),
        Case(m: 16, n: 130, k: 257, transposeA: true, transposeB: true, alpha: 2, beta: 0),
        Case(m: 1, n: 9, k: 5, transposeA: false, transposeB: false, alpha: 1, beta: 0),
        Case(m: 8, n: 9, k: 7, transposeA: true, transposeB: false, alpha: 1, beta: 0.5),  // below oneDNN's minimum
    ]

    /// Runs one product on `backend`; C starts as `start` (NaN where beta is 0, so reading it would show).
    /// Also returns, per element of C, the classic error bound of a float32 dot product:
    /// `(k + 2) · 2⁻²³ · (|alpha| Σ|a b| + |beta c|)`.
    static func product(_ backend: SGEMMBackend, _ c: Case)
        -> (result: [Float], reference: [Double], bound: [Double], ldc: Int) {
        var rng = RandomGenerator(seed: UInt64(c.m * 1_000 + c.n * 10 + c.k))
        // Leading dimensions wider than the operands: the libraries must honour them.
        let (aRows, aCols) = c.transposeA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transposeB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + 3, ldb = bCols + 2, ldc = c.n + 5
        let a = Tensor.randomNormal([aRows, lda], using: &rng).scalars
        let b = Tensor.randomNormal([bRows, ldb], using: &rng).scalars
        var start = Tensor.randomNormal([c.m, ldc], using: &rng).scalars
        if c.beta == 0 { for i in 0..<c.m { for j in 0..<c.n { start[i * ldc + j] = .nan } } }
        var out = start
        out.withUnsafeMutableBufferPointer { cOut in
            Tensor.singleBlockSGEMM(backend: backend, m: c.m, n: c.n, k: c.k, a: a, lda: lda,
                                    transposeA: c.transposeA, b: b, ldb: ldb, transposeB: c.transposeB,
                                    c: cOut.baseAddress!, ldc: ldc, alpha: c.alpha, beta: c.beta)
        }
        var reference = start.map(Double.init), bound = [Double](repeating: 0, count: start.count)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum: Double = 0, magnitude: Double = 0
                for p in 0..<c.k {
                    let x = c.transposeA ? a[p * lda + i] : a[i * lda + p]
                    let y = c.transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                    magnitude += abs(Double(x) * Double(y))
                }
                let old = c.beta == 0 ? 0 : Double(c.beta) * Double(start[i * ldc + j])
                reference[i * ldc + j] = Double(c.alpha) * sum + old
                bound[i * ldc + j] = Double(c.k + 2) * 0x1p-23 * (Double(abs(c.alpha)) * magnitude + abs(old))
            }
        }
        return (out, reference, bound, ldc)
    }

    @Test(arguments: SGEMMBackend.allCases, cases)
    func productsMatchADoubleSum(backend: SGEMMBackend, c: Case) {
        let (result, reference, bound, ldc) = Self.product(backend, c)
        var outOfBound = 0, paddingChanged = 0
        for i in 0..<c.m {
            for j in 0..<ldc {
                let index = i * ldc + j
                if j >= c.n {
                    if Double(result[index]) != reference[index] { paddingChanged += 1 }
                } else if !(abs(Double(result[index]) - reference[index]) <= bound[index]) {
                    outOfBound += 1  // NaN (C read although beta is 0) counts here too
                }
            }
        }
        #expect(outOfBound == 0, "\(outOfBound) elements outside the float32 error bound")
        #expect(paddingChanged == 0, "\(paddingChanged) elements past column n changed")
    }

    @Test func theTwoLibrariesAgree() {
        for c in Self.cases {
            let open = Self.product(.openBLAS, c), dnn = Self.product(.oneDNN, c)
            // Each is within its bound of the exact value, so they differ by at most twice that.
            let disagreeing = (0..<open.result.count).filter {
                !(abs(Double(open.result[$0]) - Double(dnn.result[$0])) <= 2 * open.bound[$0])
            }.count
            #expect(disagreeing == 0, "\(c.testDescription): elements differ")
        }
    }

    /// oneDNN only where it has AVX-512 kernels and OpenBLAS uses none of its own.
    @Test func automaticChoiceFollowsTheKernels() {
        #expect(SGEMMBackend.choice(oneDNNHasAVX512: true, openBLASKernels: "Haswell") == .oneDNN)
        #expect(SGEMMBackend.choice(oneDNNHasAVX512: true, openBLASKernels: "Zen") == .oneDNN)
        #expect(SGEMMBackend.choice(oneDNNHasAVX512: true, openBLASKernels: "SkylakeX") == .openBLAS)
        #expect(SGEMMBackend.choice(oneDNNHasAVX512: true, openBLASKernels: "COOPERLAKE") == .openBLAS)
        #expect(SGEMMBackend.choice(oneDNNHasAVX512: false, openBLASKernels: "Haswell") == .openBLAS)
        #expect(SGEMMBackend.choice(oneDNNHasAVX512: false, openBLASKernels: "Zen") == .openBLAS)
        #expect(SGEMMBackend.automaticChoice == SGEMMBackend.choice(
            oneDNNHasAVX512: SGEMMBackend.oneDNNHasAVX512, openBLASKernels: SGEMMBackend.openBLASKernels))
    }
}
