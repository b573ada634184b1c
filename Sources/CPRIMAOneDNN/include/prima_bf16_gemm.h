// Native bfloat16 matrix products (bf16 inputs, float32 accumulation and output) through oneDNN's matmul
// primitive, single-threaded on the calling thread: the package splits large products across its own workers.
#ifndef PRIMA_BF16_GEMM_H
#define PRIMA_BF16_GEMM_H

#include <stdint.h>

/// 1 when oneDNN runs bfloat16 products natively on this CPU (AVX-512 BF16 or AMX), else 0.
int prima_bf16_gemm_is_native(void);

/// Row-major `C[m×n] = op(A) · op(B) + beta · C`, with A and B bfloat16 bits, C float32, beta 0 or 1
/// (beta 0: C is not read). op(A) is `m×k` (stored `k×m` when trans_a), op(B) `k×n` (stored `n×k` when trans_b).
/// Runs on the calling thread only. Returns 0 on success, otherwise oneDNN's status (nothing written to C).
int prima_bf16_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                    const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
                    float beta, float *c, int64_t ldc);

#endif
