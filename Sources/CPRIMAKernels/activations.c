// Elementwise activations (and square roots) and their backward passes. Plain loops over the scalar helpers
// of vecmath.h, which the compiler turns into 16-wide (AVX-512) or 8-wide (AVX2) code in the clones.
#include "CPRIMAKernels.h"
#include "vecmath.h"
#include "reduce.h"

#define GELU_LOG_SQRT_2PI 0.918938533204672742f
#define GELU_TANH_K 0.797884560802865356f   /* sqrt(2 / pi) */
#define GELU_TANH_C 0.044715f

PRIMA_CLONES void prima_exp_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = vm_exp(x[i]);
}

PRIMA_CLONES void prima_tanh_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = vm_tanh(x[i]);
}

PRIMA_CLONES void prima_sigmoid_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = vm_sigmoid(x[i]);
}

PRIMA_CLONES void prima_erf_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = vm_erf(x[i]);
}

// __builtin_elementwise_sqrt has no errno side effect (unlike sqrtf), so these loops vectorise.
PRIMA_CLONES void prima_sqrt_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = __builtin_elementwise_sqrt(x[i]);
}

PRIMA_CLONES void prima_rsqrt_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = 1.0f / __builtin_elementwise_sqrt(x[i]);
}

PRIMA_CLONES void prima_relu_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

PRIMA_CLONES void prima_silu_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v / (1.0f + vm_exp(-v));
    }
}

PRIMA_CLONES void prima_gelu_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v * vm_normal_cdf(v);
    }
}

// 0.5 * (1 + tanh(u)) = sigmoid(2u), so the tanh form needs one exp and one division.
PRIMA_CLONES void prima_gelu_tanh_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = GELU_TANH_K * (v + GELU_TANH_C * v * v * v);
        y[i] = v / (1.0f + vm_exp(-2.0f * u));
    }
}

// The derivatives below are formed from e = exp(-|x|)-type terms: 1 - sigmoid(x) or 1 - tanh(x)^2 taken from
// the output would cancel in the tails and lose up to 1e-4 of relative accuracy.

PRIMA_CLONES void prima_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

// tanh'(x) = 1 - tanh^2 = 4 e / (1 + e)^2 with e = exp(-2|x|).
PRIMA_CLONES void prima_tanh_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float e = vm_exp(-2.0f * __builtin_fabsf(x[i]));
        float p = 1.0f / (1.0f + e);
        dx[i] = dy[i] * 4.0f * e * p * p;
    }
}

// sigmoid'(x) = sigmoid(x) sigmoid(-x) = e / (1 + e)^2 with e = exp(-|x|).
PRIMA_CLONES void prima_sigmoid_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float e = vm_exp(-__builtin_fabsf(x[i]));
        float p = 1.0f / (1.0f + e);
        dx[i] = dy[i] * e * p * p;
    }
}

// d/dx x s(x) = s(x) (1 + x s(-x)), with s(|x|) = 1 / (1 + e) and s(-|x|) = e / (1 + e), e = exp(-|x|).
PRIMA_CLONES void prima_silu_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float e = vm_exp(-__builtin_fabsf(v));
        float p = 1.0f / (1.0f + e), q = e * p;
        float s = v >= 0.0f ? p : q, s_neg = v >= 0.0f ? q : p;
        dx[i] = dy[i] * s * (1.0f + v * s_neg);
    }
}

// d/dx x Phi(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2 - log sqrt(2 pi)); x phi(x) is 0 in float once
// x^2 / 2 > 86.
PRIMA_CLONES void prima_gelu_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float half_square = 0.5f * v * v;
        float pdf = vm_exp_gelu(-(half_square > 86.0f ? 86.0f : half_square) - GELU_LOG_SQRT_2PI);
        float x_pdf = half_square > 86.0f ? 0.0f : v * pdf;
        dx[i] = dy[i] * (vm_normal_cdf(v) + x_pdf);
    }
}

// With s = sigmoid(2u): d/dx x s = s + 2 x s (1 - s) du/dx, du/dx = k (1 + 3 c x^2);
// s (1 - s) = e / (1 + e)^2 with e = exp(-2|u|).
PRIMA_CLONES void prima_gelu_tanh_backward_f32(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float v2 = v * v;
        float u = GELU_TANH_K * (v + GELU_TANH_C * v2 * v);
        float e = vm_exp(-2.0f * __builtin_fabsf(u));
        float p = 1.0f / (1.0f + e);
        float s = u >= 0.0f ? p : e * p;
        float du = GELU_TANH_K * (1.0f + 3.0f * GELU_TANH_C * v2);
        dx[i] = dy[i] * (s + 2.0f * v * e * p * p * du);
    }
}

// In place y = exp(y - shift), returning the sum: the online-softmax step of the attention kernels.
PRIMA_CLONES float prima_exp_shift_sum_f32(float *y, size_t n, float shift) {
    float sum = 0.0f;
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) {
        float e = vm_exp(y[i] - shift);
        y[i] = e;
        sum += e;
    }
    return sum;
}
