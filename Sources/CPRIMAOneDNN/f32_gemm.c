// Float32 GEMM through oneDNN's `dnnl_sgemm` (see include/prima_f32_gemm.h).
//
// Why: OpenBLAS 0.3.21 (Debian 12) does not know AMD's Zen 4 and Zen 5 and runs its AVX2 (Haswell) kernels on
// them; oneDNN dispatches on the instruction set, so it uses AVX-512 wherever the CPU has it.
#include "prima_f32_gemm.h"
#include "onednn_threads.h"

#include <oneapi/dnnl/dnnl.h>

int prima_f32_gemm_has_avx512(void) {
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
}

int prima_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *a, int64_t lda, const float *b, int64_t ldb,
                   float beta, float *c, int64_t ldc) {
    if (m <= 0 || n <= 0 || k <= 0) return dnnl_invalid_arguments;
    prima_onednn_single_threaded_here();
    return dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
