import COpenBLAS

/// Matrix products through the float32 GEMM of ``SGEMMBackend`` (OpenBLAS or oneDNN). Transposes are passed to BLAS as flags, never copied.
extension Tensor {
    /// `op(a) · op(b)` where `op` transposes the last two axes when the flag is set. Leading (batch) axes
    /// broadcast as in `torch.matmul`; 1-D operands are not promoted (use 2-D shapes).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let out = matmulForward(a, b, transposeA: transposeA, transposeB: transposeB)
        guard needsRecording(a, b) else { return out }
        // Each operand is saved only when the other one needs its gradient.
        let savedA = b.requiresGrad ? a.detached() : nil, savedB = a.requiresGrad ? b.detached() : nil
        let shapeA = a.shape, shapeB = b.shape
        return recordBinary(out, a, b) { g in
            let ga = savedB.map { b in
                (transposeA
                    ? matmulForward(b, g, transposeA: transposeB, transposeB: true)
                    : matmulForward(g, b, transposeA: false, transposeB: !transposeB)).sumToShape(shapeA)
            }
            let gb = savedA.map { a in
                if shapeB.count == 2 && shapeA.count > 2 && !transposeA {
                    // A shared 2-D weight: one product over all batch rows instead of one per batch.
                    return sharedWeightGradient(a, g, transposeB: transposeB)
                }
                return (transposeB
                    ? matmulForward(g, a, transposeA: true, transposeB: transposeA)
                    : matmulForward(a, g, transposeA: !transposeA, transposeB: false)).sumToShape(shapeB)
            }
            return (ga, gb)
        }
    }

    /// `self · other`.
    public func matmul(_ other: Tensor) -> Tensor { Tensor.matmul(self, other) }

    /// Gradient of a 2-D `b` in `a · op(b)` with batched `a` `[..., m, k]` and output gradient
    /// `[..., m, n]`: `aᵀ g` (or `gᵀ a` when `b` is stored transposed) with the batch folded into rows.
    private static func sharedWeightGradient(_ a: Tensor, _ g: Tensor, transposeB: Bool) -> Tensor {
        let k = a.shape[a.rank - 1], n = g.shape[g.rank - 1], rows = a.shape.dropLast().reduce(1, *)
        let out = Tensor(uninitializedShape: transposeB ? [n, k] : [k, n])
        if transposeB {
            sgemm(m: n, n: k, k: rows, a: g.storage.pointer, lda: n, transposeA: true,
                  b: a.storage.pointer, ldb: k, transposeB: false, c: out.storage.pointer, ldc: k, beta: 0)
        } else {
            sgemm(m: k, n: n, k: rows, a: a.storage.pointer, lda: k, transposeA: true,
                  b: g.storage.pointer, ldb: n, transposeB: false, c: out.storage.pointer, ldc: n, beta: 0)
        }
        return out
    }

    /// The forward product with broadcast batch axes (no autodiff).
    public static func matmulForward(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        let rankA = a.rank, rankB = b.rank
        precondition(rankA >= 2 && rankB >= 2, "matmul needs operands of rank >= 2, got \(a.shape) and \(b.shape)")
        let (ar, ac) = (a.shape[rankA - 2], a.shape[rankA - 1])
        let (br, bc) = (b.shape[rankB - 2], b.shape[rankB - 1])
        let m = transposeA ? ac : ar, k = transposeA ? ar : ac
        let kb = transposeB ? bc : br, n = transposeB ? br : bc
        precondition(k == kb, "matmul: inner dimensions \(k) and \(kb) differ (shapes \(a.shape), \(b.shape))")
        let pa = a.storage.pointer, pb = b.storage.pointer
        if rankB == 2 && !transposeA {
            // Batch axes of `a` (if any) fold into its rows: one product of [batch·m, k] by op(b).
            var outShape = a.shape
            outShape[rankA - 1] = n
            let out = Tensor(uninitializedShape: outShape)
            let rows = a.shape.dropLast().reduce(1, *)
            product(m: rows, n: n, k: k, a: pa, lda: ac, transposeA: false,
                    b: pb, ldb: bc, transposeB: transposeB, c: out.storage.pointer)
            return out
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            preconditionFailure("matmul: batch shapes \(batchA) and \(batchB) do not broadcast")
        }
        let out = Tensor(uninitializedShape: batch + [m, n])
        let batchCount = Shape.count(batch)
        let strideA = Shape.broadcastStrides(batchA, to: batch), strideB = Shape.broadcastStrides(batchB, to: batch)
        let pc = out.storage.pointer
        let matA = ar * ac, matB = br * bc
        let small = isSmallProduct(m: m, n: n, k: k)
        // Small products run in Swift and can share the batch across cores; BLAS parallelises itself.
        Parallel.forEachRange(batchCount, costPerItem: small ? m * n * k : 1) { range in
            for index in range {
                var rem = index, offA = 0, offB = 0
                for d in stride(from: batch.count - 1, through: 0, by: -1) {
                    let i = rem % batch[d]
                    rem /= batch[d]
                    offA += i * strideA[d]
                    offB += i * strideB[d]
                }
                product(m: m, n: n, k: k, a: pa + offA * matA, lda: ac, transposeA: transposeA,
                        b: pb + offB * matB, ldb: bc, transposeB: transposeB, c: pc + index * m * n)
            }
        }
        return out
    }

    /// Products this small cost less in a plain loop than the BLAS call overhead.
    @inline(__always)
    static func isSmallProduct(m: Int, n: Int, k: Int) -> Bool { m * n * k <= 4096 }

    /// `C = op(A) op(B)` into a dense `m × n` C: a plain loop for tiny sizes, ``sgemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)`` otherwise.
    static func product(m: Int, n: Int, k: Int,
                        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                        c: UnsafeMutablePointer<Float>) {
        guard isSmallProduct(m: m, n: n, k: k) else {
            sgemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA,
                  b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: n, beta: 0)
            return
        }
        // A(i, p) sits at a[i * rowA + p * colA], B(p, j) at b[p * rowB + j * colB].
        let rowA = transposeA ? 1 : lda, colA = transposeA ? lda : 1
        if transposeB {
            for i in 0..<m {
                for j in 0..<n {
                    var acc: Float = 0
                    for p in 0..<k { acc += a[i * rowA + p * colA] * b[j * ldb + p] }
                    c[i * n + j] = acc
                }
            }
        } else {
            for i in 0..<m {
                let row = c + i * n
                row.update(repeating: 0, count: n)
                for p in 0..<k {
                    let x = a[i * rowA + p * colA], bRow = b + p * ldb
                    for j in 0..<n { row[j] += x * bRow[j] }
                }
            }
        }
    }

    /// Row-major `C = alpha op(A) op(B) + beta C` through ``SGEMMBackend/current`` (split across the workers when
    /// large, see ``BLASThreading``).
    @inlinable
    public static func sgemm(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // As in BLAS, beta == 0 means C is not read (it may be uninitialised).
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : c[i * ldc + j] * beta } }
            return
        }
        if m == 1 {
            // One output row (decoding one token): OpenBLAS 0.3.21's gemm packs all of B for it and is
            // ~8× slower than the matrix-vector product. C was possibly uninitialised: zero it for beta 0.
            if beta == 0 { c.update(repeating: 0, count: n) }
            blockedSGEMV(n: n, k: k, x: a, incx: transposeA ? lda : 1, b: b, ldb: ldb, transposeB: transposeB,
                         y: c, alpha: alpha, beta: beta)
            return
        }
        blockedSGEMM(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                     transposeB: transposeB, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }
}
