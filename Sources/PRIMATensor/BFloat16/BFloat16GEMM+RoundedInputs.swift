import CPRIMAOneDNN
import Foundation

/// ``BFloat16Products/bfloat16`` products: the Float32 operands rounded to bfloat16, then oneDNN's native
/// kernel (split across ``Parallel``'s workers like the Float32 GEMM) or, without one, the widening path.
extension BFloat16GEMM {
    /// Whether ``BFloat16Products/bfloat16`` products run on oneDNN's native bf16 kernels in this process:
    /// the CPU has native bf16 dot products (AVX-512 BF16 or AMX) and `PRIMA_BF16_GEMM` is not `widen`
    /// (set it to compare the two paths; any other value than `native` or `widen` is ignored with a warning).
    public static let runsNatively: Bool = {
        let choice = ProcessInfo.processInfo.environment["PRIMA_BF16_GEMM"] ?? "native"
        if choice != "native" && choice != "widen" {
            FileHandle.standardError.write(Data("warning: PRIMA_BF16_GEMM=\(choice) is not native or widen; using native\n".utf8))
        }
        return choice != "widen" && prima_bf16_gemm_is_native() != 0
    }()

    /// `C[m, n] = round(A)[m, k] · Wᵀ + beta·C` (the forward product of ``BFloat16Products/bfloat16``).
    static func multiplyTransposedRoundingInputs(m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
                                                 weight: UnsafePointer<UInt16>,
                                                 c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float,
                                                 native: Bool, tileElements: Int) {
        withRoundedCopy(of: a, count: m * k) { rounded in
            multiplyTransposed(m: m, n: n, k: k, roundedA: rounded, weight: weight, c: c, ldc: ldc, beta: beta,
                               native: native, tileElements: tileElements)
        }
    }

    /// `C[m, n] = A[m, k] · Wᵀ + beta·C` with `A` rounded already (bf16 bits, leading dimension k).
    static func multiplyTransposed(m: Int, n: Int, k: Int, roundedA: UnsafePointer<UInt16>,
                                   weight: UnsafePointer<UInt16>, c: UnsafeMutablePointer<Float>, ldc: Int,
                                   beta: Float, native: Bool, tileElements: Int) {
        // Rows `rows` and columns `columns` of C by widening (exact: the inputs are bf16 values already).
        let widened = { (rows: Range<Int>, columns: Range<Int>) in
            withWidenedCopy(of: roundedA + rows.lowerBound * k, count: rows.count * k) { block in
                multiplyTransposed(m: rows.count, n: columns.count, k: k, a: block,
                                   weight: weight + columns.lowerBound * k,
                                   c: c + rows.lowerBound * ldc + columns.lowerBound, ldc: ldc, beta: beta,
                                   tileElements: tileElements)
            }
        }
        guard native else { return widened(0..<m, 0..<n) }
        nativeBlocks(m: m, n: n, k: k, a: roundedA, lda: k, transposeA: false, b: weight, ldb: k, transposeB: true,
                     c: c, ldc: ldc, beta: beta, fallback: widened)
    }

    /// `C[m, k] = round(G)[m, n] · W` (the input-gradient product of ``BFloat16Products/bfloat16``).
    static func multiplyRoundingInputs(m: Int, n: Int, k: Int, g: UnsafePointer<Float>,
                                       weight: UnsafePointer<UInt16>, c: UnsafeMutablePointer<Float>,
                                       native: Bool, tileElements: Int) {
        withRoundedCopy(of: g, count: m * n) { rounded in
            multiply(m: m, n: n, k: k, roundedG: rounded, weight: weight, c: c, native: native,
                     tileElements: tileElements)
        }
    }

    /// `C[m, k] = G[m, n] · W` with `G` rounded already (bf16 bits, leading dimension n); C overwritten.
    static func multiply(m: Int, n: Int, k: Int, roundedG: UnsafePointer<UInt16>, weight: UnsafePointer<UInt16>,
                         c: UnsafeMutablePointer<Float>, native: Bool, tileElements: Int) {
        let widened = { (rows: Range<Int>, columns: Range<Int>) in
            // Columns of C are columns of W: widen G's rows, then the whole product for those rows (the
            // native path splits by rows only for this product, so `columns` is always all of them).
            precondition(columns == 0..<k, "the input-gradient product is split by rows only")
            withWidenedCopy(of: roundedG + rows.lowerBound * n, count: rows.count * n) { block in
                multiply(m: rows.count, n: n, k: k, g: block, weight: weight, c: c + rows.lowerBound * k,
                         tileElements: tileElements)
            }
        }
        guard native else { return widened(0..<m, 0..<k) }
        nativeBlocks(m: m, n: k, k: n, a: roundedG, lda: n, transposeA: false, b: weight, ldb: k, transposeB: false,
                     c: c, ldc: k, beta: 0, splitRowsOnly: true, fallback: widened)
    }

    /// `C[m, n] = Gᵀ · X` with `G` `[k, m]` and `X` `[k, n]` both rounded already (bf16 bits, dense): the
    /// weight-gradient product of a Float32 weight under ``BFloat16Products/bfloat16`` (k is the rows of the
    /// batch, m the layer's outputs, n its inputs). C overwritten.
    static func multiplyTransposingFirst(m: Int, n: Int, k: Int, roundedG: UnsafePointer<UInt16>,
                                         roundedX: UnsafePointer<UInt16>, c: UnsafeMutablePointer<Float>,
                                         native: Bool) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else { c.update(repeating: 0, count: m * n); return }
        // Both operands are activation-sized, so widening them whole is affordable; only blocks of C differ.
        let widened = { (rows: Range<Int>, columns: Range<Int>) in
            withWidenedCopy(of: roundedG, count: k * m) { g in
                withWidenedCopy(of: roundedX, count: k * n) { x in
                    Tensor.sgemm(m: rows.count, n: columns.count, k: k, a: g + rows.lowerBound, lda: m, transposeA: true,
                                 b: x + columns.lowerBound, ldb: n, transposeB: false,
                                 c: c + rows.lowerBound * n + columns.lowerBound, ldc: n, beta: 0)
                }
            }
        }
        guard native else { return widened(0..<m, 0..<n) }
        nativeBlocks(m: m, n: n, k: k, a: roundedG, lda: m, transposeA: true, b: roundedX, ldb: n, transposeB: false,
                     c: c, ldc: n, beta: 0, fallback: widened)
    }

    /// `C[m, n] = op(A) · op(B) + beta·C` on oneDNN, A and B bf16: op(A) is `m×k` (stored `k×m` when
    /// `transposeA`), op(B) `k×n` (stored `n×k` when `transposeB`). Large products are split into blocks of
    /// C's rows, or of its columns when it has more columns than rows (unless `splitRowsOnly`), across the
    /// workers, each block single-threaded. A block oneDNN refuses (it writes nothing then) is computed by
    /// `fallback(rows, columns)` instead.
    private static func nativeBlocks(m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, transposeA: Bool,
                                     b: UnsafePointer<UInt16>, ldb: Int, transposeB: Bool,
                                     c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float, splitRowsOnly: Bool = false,
                                     fallback: (Range<Int>, Range<Int>) -> Void) {
        func block(_ rows: Range<Int>, _ columns: Range<Int>) {
            let blockA = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let blockB = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            let status = prima_bf16_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(rows.count), Int64(columns.count),
                                         Int64(k), blockA, Int64(lda), blockB, Int64(ldb),
                                         beta, c + rows.lowerBound * ldc + columns.lowerBound, Int64(ldc))
            if status != 0 { fallback(rows, columns) }
        }
        let granule = BLASThreading.blockGranularity
        let splitRows = m >= n || splitRowsOnly
        let side = splitRows ? m : n
        let blocks = Swift.min(Parallel.threadCount, side / granule)
        guard blocks > 1, m * n * k >= BLASThreading.minimumSplitWork, !Parallel.isInsideParallelRegion else {
            return block(0..<m, 0..<n)
        }
        let granules = (side + granule - 1) / granule
        Parallel.forEachChunk(blocks) { index in
            let start = Swift.min(side, granules * index / blocks * granule)
            let end = Swift.min(side, granules * (index + 1) / blocks * granule)
            guard start < end else { return }
            if splitRows { block(start..<end, 0..<n) } else { block(0..<m, start..<end) }
        }
    }

    /// `body` with `count` floats rounded to bfloat16 bits in a pooled scratch buffer.
    static func withRoundedCopy<R>(of source: UnsafePointer<Float>, count: Int,
                                   _ body: (UnsafePointer<UInt16>) -> R) -> R {
        ScratchPool.shared.withBuffer(count: (count + 1) / 2) { scratch in
            scratch.withMemoryRebound(to: UInt16.self, capacity: 2 * ((count + 1) / 2)) { bits in
                HalfPrecision.convert(floats: source, toBFloat16Bits: bits, count: count)
                return body(bits)
            }
        }
    }

    /// `body` with `count` bfloat16 bit patterns widened to Float32 in a pooled scratch buffer.
    private static func withWidenedCopy<R>(of source: UnsafePointer<UInt16>, count: Int,
                                           _ body: (UnsafePointer<Float>) -> R) -> R {
        ScratchPool.shared.withBuffer(count: count) { scratch in
            HalfPrecision.convert(bfloat16Bits: source, to: scratch, count: count)
            return body(scratch)
        }
    }
}
