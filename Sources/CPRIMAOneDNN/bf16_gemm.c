// Native bfloat16 GEMM through oneDNN's matmul primitive (see include/prima_bf16_gemm.h).
//
// Why the details below:
// - Every call runs single-threaded (onednn_threads.h): the package splits a large product into blocks across
//   its own workers, as it does for OpenBLAS.
// - Creating a matmul primitive takes far longer than a small product, so primitives are kept per shape
//   (a model has a few dozen distinct product shapes).
// - The scratchpad is the caller's (per thread), so one primitive can run on several threads at once.
#include "prima_bf16_gemm.h"
#include "onednn_threads.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int trans_a, trans_b, accumulate;
    int64_t m, n, k, lda, ldb, ldc;
} shape_key;

typedef struct {
    shape_key key;
    dnnl_primitive_t primitive;
    size_t scratchpad_bytes;
} cache_entry;

enum { cache_capacity = 256 };
static cache_entry cache[cache_capacity];
static int cache_count = 0;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static dnnl_engine_t engine = NULL;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static void make_engine(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = NULL;
}

int prima_bf16_gemm_is_native(void) {
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

static dnnl_status_t create_primitive(const shape_key *key, dnnl_primitive_t *primitive, size_t *scratchpad_bytes) {
    dnnl_memory_desc_t a_md, b_md, c_md;
    dnnl_dims_t a_dims = {key->m, key->k}, b_dims = {key->k, key->n}, c_dims = {key->m, key->n};
    dnnl_dims_t a_strides = {key->trans_a ? 1 : key->lda, key->trans_a ? key->lda : 1};
    dnnl_dims_t b_strides = {key->trans_b ? 1 : key->ldb, key->trans_b ? key->ldb : 1};
    dnnl_dims_t c_strides = {key->ldc, 1};
    dnnl_status_t status;
    if ((status = dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, dnnl_bf16, a_strides))) return status;
    if ((status = dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, dnnl_bf16, b_strides))) return status;
    if ((status = dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides))) return status;
    dnnl_matmul_desc_t desc;
    if ((status = dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md))) return status;

    dnnl_primitive_attr_t attr;
    if ((status = dnnl_primitive_attr_create(&attr))) return status;
    dnnl_post_ops_t post_ops = NULL;
    status = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (!status && key->accumulate) {
        // beta = 1: C += A·B as a "sum" post-op.
        status = dnnl_post_ops_create(&post_ops);
        if (!status) status = dnnl_post_ops_append_sum(post_ops, 1.0f);
        if (!status) status = dnnl_primitive_attr_set_post_ops(attr, post_ops);
    }
    dnnl_primitive_desc_t pd = NULL;
    if (!status) status = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    dnnl_primitive_attr_destroy(attr);
    if (status) return status;
    const dnnl_memory_desc_t *scratchpad_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    *scratchpad_bytes = scratchpad_md ? dnnl_memory_desc_get_size(scratchpad_md) : 0;
    status = dnnl_primitive_create(primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    return status;
}

// The cached primitive for `key`, created on first use. Once the cache is full, a new shape gets a primitive
// of its own that the caller destroys after use (`*owned`): cached ones may be running on other threads.
static dnnl_status_t primitive_for(const shape_key *key, dnnl_primitive_t *primitive, size_t *scratchpad_bytes,
                                   int *owned) {
    *owned = 0;
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < cache_count; i++) {
        if (memcmp(&cache[i].key, key, sizeof *key) == 0) {
            *primitive = cache[i].primitive;
            *scratchpad_bytes = cache[i].scratchpad_bytes;
            pthread_mutex_unlock(&cache_lock);
            return dnnl_success;
        }
    }
    dnnl_status_t status = create_primitive(key, primitive, scratchpad_bytes);
    if (status == dnnl_success) {
        if (cache_count < cache_capacity) {
            cache[cache_count].key = *key;
            cache[cache_count].primitive = *primitive;
            cache[cache_count].scratchpad_bytes = *scratchpad_bytes;
            cache_count++;
        } else {
            *owned = 1;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return status;
}

// Executes `primitive` on the calling thread's stream with its scratchpad.
static dnnl_status_t run(dnnl_primitive_t primitive, size_t scratchpad_bytes,
                         const uint16_t *a, const uint16_t *b, float *c) {
    dnnl_status_t status;

    // Per-thread stream and scratchpad, grown as needed and kept for the thread's lifetime.
    static __thread dnnl_stream_t stream = NULL;
    static __thread void *scratchpad = NULL;
    static __thread size_t scratchpad_capacity = 0;
    if (!stream && (status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags))) return status;
    if (scratchpad_bytes > scratchpad_capacity) {
        free(scratchpad);
        scratchpad = aligned_alloc(64, (scratchpad_bytes + 63) / 64 * 64);
        scratchpad_capacity = scratchpad ? scratchpad_bytes : 0;
        if (!scratchpad) return dnnl_out_of_memory;
    }

    const_dnnl_primitive_desc_t pd;
    if ((status = dnnl_primitive_get_primitive_desc(primitive, &pd))) return status;
    dnnl_memory_t a_mem = NULL, b_mem = NULL, c_mem = NULL, s_mem = NULL;
    status = dnnl_memory_create(&a_mem, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), engine, (void *)a);
    if (!status) status = dnnl_memory_create(&b_mem, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), engine, (void *)b);
    if (!status) status = dnnl_memory_create(&c_mem, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), engine, c);
    if (!status && scratchpad_bytes)
        status = dnnl_memory_create(&s_mem, dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0), engine, scratchpad);
    if (!status) {
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem},
                                   {DNNL_ARG_SCRATCHPAD, s_mem}};
        status = dnnl_primitive_execute(primitive, stream, s_mem ? 4 : 3, args);
        if (!status) status = dnnl_stream_wait(stream);
    }
    if (a_mem) dnnl_memory_destroy(a_mem);
    if (b_mem) dnnl_memory_destroy(b_mem);
    if (c_mem) dnnl_memory_destroy(c_mem);
    if (s_mem) dnnl_memory_destroy(s_mem);
    return status;
}

int prima_bf16_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                    const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
                    float beta, float *c, int64_t ldc) {
    if (m <= 0 || n <= 0 || k <= 0) return dnnl_invalid_arguments;
    if (beta != 0.0f && beta != 1.0f) return dnnl_invalid_arguments;
    pthread_once(&engine_once, make_engine);
    if (!engine) return dnnl_runtime_error;
    prima_onednn_single_threaded_here();

    shape_key key;
    memset(&key, 0, sizeof key);  // padding bytes take part in the comparison
    key.trans_a = trans_a != 0;
    key.trans_b = trans_b != 0;
    key.accumulate = beta != 0.0f;
    key.m = m, key.n = n, key.k = k, key.lda = lda, key.ldb = ldb, key.ldc = ldc;
    dnnl_primitive_t primitive;
    size_t scratchpad_bytes;
    int owned;
    dnnl_status_t status = primitive_for(&key, &primitive, &scratchpad_bytes, &owned);
    if (status) return status;
    status = run(primitive, scratchpad_bytes, a, b, c);
    if (owned) dnnl_primitive_destroy(primitive);
    return status;
}
