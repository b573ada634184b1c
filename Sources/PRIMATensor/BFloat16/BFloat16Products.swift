/// What a product with a bfloat16 weight rounds, and so how fast it can run.
///
/// Both keep Float32 accumulation and Float32 outputs; they differ in the other operand.
public enum BFloat16Products: String, Sendable, CaseIterable, Codable {
    /// The Float32 activations (and, backward, output gradients) times the stored weight, exactly: the
    /// weight is widened to Float32 a block at a time and the product runs at Float32 GEMM speed. Only the
    /// weight carries bf16 rounding. The default.
    case float32
    /// The activations entering the product (and the output gradients entering the input-gradient product)
    /// are rounded to bfloat16 too, as PyTorch's CPU autocast does for `nn.Linear`; products of two bf16
    /// numbers are exact in Float32, so only the rounding of the inputs differs from ``float32``. On a CPU
    /// with native bf16 dot products (AVX-512 BF16 or AMX) they run on oneDNN's bf16 kernels
    /// (``BFloat16GEMM/runsNatively``), about twice Float32 GEMM throughput; elsewhere the same products
    /// are computed by widening both operands, with the same results up to summation order.
    case bfloat16
}
