// GEMM throughput on the shapes of a ViT-S/16 (batch 8, 224²) and a ModernBERT-base (8 × 128) training
// step: the machine's attainable float32 peak, against which a step's achieved FLOP rate is judged.
//
// Both clocks are printed: wall time, and the process's CPU time (CLOCK_PROCESS_CPUTIME_ID). On a shared
// machine the CPU-time rate of one thread is the load-insensitive figure: the per-core peak.
// Built and run by Benchmarks/gemm-peak.sh; with -DWITH_DNNL it also times oneDNN's dnnl_sgemm and (argument
// `bf16`) the package's native bfloat16 product: oneDNN's matmul primitive on bf16 inputs with float32 output.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef WITH_DNNL
#include <dnnl.h>

// C = op(A) op(B) with A, B bfloat16 (row-major, as cblas), C float32: one matmul primitive per shape.
static dnnl_primitive_t bf16_matmul(dnnl_engine_t engine, int m, int n, int k, int ta, int tb) {
    dnnl_memory_desc_t a_md, b_md, c_md;
    dnnl_dims_t a_dims = {m, k}, b_dims = {k, n}, c_dims = {m, n};
    dnnl_dims_t a_strides = {ta ? 1 : k, ta ? m : 1}, b_strides = {tb ? 1 : n, tb ? k : 1}, c_strides = {n, 1};
    dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, dnnl_bf16, a_strides);
    dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, dnnl_bf16, b_strides);
    dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides);
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive = NULL;
    if (dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md) || dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL))
        return NULL;
    const char *impl = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    fprintf(stderr, "bf16 %dx%dx%d: %s\n", m, n, k, impl);
    dnnl_primitive_create(&primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    return primitive;
}
#endif

void openblas_set_num_threads(int);

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// m, n, k, transpose A, transpose B: C[m×n] = op(A) op(B), row-major, as the package calls cblas_sgemm.
static const int shapes[][5] = {
    {1608, 384, 384, 0, 1},   // ViT-S q/k/v/o projection forward (8 × 201 tokens)
    {1608, 1536, 384, 0, 1},  // ViT-S MLP up forward
    {1608, 384, 1536, 0, 1},  // ViT-S MLP down forward
    {1608, 1536, 384, 0, 0},  // ViT-S MLP down, input gradient
    {384, 1536, 1608, 1, 0},  // ViT-S MLP, weight gradient
    {1024, 2304, 768, 0, 1},  // ModernBERT Wqkv / Wi forward (8 × 128 tokens)
    {1024, 768, 1152, 0, 1},  // ModernBERT Wo forward
    {2304, 768, 1024, 1, 0},  // ModernBERT Wqkv weight gradient
};

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    int useDNNL = argc > 2 && strcmp(argv[2], "dnnl") == 0;
    int useBF16 = argc > 2 && strcmp(argv[2], "bf16") == 0;
#ifdef WITH_DNNL
    dnnl_engine_t engine = NULL;
    dnnl_stream_t stream = NULL;
    if (useBF16) {
        dnnl_engine_create(&engine, dnnl_cpu, 0);
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    }
#else
    if (useBF16) { fprintf(stderr, "built without oneDNN\n"); return 1; }
#endif
    openblas_set_num_threads(threads);
    printf("%-24s %10s %10s %14s %14s\n", "m x n x k (tA tB)", "wall ms", "cpu ms", "GFLOP/s wall", "GFLOP/cpu-s");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
        for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
        for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
        double bestWall = 1e9, bestCPU = 1e9;
#ifdef WITH_DNNL
        dnnl_primitive_t primitive = NULL;
        dnnl_memory_t memories[3] = {NULL, NULL, NULL};
        if (useBF16) {
            // bf16 copies of the same operands (the top half of each float: truncation is fine for timing).
            unsigned short *a16 = malloc(2L * m * k), *b16 = malloc(2L * k * n);
            for (long i = 0; i < (long)m * k; i++) { unsigned u; memcpy(&u, a + i, 4); a16[i] = u >> 16; }
            for (long i = 0; i < (long)k * n; i++) { unsigned u; memcpy(&u, b + i, 4); b16[i] = u >> 16; }
            primitive = bf16_matmul(engine, m, n, k, ta, tb);
            if (!primitive) { fprintf(stderr, "no bf16 matmul for this shape\n"); return 1; }
            const_dnnl_primitive_desc_t pd;
            dnnl_primitive_get_primitive_desc(primitive, &pd);
            dnnl_memory_create(&memories[0], dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), engine, a16);
            dnnl_memory_create(&memories[1], dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), engine, b16);
            dnnl_memory_create(&memories[2], dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), engine, c);
        }
#endif
        for (int r = 0; r < 12; r++) {
            double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
            if (useBF16) {
#ifdef WITH_DNNL
                dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, memories[0]}, {DNNL_ARG_WEIGHTS, memories[1]}, {DNNL_ARG_DST, memories[2]}};
                dnnl_primitive_execute(primitive, stream, 3, args);
                dnnl_stream_wait(stream);
#endif
            } else if (useDNNL) {
#ifdef WITH_DNNL
                dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, c, n);
#endif
            } else {
                cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                            m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, c, n);
            }
            double w = seconds(CLOCK_MONOTONIC) - w0, cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
            if (w < bestWall) bestWall = w;
            if (cpu < bestCPU) bestCPU = cpu;
        }
        char label[64];
        snprintf(label, sizeof label, "%dx%dx%d (%c%c)", m, n, k, ta ? 'T' : 'N', tb ? 'T' : 'N');
        double flop = 2.0 * m * n * k;
        printf("%-24s %10.2f %10.2f %14.1f %14.1f\n", label, bestWall * 1e3, bestCPU * 1e3,
               flop / bestWall / 1e9, flop / bestCPU / 1e9);
        free(a); free(b); free(c);
    }
    return 0;
}
