// Row-wise softmax, log-softmax and log-sum-exp over contiguous rows, forward and backward. Each row is read
// from memory once: the later passes over a row hit the L1 cache.
#include <math.h>
#include "CPRIMAKernels.h"
#include "reduce.h"

/// y = exp(x - shift) for one row; returns the sum of y.
PRIMA_INLINE float exp_shifted_store(const float *x, float *y, float shift, size_t n) {
    float s = 0.0f;
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) {
        float e = vm_exp(x[i] - shift);
        y[i] = e;
        s += e;
    }
    return s;
}

/// Sum of exp(x - shift) for one row, nothing stored.
PRIMA_INLINE float exp_shifted_sum(const float *x, float shift, size_t n) {
    float s = 0.0f;
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) s += vm_exp(x[i] - shift);
    return s;
}

// A row whose maximum is infinite gives NaN (inf - inf), as in PyTorch.
PRIMA_CLONES void prima_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float inv = 1.0f / exp_shifted_store(xr, yr, row_max(xr, cols), cols);
        for (size_t i = 0; i < cols; i++) yr[i] *= inv;
    }
}

PRIMA_CLONES void prima_log_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = row_max(xr, cols);
        float lse = m + logf(exp_shifted_sum(xr, m, cols));
        for (size_t i = 0; i < cols; i++) yr[i] = xr[i] - lse;
    }
}

// Infinite maxima are returned as they are (log-sum-exp of a row of -inf is -inf, as torch.logsumexp).
PRIMA_CLONES void prima_logsumexp_rows_f32(const float *x, float *out, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float m = row_max(xr, cols);
        out[r] = isinf(m) ? m : m + logf(exp_shifted_sum(xr, m, cols));
    }
}

PRIMA_CLONES void prima_softmax_backward_rows_f32(const float *y, const float *dy, float *dx, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        float dot = row_dot(yr, gr, cols);
        for (size_t i = 0; i < cols; i++) dr[i] = yr[i] * (gr[i] - dot);
    }
}

PRIMA_CLONES void prima_log_softmax_backward_rows_f32(const float *y, const float *dy, float *dx, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        float total = row_sum(gr, cols);
        for (size_t i = 0; i < cols; i++) dr[i] = gr[i] - vm_exp(yr[i]) * total;
    }
}
