// Internal to CPRIMAOneDNN: every oneDNN call of this target runs on the calling thread only.
#ifndef PRIMA_ONEDNN_THREADS_H
#define PRIMA_ONEDNN_THREADS_H

/// Sets oneDNN's OpenMP thread count to one on the calling thread (once per thread). The package splits large
/// products into blocks across its own workers; without this, two workers would each start an OpenMP team on
/// the same cores. The OpenMP thread count is a per-thread setting, so each worker sets its own.
void prima_onednn_single_threaded_here(void);

#endif
