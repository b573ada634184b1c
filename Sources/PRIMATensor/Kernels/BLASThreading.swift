import COpenBLAS
import CPRIMAOneDNN
import Foundation

/// Who runs the threads of a large matrix product.
///
/// By default OpenBLAS runs on the calling thread only and ``Tensor/sgemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)``
/// splits a large product into row (or column) blocks across ``Parallel``'s workers, the same workers that run
/// the package's elementwise kernels. One pool means no second set of threads spinning on the same cores while
/// the other works.
public enum BLASThreading: String, Sendable, CaseIterable {
    /// One pool: OpenBLAS single-threaded, products split across ``Parallel``'s workers (the default).
    case sharedPool = "shared"
    /// OpenBLAS's own worker threads (`OPENBLAS_NUM_THREADS`) for every product, beside ``Parallel``'s workers.
    case openBLAS = "openblas"

    /// This process's mode, read once from `PRIMA_BLAS_THREADING` (`shared` or `openblas`; default `shared`).
    /// Choosing ``sharedPool`` sets OpenBLAS to one thread for the whole process.
    public static let current: BLASThreading = {
        let text = ProcessInfo.processInfo.environment["PRIMA_BLAS_THREADING"] ?? ""
        let mode: BLASThreading
        if text.isEmpty {
            mode = .sharedPool
        } else if let chosen = BLASThreading(rawValue: text) {
            mode = chosen
        } else {
            // An environment variable cannot throw to anyone; say so once and keep the default.
            FileHandle.standardError.write(Data(
                "warning: PRIMA_BLAS_THREADING=\(text) is not one of shared, openblas; using shared\n".utf8))
            mode = .sharedPool
        }
        if mode == .sharedPool { openblas_set_num_threads(1) }
        return mode
    }()

    /// Products with fewer multiply-adds than this run on the calling thread: below it the hand-off to the
    /// workers costs more than the second core saves.
    @usableFromInline static let minimumSplitWork = 1 << 21

    /// Rows (or columns) per block are multiples of this, so that no block ends inside one of OpenBLAS's
    /// micro-tiles (8 or 16 rows, depending on the CPU's vector width).
    @usableFromInline static let blockGranularity = 16
}

extension Tensor {
    /// Row-major `C = op(A) op(B) + beta C` through `cblas_sgemm`, split into blocks of C across
    /// ``Parallel``'s workers when ``BLASThreading/current`` is ``BLASThreading/sharedPool`` and the product is
    /// large. The larger of C's two sides is split: every block then repacks only the other, smaller operand.
    @inlinable
    static func blockedSGEMM(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        let workers = Parallel.threadCount
        let granule = BLASThreading.blockGranularity
        let splitRows = m >= n
        let side = splitRows ? m : n
        let blocks = Swift.min(workers, side / granule)
        guard BLASThreading.current == .sharedPool, blocks > 1, m * n * k >= BLASThreading.minimumSplitWork,
              !Parallel.isInsideParallelRegion else {
            cblasSGEMM(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                       transposeB: transposeB, c: c, ldc: ldc, alpha: alpha, beta: beta)
            return
        }
        let granules = (side + granule - 1) / granule
        let pointers = UncheckedSendable((a, b, c))
        Parallel.forEachChunk(blocks) { block in
            let (a, b, c) = pointers.value
            let start = Swift.min(side, granules * block / blocks * granule)
            let end = Swift.min(side, granules * (block + 1) / blocks * granule)
            guard start < end else { return }
            if splitRows {
                cblasSGEMM(m: end - start, n: n, k: k, a: transposeA ? a + start : a + start * lda, lda: lda,
                           transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                           c: c + start * ldc, ldc: ldc, alpha: alpha, beta: beta)
            } else {
                cblasSGEMM(m: m, n: end - start, k: k, a: a, lda: lda, transposeA: transposeA,
                           b: transposeB ? b + start * ldb : b + start, ldb: ldb, transposeB: transposeB,
                           c: c + start, ldc: ldc, alpha: alpha, beta: beta)
            }
        }
    }

    /// `y[n] = alpha op(B) x + beta y` (one output row of a product) through `cblas_sgemv`, with y split into
    /// blocks across the workers like ``blockedSGEMM(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)``.
    @inlinable
    static func blockedSGEMV(n: Int, k: Int, x: UnsafePointer<Float>, incx: Int,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                             y: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
        let blocks = Swift.min(Parallel.threadCount, n / BLASThreading.blockGranularity)
        let split = BLASThreading.current == .sharedPool && blocks > 1
            && n * k >= BLASThreading.minimumSplitWork / 16 && !Parallel.isInsideParallelRegion
        // B is n × k (transposeB: y = B x) or k × n (y = Bᵀ x); a block of y takes rows or columns of B.
        func gemv(_ start: Int, _ end: Int) {
            let rowsOfB = transposeB ? end - start : k, columnsOfB = transposeB ? k : end - start
            cblas_sgemv(CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(rowsOfB), Int32(columnsOfB),
                        alpha, transposeB ? b + start * ldb : b + start, Int32(ldb), x, Int32(incx), beta,
                        y + start, 1)
        }
        guard split else { return gemv(0, n) }
        Parallel.forEachChunk(blocks) { block in
            gemv(n * block / blocks, n * (block + 1) / blocks)
        }
    }

    /// One block of a product on the calling thread, through ``SGEMMBackend/current`` (OpenBLAS under
    /// ``BLASThreading/openBLAS`` threading, whose threads are OpenBLAS's own).
    @inlinable
    static func cblasSGEMM(m: Int, n: Int, k: Int,
                           a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                           b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                           c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        let backend: SGEMMBackend = BLASThreading.current == .sharedPool ? SGEMMBackend.current : .openBLAS
        singleBlockSGEMM(backend: backend, m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA,
                         b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// `C = alpha op(A) op(B) + beta C` by the given library on the calling thread; products smaller than
    /// ``SGEMMBackend/oneDNNMinimumWork`` multiply-adds always by OpenBLAS.
    @usableFromInline
    static func singleBlockSGEMM(backend: SGEMMBackend, m: Int, n: Int, k: Int,
                                 a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                                 b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        if backend == .oneDNN, m * n * k >= SGEMMBackend.oneDNNMinimumWork,
           prima_f32_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha,
                          a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc)) == 0 {
            return
        }
        // OpenBLAS, or oneDNN refused the arguments (it then wrote nothing): the same product by OpenBLAS.
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
