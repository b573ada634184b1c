import Foundation

/// Products of Float32 activations with a bfloat16 weight, accumulated in Float32.
///
/// With ``BFloat16Products/float32`` (the default) the weight is widened to Float32 a block of rows at a time
/// into a reused scratch buffer (at most ``tileElements`` floats, never a full-size copy) and each block goes
/// through the package's `sgemm`; the widening is exact, so the result equals a Float32 product with the
/// bf16-rounded weight up to summation order. With ``BFloat16Products/bfloat16`` the Float32 operand is
/// rounded to bf16 as well and the product runs on oneDNN's native bf16 kernel where the CPU has one
/// (``runsNatively``).
public enum BFloat16GEMM {
    /// Floats in one widened block of weight rows (16 MiB): large enough that each block is an efficient
    /// GEMM, small next to any weight worth storing in bfloat16.
    public static let tileElements = 1 << 22

    /// `C[m, n] = A[m, k] · Wᵀ + beta·C` with `W` `[n, k]` in bfloat16 (the `nn.Linear` forward).
    /// `A` is dense with leading dimension `k`; `C` has leading dimension `ldc`. `tileElements` bounds the
    /// scratch (tests make it small to cover several blocks).
    public static func multiplyTransposed(m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
                                          weight: UnsafePointer<UInt16>,
                                          c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float,
                                          products: BFloat16Products = .float32,
                                          tileElements: Int = BFloat16GEMM.tileElements) {
        guard m > 0, n > 0 else { return }
        if products == .bfloat16, k > 0 {
            return multiplyTransposedRoundingInputs(m: m, n: n, k: k, a: a, weight: weight, c: c, ldc: ldc, beta: beta,
                                                    native: runsNatively, tileElements: tileElements)
        }
        let rowsPerTile = max(1, min(n, tileElements / max(k, 1)))
        ScratchPool.shared.withBuffer(count: rowsPerTile * k) { scratch in
            var start = 0
            while start < n {
                let rows = min(rowsPerTile, n - start)
                HalfPrecision.convert(bfloat16Bits: weight + start * k, to: scratch, count: rows * k)
                Tensor.sgemm(m: m, n: rows, k: k, a: a, lda: k, transposeA: false,
                             b: scratch, ldb: k, transposeB: true, c: c + start, ldc: ldc, beta: beta)
                start += rows
            }
        }
    }

    /// `C[m, k] = G[m, n] · W` with `W` `[n, k]` in bfloat16 (the input gradient of `nn.Linear`).
    /// `G` is dense with leading dimension `n`; `C` is dense `m × k` and overwritten.
    public static func multiply(m: Int, n: Int, k: Int, g: UnsafePointer<Float>,
                                weight: UnsafePointer<UInt16>, c: UnsafeMutablePointer<Float>,
                                products: BFloat16Products = .float32,
                                tileElements: Int = BFloat16GEMM.tileElements) {
        guard m > 0, k > 0 else { return }
        if n == 0 { c.update(repeating: 0, count: m * k); return }
        if products == .bfloat16 {
            return multiplyRoundingInputs(m: m, n: n, k: k, g: g, weight: weight, c: c, native: runsNatively,
                                          tileElements: tileElements)
        }
        let rowsPerTile = max(1, min(n, tileElements / k))
        ScratchPool.shared.withBuffer(count: rowsPerTile * k) { scratch in
            var start = 0
            while start < n {
                let rows = min(rowsPerTile, n - start)
                HalfPrecision.convert(bfloat16Bits: weight + start * k, to: scratch, count: rows * k)
                // Each block of W's rows adds G's matching columns times the block.
                Tensor.sgemm(m: m, n: k, k: rows, a: g + start, lda: n, transposeA: false,
                             b: scratch, ldb: k, transposeB: false, c: c, ldc: k, beta: start == 0 ? 0 : 1)
                start += rows
            }
        }
    }
}

/// Float32 scratch buffers reused across products, so widening a weight allocates nothing per call.
/// A few buffers are kept (one per product running at the same time); larger requests grow them.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()
    private let lock = NSLock()
    private var free: [TensorStorage] = []
    private let keep = 4

    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        lock.lock()
        var buffer: TensorStorage? = nil
        if let index = free.lastIndex(where: { $0.count >= count }) { buffer = free.remove(at: index) }
        lock.unlock()
        let storage = buffer ?? TensorStorage(uninitializedCount: count)
        defer {
            lock.lock()
            if free.count < keep { free.append(storage) }
            lock.unlock()
        }
        return body(storage.pointer)
    }
}
