// Float32 ↔ bfloat16 conversion loops, written so the compiler vectorises them (Swift's SIMD selects did not:
// narrowing the activations before every bf16 product took a third of a training step).
#include "CPRIMAKernels.h"
#include "vecmath.h"

// Round to nearest, ties to even; a NaN stays a quiet NaN with its sign and top payload bits (as
// HalfPrecision.bfloat16Bits(from:) does one value at a time).
PRIMA_CLONES void prima_f32_to_bf16(const float *x, uint16_t *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
        uint32_t quiet = (u >> 16) | 0x0040u;
        y[i] = (uint16_t)(((u & 0x7FFFFFFFu) > 0x7F800000u) ? quiet : rounded);
    }
}

// Widening is exact: the bf16 bits are the top half of the float32's.
PRIMA_CLONES void prima_bf16_to_f32(const uint16_t *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)x[i] << 16;
        memcpy(y + i, &u, sizeof u);
    }
}
