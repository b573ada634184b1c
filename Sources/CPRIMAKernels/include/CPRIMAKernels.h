#ifndef CPRIMA_KERNELS_H
#define CPRIMA_KERNELS_H
#include <stddef.h>
/// Vectorised float kernels (see kernels.c); each is compiled for AVX-512, AVX2+FMA and a baseline.
float prima_kernels_version(void);
#endif
