// Scalar building blocks of the vectorised kernels: exp, tanh, erf and sigmoid written as branch-free
// float code (selects, integer bit tricks, polynomials) so that loops calling them vectorise fully.
// No libm calls: fabs/copysign/fmin/fmax lower to single instructions.
//
// Polynomial coefficients come from Scripts/reference/fit_vecmath.py (near-minimax fits against mpmath).
// Measured maximum errors against double precision are asserted in Tests/PRIMATensorTests/VectorMathTests.swift.
#ifndef PRIMA_VECMATH_H
#define PRIMA_VECMATH_H

#include <stdint.h>
#include <string.h>

#define PRIMA_INLINE static inline __attribute__((always_inline))
/// On x86-64 Linux every exported kernel is compiled three times (AVX-512, AVX2+FMA, SSE2) and picked at load
/// time through an ifunc; elsewhere (no ifunc, or another architecture) it is compiled once for the target.
#if defined(__x86_64__) && defined(__linux__)
#define PRIMA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PRIMA_CLONES
#endif

PRIMA_INLINE float vm_from_bits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
PRIMA_INLINE uint32_t vm_to_bits(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

// exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2 / 2 (relative error 3e-9 before rounding).
#define EXP_P_0 4.999999404e-01f
#define EXP_P_1 1.666652113e-01f
#define EXP_P_2 4.166838527e-02f
#define EXP_P_3 8.368710056e-03f
#define EXP_P_4 1.381462673e-03f
// ln2 split so that n * LN2_HI is exact for |n| < 2^15 even without FMA.
#define VM_LN2_HI 0.693359375f
#define VM_LN2_LO -2.12194440054690583e-4f
#define VM_LOG2E 1.44269504088896341f
// Adding 1.5 * 2^23 rounds a float of magnitude < 2^22 to an integer, which then sits in the low mantissa bits.
#define VM_ROUND_MAGIC 12582912.0f

/// exp(x) for every float: correct overflow to +inf (x > 88.72), gradual underflow through the subnormals
/// to 0 (x < -103.97), exp(-inf) = 0, NaN in -> NaN out.
PRIMA_INLINE float vm_exp(float x) {
    // Clamp to where the result is 0 / inf anyway; comparisons are false for NaN, which passes through.
    x = x < -104.0f ? -104.0f : x;
    x = x > 89.0f ? 89.0f : x;
    float shifted = x * VM_LOG2E + VM_ROUND_MAGIC;
    float n = shifted - VM_ROUND_MAGIC;
    int32_t ni = (int32_t)(vm_to_bits(shifted) - vm_to_bits(VM_ROUND_MAGIC));
    float r = x - n * VM_LN2_HI;
    r = r - n * VM_LN2_LO;
    float p = EXP_P_4;
    p = p * r + EXP_P_3;
    p = p * r + EXP_P_2;
    p = p * r + EXP_P_1;
    p = p * r + EXP_P_0;
    p = (p * r) * r + r + 1.0f;
    // Scale by 2^n in two halves: n spans [-150, 128], beyond one float exponent, and the split keeps both
    // factors normal so the final product rounds once (into a subnormal or to infinity when it must).
    int32_t n1 = ni >> 1, n2 = ni - n1;
    float s1 = vm_from_bits((uint32_t)(n1 + 127) << 23);
    float s2 = vm_from_bits((uint32_t)(n2 + 127) << 23);
    return (p * s1) * s2;
}

/// 1 / (1 + exp(-x)); exact limits 0 and 1 at -inf and +inf.
PRIMA_INLINE float vm_sigmoid(float x) { return 1.0f / (1.0f + vm_exp(-x)); }

// tanh(x) = x + x * z * Q(z), z = x^2, on |x| < 0.625.
#define TANH_Q_0 -3.333328068e-01f
#define TANH_Q_1 1.333144158e-01f
#define TANH_Q_2 -5.373971537e-02f
#define TANH_Q_3 2.063908242e-02f
#define TANH_Q_4 -5.704982672e-03f

/// tanh(x): odd polynomial near 0 (where 1 - 2 / (e^2x + 1) would cancel), the exp form elsewhere.
PRIMA_INLINE float vm_tanh(float x) {
    float ax = __builtin_fabsf(x);
    float z = x * x;
    float q = TANH_Q_4;
    q = q * z + TANH_Q_3;
    q = q * z + TANH_Q_2;
    q = q * z + TANH_Q_1;
    q = q * z + TANH_Q_0;
    float small = ax + ax * z * q;
    float large = 1.0f - 2.0f / (vm_exp(2.0f * ax) + 1.0f);
    float r = ax < 0.625f ? small : large;
    return __builtin_copysignf(r, x);
}

// erf(x) = x * P(x^2) on |x| < 0.9.
#define ERF_SMALL_0 1.128379107e+00f
#define ERF_SMALL_1 -3.761237562e-01f
#define ERF_SMALL_2 1.128113419e-01f
#define ERF_SMALL_3 -2.675091848e-02f
#define ERF_SMALL_4 4.977799486e-03f
#define ERF_SMALL_5 -5.938381073e-04f
// erfc(x) = exp(R(x - 2.45) - x^2) on 0.9 <= x <= 4 (R approximates log(erfcx(x))); erf(4) rounds to 1.
#define ERF_LARGE_0 -1.539042592e+00f
#define ERF_LARGE_1 -3.583888412e-01f
#define ERF_LARGE_2 5.778044835e-02f
#define ERF_LARGE_3 -1.113900635e-02f
#define ERF_LARGE_4 2.599790692e-03f
#define ERF_LARGE_5 -1.569711021e-04f
#define ERF_LARGE_6 1.971930469e-04f
#define ERF_SPLIT 0.9f

PRIMA_INLINE float vm_erf_small(float x, float z) {
    float p = ERF_SMALL_5;
    p = p * z + ERF_SMALL_4;
    p = p * z + ERF_SMALL_3;
    p = p * z + ERF_SMALL_2;
    p = p * z + ERF_SMALL_1;
    p = p * z + ERF_SMALL_0;
    return x * p;
}

/// erfc(|x|) for |x| >= ERF_SPLIT; 0 beyond 4, where erf is 1 in float (and GELU(-inf) is NaN as in PyTorch).
PRIMA_INLINE float vm_erfc_large(float ax) {
    float clamped = ax > 4.0f ? 4.0f : ax;
    float t = clamped - 2.45f;
    float r = ERF_LARGE_6;
    r = r * t + ERF_LARGE_5;
    r = r * t + ERF_LARGE_4;
    r = r * t + ERF_LARGE_3;
    r = r * t + ERF_LARGE_2;
    r = r * t + ERF_LARGE_1;
    r = r * t + ERF_LARGE_0;
    float e = vm_exp(r - clamped * clamped);
    return ax > 4.0f ? 0.0f : e;
}

/// erf(x), absolute error about 1e-7.
PRIMA_INLINE float vm_erf(float x) {
    float ax = __builtin_fabsf(x);
    float small = vm_erf_small(ax, x * x);
    float large = 1.0f - vm_erfc_large(ax);
    float r = ax < ERF_SPLIT ? small : large;
    return __builtin_copysignf(r, x);
}

// GELU's normal CDF in one branch: Phi(-s) = exp(L(s)) for s = |x| <= 6, L approximating log Phi(-s) with the
// error weighted by what reaches GELU (Scripts/reference/fit_vecmath.py).
#define LOG_NCDF_0 -6.931471229e-01f
#define LOG_NCDF_1 -7.978865504e-01f
#define LOG_NCDF_2 -3.182883859e-01f
#define LOG_NCDF_3 -3.642241657e-02f
#define LOG_NCDF_4 4.951002542e-03f
#define LOG_NCDF_5 -1.403508795e-04f
#define LOG_NCDF_6 -1.090158912e-04f
#define LOG_NCDF_7 2.285135633e-05f
#define LOG_NCDF_8 -1.577484340e-06f
#define VM_LN2 0.693147182f

/// exp(x) for x in [-87.3, 0] with a one-constant range reduction: its error, |n| * 2e-9 relative, grows with
/// the magnitude of the argument, which suits the GELU terms, where a large argument means a negligible result.
PRIMA_INLINE float vm_exp_gelu(float x) {
    float shifted = x * VM_LOG2E + VM_ROUND_MAGIC;
    float n = shifted - VM_ROUND_MAGIC;
    int32_t ni = (int32_t)(vm_to_bits(shifted) - vm_to_bits(VM_ROUND_MAGIC));
    float r = x - n * VM_LN2;
    float p = EXP_P_4;
    p = p * r + EXP_P_3;
    p = p * r + EXP_P_2;
    p = p * r + EXP_P_1;
    p = p * r + EXP_P_0;
    p = (p * r) * r + r + 1.0f;
    return p * vm_from_bits((uint32_t)(ni + 127) << 23);
}

/// The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, about 1e-7 absolute and accurate relative to Phi
/// in the left tail: one polynomial and one exp, where 1 + vm_erf would need two polynomials and an exp.
/// Phi is taken as 0 below -6 (Phi(-6) = 1e-9), so GELU(-inf) is NaN as in PyTorch.
PRIMA_INLINE float vm_normal_cdf(float x) {
    float s = __builtin_fabsf(x);
    float c = s > 6.0f ? 6.0f : s;
    float l = LOG_NCDF_8;
    l = l * c + LOG_NCDF_7;
    l = l * c + LOG_NCDF_6;
    l = l * c + LOG_NCDF_5;
    l = l * c + LOG_NCDF_4;
    l = l * c + LOG_NCDF_3;
    l = l * c + LOG_NCDF_2;
    l = l * c + LOG_NCDF_1;
    l = l * c + LOG_NCDF_0;
    float tail = vm_exp_gelu(l);   // Phi(-s); l >= -20.8
    tail = s > 6.0f ? 0.0f : tail;
    return x < 0.0f ? tail : 1.0f - tail;
}

#endif
