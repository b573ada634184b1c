// Per-thread nesting depth of PRIMATensor's parallel regions: a kernel already running on a worker of a
// parallel loop must not split its work again (the cores are taken), so matrix products called from inside
// a parallel region run on the calling thread.
#include "CPRIMAKernels.h"

static _Thread_local int parallel_depth = 0;

int prima_parallel_depth(void) { return parallel_depth; }
void prima_parallel_enter(void) { parallel_depth += 1; }
void prima_parallel_exit(void) { parallel_depth -= 1; }
