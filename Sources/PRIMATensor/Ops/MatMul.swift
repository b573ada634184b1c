import COpenBLAS

/// Matrix products through `cblas_sgemm`. Transposes are passed to BLAS as flags, never copied.
extension Tensor {
    /// `op(a) · op(b)` where `op` transposes the last two axes when the flag is set. Leading (batch) axes
    /// broadcast as in `torch.matmul`; 1-D operands are not promoted (use 2-D shapes).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let out = matmulForward(a, b, transposeA: transposeA, transposeB: transposeB)
        return record(out, inputs: [a, b]) { g in
            var ga: Tensor?
            var gb: Tensor?
            if a.requiresGrad {
                ga = transposeA
                    ? matmulForward(b, g, transposeA: transposeB, transposeB: true)
                    : matmulForward(g, b, transposeA: false, transposeB: !transposeB)
                ga = ga!.sumToShape(a.shape)
            }
            if b.requiresGrad {
                gb = transposeB
                    ? matmulForward(g, a, transposeA: true, transposeB: transposeA)
                    : matmulForward(a, g, transposeA: !transposeA, transposeB: false)
                gb = gb!.sumToShape(b.shape)
            }
            return [ga, gb]
        }
    }

    /// `self · other`.
    public func matmul(_ other: Tensor) -> Tensor { Tensor.matmul(self, other) }

    /// The forward product with broadcast batch axes (no autodiff).
    public static func matmulForward(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs operands of rank >= 2, got \(a.shape) and \(b.shape)")
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let m = transposeA ? ac : ar, k = transposeA ? ar : ac
        let kb = transposeB ? bc : br, n = transposeB ? br : bc
        precondition(k == kb, "matmul: inner dimensions \(k) and \(kb) differ (shapes \(a.shape), \(b.shape))")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            preconditionFailure("matmul: batch shapes \(batchA) and \(batchB) do not broadcast")
        }
        let out = Tensor(uninitializedShape: batch + [m, n])
        let batchCount = Shape.count(batch)
        let strideA = Shape.broadcastStrides(batchA, to: batch), strideB = Shape.broadcastStrides(batchB, to: batch)
        let pa = a.storage.pointer, pb = b.storage.pointer, pc = out.storage.pointer
        let matA = ar * ac, matB = br * bc
        for index in 0..<batchCount {
            var rem = index, offA = 0, offB = 0
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                let i = rem % batch[d]
                rem /= batch[d]
                offA += i * strideA[d]
                offB += i * strideB[d]
            }
            sgemm(m: m, n: n, k: k,
                  a: pa + offA * matA, lda: ac, transposeA: transposeA,
                  b: pb + offB * matB, ldb: bc, transposeB: transposeB,
                  c: pc + index * m * n, ldc: n, beta: 0)
        }
        return out
    }

    /// Row-major `C = op(A) op(B) + beta C`, a thin wrapper over `cblas_sgemm`.
    @inlinable
    public static func sgemm(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
