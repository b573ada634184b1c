#include "CPRIMAKernels.h"
float prima_kernels_version(void) { return 1.0f; }
