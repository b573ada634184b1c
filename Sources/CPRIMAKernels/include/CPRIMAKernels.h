#ifndef CPRIMA_KERNELS_H
#define CPRIMA_KERNELS_H
// Vectorised float32 kernels of PRIMATensor. Each is compiled for AVX-512, AVX2+FMA and a baseline and
// dispatched at load time. Kernels work on plain contiguous buffers and are single-threaded: callers split
// large buffers (or row ranges) across cores. Elementwise and softmax outputs may alias their inputs
// (in-place); the norm kernels need distinct buffers.
#include <stddef.h>
#include <stdint.h>

#pragma clang assume_nonnull begin

// MARK: Elementwise (activations.c): y[i] = f(x[i]) for i < n.

/// exp(x); overflow to +inf, gradual underflow to 0, NaN preserved.
void prima_exp_f32(const float *x, float *y, size_t n);
/// In place `y = exp(y - shift)`; returns the sum of the results (online softmax in attention).
float prima_exp_shift_sum_f32(float *y, size_t n, float shift);
/// tanh(x).
void prima_tanh_f32(const float *x, float *y, size_t n);
/// 1 / (1 + exp(-x)).
void prima_sigmoid_f32(const float *x, float *y, size_t n);
/// erf(x).
void prima_erf_f32(const float *x, float *y, size_t n);
/// sqrt(x) (IEEE, correctly rounded; NaN for x < 0).
void prima_sqrt_f32(const float *x, float *y, size_t n);
/// 1 / sqrt(x), from the correctly rounded square root (not the hardware estimate).
void prima_rsqrt_f32(const float *x, float *y, size_t n);
/// max(x, 0), NaN preserved.
void prima_relu_f32(const float *x, float *y, size_t n);
/// SiLU: x * sigmoid(x).
void prima_silu_f32(const float *x, float *y, size_t n);
/// GELU, exact form: x / 2 * (1 + erf(x / sqrt 2)).
void prima_gelu_f32(const float *x, float *y, size_t n);
/// GELU, tanh approximation: x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))).
void prima_gelu_tanh_f32(const float *x, float *y, size_t n);

// MARK: Elementwise backward: dx[i] = dy[i] * f'(x[i]) from the forward input x (not the output, whose
// 1 - y terms would cancel in the tails).

/// dx = dy where x > 0, else 0.
void prima_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n);
void prima_tanh_backward_f32(const float *x, const float *dy, float *dx, size_t n);
void prima_sigmoid_backward_f32(const float *x, const float *dy, float *dx, size_t n);
void prima_silu_backward_f32(const float *x, const float *dy, float *dx, size_t n);
void prima_gelu_backward_f32(const float *x, const float *dy, float *dx, size_t n);
void prima_gelu_tanh_backward_f32(const float *x, const float *dy, float *dx, size_t n);

// MARK: Row-wise softmax (softmax.c) over `rows` contiguous rows of `cols` elements.

void prima_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols);
void prima_log_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols);
/// log(sum(exp(x))) of each row into out[row].
void prima_logsumexp_rows_f32(const float *x, float *out, size_t rows, size_t cols);
/// dx = y * (dy - sum(dy * y)), y the softmax output.
void prima_softmax_backward_rows_f32(const float *y, const float *dy, float *dx, size_t rows, size_t cols);
/// dx = dy - exp(y) * sum(dy), y the log-softmax output.
void prima_log_softmax_backward_rows_f32(const float *y, const float *dy, float *dx, size_t rows, size_t cols);

// MARK: Normalisation over the last axis (norm.c). Optional weight/bias may be NULL.

/// y = (x - mean) * rstd * weight + bias; writes each row's mean and rstd = 1 / sqrt(var + eps) (biased var).
void prima_layer_norm_forward_f32(const float *x, const float *_Nullable weight, const float *_Nullable bias,
                                  float *y, float *mean, float *rstd, size_t rows, size_t cols, float eps);
/// dx (if non-NULL) of the rows; dweight / dbias (if non-NULL) are accumulated (+=) over the rows.
void prima_layer_norm_backward_f32(const float *x, const float *dy, const float *_Nullable weight,
                                   const float *mean, const float *rstd, float *_Nullable dx,
                                   float *_Nullable dweight, float *_Nullable dbias, size_t rows, size_t cols);
/// y = x * rstd * weight with rstd = 1 / sqrt(mean(x^2) + eps) (Qwen3 / T5 RMSNorm); writes each row's rstd.
void prima_rms_norm_forward_f32(const float *x, const float *_Nullable weight, float *y, float *rstd,
                                size_t rows, size_t cols, float eps);
/// dx (if non-NULL) of the rows; dweight (if non-NULL) is accumulated over the rows.
void prima_rms_norm_backward_f32(const float *x, const float *dy, const float *_Nullable weight, const float *rstd,
                                 float *_Nullable dx, float *_Nullable dweight, size_t rows, size_t cols);

// MARK: Parallel regions (threading.c)

/// How many parallel regions the calling thread is inside (0 on a thread that is not a worker).
int prima_parallel_depth(void);
/// Marks the calling thread as running inside one more parallel region.
void prima_parallel_enter(void);
/// Leaves the innermost parallel region of the calling thread.
void prima_parallel_exit(void);

/// One index of a pool region: `task(context, index)`.
typedef void (*prima_pool_task)(void *_Nullable context, long index);

/// Runs `task(context, i)` for every i in 0..<count on the calling thread and the pool's workers, and returns
/// when all are done. The pool has `threads - 1` workers, fixed by the first call; workers spin
/// `PRIMA_POOL_SPIN_US` microseconds (default 20) after a region before they sleep. One region runs at a
/// time: a call made while another runs (nested, or from a second thread) runs all its indices on the calling
/// thread. Returns the number of threads that could take part (1 when run on the caller only).
int prima_pool_run(int threads, long count, prima_pool_task _Nonnull task, void *_Nullable context);

/// float32 → bfloat16 bit patterns, round to nearest even (NaNs stay quiet NaNs).
void prima_f32_to_bf16(const float *x, uint16_t *y, size_t n);
/// bfloat16 bit patterns → float32 (exact).
void prima_bf16_to_f32(const uint16_t *x, float *y, size_t n);

#pragma clang assume_nonnull end

#endif
