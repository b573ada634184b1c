// Row reductions. A float sum is only vectorised when the compiler may reorder the additions; the loop
// pragma grants that for the marked loop alone (results then differ from a serial sum by rounding only).
#ifndef PRIMA_REDUCE_H
#define PRIMA_REDUCE_H

#include <stddef.h>
#include "vecmath.h"

/// Marks a reduction loop as safe to vectorise with reordered (tree-wise) accumulation.
#define PRIMA_VECTORIZE_REDUCTION _Pragma("clang loop vectorize(enable) interleave_count(2)")

/// Largest element; NaNs are skipped here and reach the result through the exp pass that follows.
PRIMA_INLINE float row_max(const float *x, size_t n) {
    float m = -__builtin_inff();
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) m = __builtin_fmaxf(m, x[i]);
    return m;
}

PRIMA_INLINE float row_sum(const float *x, size_t n) {
    float s = 0.0f;
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

/// Sum of x[i] * y[i].
PRIMA_INLINE float row_dot(const float *x, const float *y, size_t n) {
    float s = 0.0f;
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

/// Sum of (x[i] - centre)^2.
PRIMA_INLINE float row_centred_square_sum(const float *x, float centre, size_t n) {
    float s = 0.0f;
    PRIMA_VECTORIZE_REDUCTION
    for (size_t i = 0; i < n; i++) {
        float d = x[i] - centre;
        s += d * d;
    }
    return s;
}

#endif
