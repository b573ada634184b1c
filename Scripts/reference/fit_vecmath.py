"""Fits the polynomial coefficients of the vectorised exp / tanh / erf kernels (Sources/CPRIMAKernels/vecmath.h).

Each fit is a near-minimax polynomial (Lawson's iteratively reweighted least squares on Chebyshev nodes)
against mpmath in 30-digit precision, minimising the error that matters for that branch. Prints C constants.
Run: /work/venv-ref/bin/python Scripts/reference/fit_vecmath.py
"""
import math

import mpmath
import numpy as np

mpmath.mp.dps = 30


def chebyshev_nodes(lo, hi, n=4000):
    return np.cos(np.linspace(0, np.pi, n)) * (hi - lo) / 2 + (hi + lo) / 2


def lawson(xs, powers_of, target, weight, degree, iters=300):
    """Coefficients c minimising max |weight * (sum_k c_k powers_of(x)^k - target)|."""
    basis = np.stack([powers_of(xs) ** k for k in range(degree + 1)], 1)
    w = np.full(len(xs), 1 / len(xs))
    for _ in range(iters):
        root = np.sqrt(w)
        c, *_ = np.linalg.lstsq(basis * root[:, None], target * root, rcond=None)
        err = np.abs((basis @ c - target) * weight)
        w = w * err
        w /= w.sum()
    return c, float(np.max(np.abs((basis @ c - target) * weight)))


def show(name, coeffs, err):
    print(f"// {name}: max weighted error {err:.3g}")
    for k, v in enumerate(coeffs):
        print(f"#define {name}_{k} {np.float32(v):.9e}f")


# exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2/2, minimising the relative error of exp(r).
half_ln2 = math.log(2) / 2
xs = chebyshev_nodes(-half_ln2, half_ln2)
xs = xs[np.abs(xs) > 1e-4]
target = np.array([float((mpmath.exp(x) - 1 - x) / x**2) for x in xs])
show("EXP_P", *lawson(xs, lambda x: x, target, xs**2 / np.exp(xs), 4))

# tanh(x) = x + x * z * Q(z), z = x^2, on |x| <= 0.625, minimising the relative error of tanh(x).
xs = chebyshev_nodes(1e-3, 0.625)
target = np.array([float((mpmath.tanh(x) / x - 1) / x**2) for x in xs])
show("TANH_Q", *lawson(xs, lambda x: x * x, target, xs**3 / np.tanh(xs), 4))

# erf(x) = x * P(x^2) on |x| <= 0.9, minimising the absolute error of erf.
split = 0.9
xs = chebyshev_nodes(1e-6, split)
target = np.array([float(mpmath.erf(x) / x) for x in xs])
show("ERF_SMALL", *lawson(xs, lambda x: x * x, target, xs, 5))

# erf(x) = 1 - exp(R(x - 2.45) - x^2) on 0.9 <= x <= 4 (R approximates log(erfcx)), absolute error of erf.
centre = (4 + split) / 2
xs = chebyshev_nodes(split, 4)
target = np.array([float(mpmath.log(mpmath.erfc(x)) + mpmath.mpf(x) ** 2) for x in xs])
weight = np.array([float(mpmath.erfc(x)) for x in xs])
show("ERF_LARGE", *lawson(xs, lambda x: x - centre, target, weight, 6))
print(f"// erf split {split}, large-branch centre {centre}")

# GELU's normal CDF in one branch: Phi(-s) = exp(L(s)) for s = |x| <= 6 (Phi(-6) = 1e-9), L approximating
# log Phi(-s); Phi(x) is then exp(L) for x < 0 and 1 - exp(L) for x >= 0, with no cancellation in the left tail.
# The weight is the error that reaches GELU = x Phi(x): Phi(-s) * max(1, s) per unit error of L.
# Monomials in s (not s - centre): float rounding then stays small near s = 0, where Phi(-s) is large.
xs = chebyshev_nodes(0, 6)
target = np.array([float(mpmath.log(mpmath.ncdf(-x))) for x in xs])
weight = np.array([float(mpmath.ncdf(-x)) for x in xs]) * np.maximum(1, xs)
show("LOG_NCDF", *lawson(xs, lambda x: x, target, weight, 8))
