/*
 * bench_pair.c - a caller plus one persistent worker thread.
 *
 * Hand-off: the caller posts job n by storing `posted` = n under the lock
 * and signalling, then runs part 0. Part 1 goes to whichever thread claims
 * it first (compare-and-swap of `claimed` from n-1 to n): normally the
 * worker, which is spinning; but when the worker is descheduled (the
 * machine is shared) the caller takes it after part 0 instead of waiting
 * a scheduler tick for it. `done` = n says part 1 is finished.
 *
 * Both sides spin briefly before sleeping (worker) or yielding (caller):
 * inside a timed batch the next job follows at once, so spinning avoids a
 * futex wake-up per run; between batches the worker soon sleeps and leaves
 * the core to the single-thread implementations being timed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench_pair.h"
#include "bench_timer.h"

/* How long either side spins before it sleeps or yields. */
#define SPIN_NS 50e3

struct bench_pair {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint posted;      /* the last job posted */
    atomic_uint claimed;     /* the last job whose part 1 someone took */
    atomic_uint done;        /* the last job whose part 1 is finished */
    atomic_int quit;
    bench_pair_fn fn;        /* the current job, written before posted moves */
    void *arg;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Wait until posted differs from seen or quit is set; returns posted. */
static unsigned wait_for_job(bench_pair *p, unsigned seen)
{
    double t0 = bench_now_ns();
    unsigned now;
    while ((now = atomic_load_explicit(&p->posted, memory_order_acquire)) == seen &&
           !atomic_load(&p->quit)) {
        if (bench_now_ns() - t0 < SPIN_NS) {
            relax();
            continue;
        }
        pthread_mutex_lock(&p->lock);
        while (atomic_load(&p->posted) == seen && !atomic_load(&p->quit))
            pthread_cond_wait(&p->wake, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
    return now;
}

/* Take part 1 of job n if nobody has; 1 when this thread got it. */
static int claim(bench_pair *p, unsigned n)
{
    unsigned expected = n - 1;
    return atomic_compare_exchange_strong(&p->claimed, &expected, n);
}

static void *worker(void *arg)
{
    bench_pair *p = arg;
    unsigned seen = 0;
    for (;;) {
        seen = wait_for_job(p, seen);
        if (atomic_load(&p->quit))
            return NULL;
        /* After a successful claim the caller waits for `done`, so fn and arg stay put. */
        if (claim(p, seen)) {
            p->fn(p->arg, 1);
            atomic_store_explicit(&p->done, seen, memory_order_release);
        }
    }
}

bench_pair *bench_pair_create(void)
{
    bench_pair *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    atomic_init(&p->posted, 0);
    atomic_init(&p->claimed, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->quit, 0);
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    if (pthread_create(&p->thread, NULL, worker, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void bench_pair_run(bench_pair *p, bench_pair_fn fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->arg = arg;
    unsigned job = atomic_load(&p->posted) + 1;
    atomic_store_explicit(&p->posted, job, memory_order_release);
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);

    fn(arg, 0);
    if (claim(p, job)) {
        fn(arg, 1);     /* the worker has not started: do its part here */
        return;
    }
    double t0 = bench_now_ns();
    while (atomic_load_explicit(&p->done, memory_order_acquire) != job) {
        if (bench_now_ns() - t0 < SPIN_NS)
            relax();
        else
            sched_yield();
    }
}

void bench_pair_destroy(bench_pair *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->quit, 1);
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
