// PRIMATensor's parallel regions: a per-thread nesting depth and a pool of worker threads.
//
// Depth: a kernel already running on a worker of a parallel loop must not split its work again (the cores are
// taken), so matrix products called from inside a parallel region run on the calling thread.
//
// Pool: a training step runs thousands of short parallel regions (one per large elementwise op or product).
// Waking a sleeping thread for each costs microseconds of system time and leaves the caller waiting; so workers
// spin for a short while after each region (as OpenMP runtimes do) and sleep only when no work came.
//
// One region at a time: its caller publishes (task, context, count) under a seqlock, then every thread, the
// caller included, claims indices from one 64-bit word holding the region's generation (high 32 bits) and the
// next index (low 32 bits). A worker that read an older region's fields cannot claim in a newer one: its
// compare-and-swap names the old generation. The next region's fields are written only after the previous
// region finished all its indices, so a claimed index always belongs to the fields the worker read.
#include "CPRIMAKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static _Thread_local int parallel_depth = 0;

int prima_parallel_depth(void) { return parallel_depth; }
void prima_parallel_enter(void) { parallel_depth += 1; }
void prima_parallel_exit(void) { parallel_depth -= 1; }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static struct {
    pthread_mutex_t submit;            // held by the caller of the running region
    uint32_t generation;               // last published region (under `submit`)
    atomic_uint_fast32_t version;      // seqlock over the fields below: odd while they are written
    _Atomic(prima_pool_task) task;
    _Atomic(void *) context;
    atomic_long count;
    _Atomic uint64_t claim;            // generation << 32 | next index
    atomic_long finished;              // indices of the current region done
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    atomic_int sleepers;
    int workers;                       // started worker threads
    uint64_t spin_ns;
} pool = {
    .submit = PTHREAD_MUTEX_INITIALIZER,
    .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_requested_workers = 0;

// Claims and runs indices of region `generation` (whose fields are `task`, `context`, `count`) until none is left.
static void run_indices(uint32_t generation, prima_pool_task task, void *context, long count) {
    uint64_t word = atomic_load_explicit(&pool.claim, memory_order_acquire);
    for (;;) {
        long index = (long)(word & 0xffffffffu);
        if ((uint32_t)(word >> 32) != generation || index >= count) return;
        if (!atomic_compare_exchange_weak_explicit(&pool.claim, &word, word + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;  // `word` now holds the current value
        task(context, index);
        atomic_fetch_add_explicit(&pool.finished, 1, memory_order_release);
        word = atomic_load_explicit(&pool.claim, memory_order_acquire);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    uint32_t seen = (uint32_t)(atomic_load(&pool.claim) >> 32);
    for (;;) {
        // Wait for a region newer than `seen`: spin for spin_ns, then sleep.
        uint64_t started = 0;
        unsigned spins = 0;
        while ((uint32_t)(atomic_load_explicit(&pool.claim, memory_order_acquire) >> 32) == seen) {
            if ((++spins & 255) == 0) {
                uint64_t t = now_ns();
                if (started == 0) started = t;
                else if (t - started > pool.spin_ns) {
                    pthread_mutex_lock(&pool.sleep_lock);
                    atomic_fetch_add(&pool.sleepers, 1);
                    while ((uint32_t)(atomic_load(&pool.claim) >> 32) == seen)
                        pthread_cond_wait(&pool.wake, &pool.sleep_lock);
                    atomic_fetch_sub(&pool.sleepers, 1);
                    pthread_mutex_unlock(&pool.sleep_lock);
                    break;
                }
            }
            cpu_relax();
        }
        uint32_t observed = (uint32_t)(atomic_load_explicit(&pool.claim, memory_order_acquire) >> 32);
        // Read the region's fields consistently (seqlock). Fields newer than `observed` mean that region has
        // finished already (fields are rewritten only then): wait for the next one.
        for (;;) {
            uint_fast32_t before = atomic_load_explicit(&pool.version, memory_order_acquire);
            if (before & 1) { cpu_relax(); continue; }
            prima_pool_task task = atomic_load_explicit(&pool.task, memory_order_relaxed);
            void *context = atomic_load_explicit(&pool.context, memory_order_relaxed);
            long count = atomic_load_explicit(&pool.count, memory_order_relaxed);
            atomic_thread_fence(memory_order_acquire);
            if (atomic_load_explicit(&pool.version, memory_order_relaxed) != before) continue;
            if ((uint32_t)(before / 2) == observed) run_indices(observed, task, context, count);
            break;
        }
        seen = observed;
    }
    return NULL;
}

static void start_workers(void) {
    const char *text = getenv("PRIMA_POOL_SPIN_US");
    long spin_us = text ? atol(text) : 20;
    pool.spin_ns = (uint64_t)(spin_us < 0 ? 0 : spin_us) * 1000u;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < pool_requested_workers; i++) {
        pthread_t thread;
        if (pthread_create(&thread, &attributes, worker_main, NULL) != 0) break;
        pool.workers += 1;
    }
    pthread_attr_destroy(&attributes);
}

int prima_pool_run(int threads, long count, prima_pool_task task, void *context) {
    if (count <= 0) return 0;
    if (count == 1 || threads <= 1 || pthread_mutex_trylock(&pool.submit) != 0) {
        // One index, one thread, or another region is running (a nested or concurrent caller): run here.
        for (long i = 0; i < count; i++) task(context, i);
        return 0;
    }
    if (pool_requested_workers == 0) pool_requested_workers = threads - 1;  // fixed by the first region
    pthread_once(&pool_once, start_workers);
    if (pool.workers == 0) {
        pthread_mutex_unlock(&pool.submit);
        for (long i = 0; i < count; i++) task(context, i);
        return 0;
    }
    uint32_t generation = pool.generation + 1;
    if (generation >= 0x7fffffffu) generation = 1;  // the version (2 × generation) must fit 32 bits
    pool.generation = generation;
    // Publish: fields under the seqlock, then the claim word that starts the region.
    atomic_store_explicit(&pool.version, 2 * generation - 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&pool.task, task, memory_order_relaxed);
    atomic_store_explicit(&pool.context, context, memory_order_relaxed);
    atomic_store_explicit(&pool.count, count, memory_order_relaxed);
    atomic_store_explicit(&pool.finished, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.version, 2 * generation, memory_order_release);
    atomic_store(&pool.claim, (uint64_t)generation << 32);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    run_indices(generation, task, context, count);
    // Wait for the indices other threads claimed.
    unsigned spins = 0;
    while (atomic_load_explicit(&pool.finished, memory_order_acquire) < count) {
        if ((++spins & 1023) == 0) sched_yield();  // a worker may have been descheduled mid-task
        else cpu_relax();
    }
    pthread_mutex_unlock(&pool.submit);
    return pool.workers + 1;
}
