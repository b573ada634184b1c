#include "onednn_threads.h"

#include <dlfcn.h>

void prima_onednn_single_threaded_here(void) {
    static __thread int done = 0;
    if (done) return;
    done = 1;
    // Looked up at run time: libdnnl brings its own OpenMP runtime, which this target does not link directly.
    void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set_threads) set_threads(1);
}
