// Float32 matrix products through oneDNN's sgemm, single-threaded on the calling thread: the package splits
// large products across its own workers. Used where oneDNN's AVX-512 kernels beat the system OpenBLAS.
#ifndef PRIMA_F32_GEMM_H
#define PRIMA_F32_GEMM_H

#include <stdint.h>

/// 1 when oneDNN runs float32 products with AVX-512 kernels on this CPU, else 0.
int prima_f32_gemm_has_avx512(void);

/// Row-major `C[m×n] = alpha · op(A) · op(B) + beta · C` (beta 0: C is not read), as `cblas_sgemm`.
/// op(A) is `m×k` (stored `k×m` when trans_a), op(B) `k×n` (stored `n×k` when trans_b).
/// Runs on the calling thread only. Returns 0 on success, otherwise oneDNN's status (C untouched).
int prima_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *a, int64_t lda, const float *b, int64_t ldb,
                   float beta, float *c, int64_t ldc);

#endif
