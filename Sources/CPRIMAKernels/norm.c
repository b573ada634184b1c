// Layer norm and RMS norm over the last axis, forward and backward. Statistics are computed per row in two
// passes over the (L1-resident) row; the backward pass recomputes x-hat from the saved mean and rstd.
#include <math.h>
#include "CPRIMAKernels.h"
#include "reduce.h"

PRIMA_CLONES void prima_layer_norm_forward_f32(const float *x, const float *weight, const float *bias,
                                               float *y, float *mean, float *rstd, size_t rows, size_t cols, float eps) {
    float inv_n = 1.0f / (float)cols;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mu = row_sum(xr, cols) * inv_n;
        float rs = 1.0f / sqrtf(row_centred_square_sum(xr, mu, cols) * inv_n + eps);
        mean[r] = mu;
        rstd[r] = rs;
        if (weight && bias) {
            for (size_t i = 0; i < cols; i++) yr[i] = (xr[i] - mu) * rs * weight[i] + bias[i];
        } else if (weight) {
            for (size_t i = 0; i < cols; i++) yr[i] = (xr[i] - mu) * rs * weight[i];
        } else if (bias) {
            for (size_t i = 0; i < cols; i++) yr[i] = (xr[i] - mu) * rs + bias[i];
        } else {
            for (size_t i = 0; i < cols; i++) yr[i] = (xr[i] - mu) * rs;
        }
    }
}

// With g = dy * weight and x-hat = (x - mean) * rstd:
//   dx = rstd * (g - mean(g) - x-hat * mean(g * x-hat)),  dweight += dy * x-hat,  dbias += dy.
PRIMA_CLONES void prima_layer_norm_backward_f32(const float *x, const float *dy, const float *weight,
                                                const float *mean, const float *rstd, float *dx,
                                                float *dweight, float *dbias, size_t rows, size_t cols) {
    float inv_n = 1.0f / (float)cols;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols, *gr = dy + r * cols;
        float mu = mean[r], rs = rstd[r];
        if (dx) {
            float sum_g = 0.0f, sum_gx = 0.0f;
            if (weight) {
                PRIMA_VECTORIZE_REDUCTION
                for (size_t i = 0; i < cols; i++) {
                    float g = gr[i] * weight[i];
                    sum_g += g;
                    sum_gx += g * (xr[i] - mu);
                }
            } else {
                PRIMA_VECTORIZE_REDUCTION
                for (size_t i = 0; i < cols; i++) {
                    sum_g += gr[i];
                    sum_gx += gr[i] * (xr[i] - mu);
                }
            }
            float mean_g = sum_g * inv_n;
            float mean_gx = sum_gx * rs * inv_n;   // mean(g * x-hat)
            float *dr = dx + r * cols;
            if (weight) {
                for (size_t i = 0; i < cols; i++)
                    dr[i] = rs * (gr[i] * weight[i] - mean_g - (xr[i] - mu) * rs * mean_gx);
            } else {
                for (size_t i = 0; i < cols; i++)
                    dr[i] = rs * (gr[i] - mean_g - (xr[i] - mu) * rs * mean_gx);
            }
        }
        if (dweight) {
            for (size_t i = 0; i < cols; i++) dweight[i] += gr[i] * (xr[i] - mu) * rs;
        }
        if (dbias) {
            for (size_t i = 0; i < cols; i++) dbias[i] += gr[i];
        }
    }
}

PRIMA_CLONES void prima_rms_norm_forward_f32(const float *x, const float *weight, float *y, float *rstd,
                                             size_t rows, size_t cols, float eps) {
    float inv_n = 1.0f / (float)cols;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float rs = 1.0f / sqrtf(row_dot(xr, xr, cols) * inv_n + eps);
        rstd[r] = rs;
        if (weight) {
            for (size_t i = 0; i < cols; i++) yr[i] = xr[i] * rs * weight[i];
        } else {
            for (size_t i = 0; i < cols; i++) yr[i] = xr[i] * rs;
        }
    }
}

// With g = dy * weight and x-hat = x * rstd: dx = rstd * (g - x-hat * mean(g * x-hat)), dweight += dy * x-hat.
PRIMA_CLONES void prima_rms_norm_backward_f32(const float *x, const float *dy, const float *weight, const float *rstd,
                                              float *dx, float *dweight, size_t rows, size_t cols) {
    float inv_n = 1.0f / (float)cols;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols, *gr = dy + r * cols;
        float rs = rstd[r];
        if (dx) {
            float sum_gx = 0.0f;
            if (weight) {
                PRIMA_VECTORIZE_REDUCTION
                for (size_t i = 0; i < cols; i++) sum_gx += gr[i] * weight[i] * xr[i];
            } else {
                sum_gx = row_dot(gr, xr, cols);
            }
            float scale = rs * rs * sum_gx * rs * inv_n;   // rstd * mean(g * x-hat) * rstd
            float *dr = dx + r * cols;
            if (weight) {
                for (size_t i = 0; i < cols; i++) dr[i] = rs * gr[i] * weight[i] - xr[i] * scale;
            } else {
                for (size_t i = 0; i < cols; i++) dr[i] = rs * gr[i] - xr[i] * scale;
            }
        }
        if (dweight) {
            for (size_t i = 0; i < cols; i++) dweight[i] += gr[i] * xr[i] * rs;
        }
    }
}
