/*
 * bench_pair.h - run one job on two threads: the caller and one worker.
 *
 * For the two-thread measurement of a specialized plan: each half of the
 * output rows goes to one thread. The worker lives as long as the pair, so
 * a run costs a wake-up, not a thread creation (which would take longer
 * than the smaller layers).
 */
#ifndef BENCH_PAIR_H
#define BENCH_PAIR_H

typedef struct bench_pair bench_pair;

/* One job: part 0 runs on the caller, part 1 on the worker. */
typedef void (*bench_pair_fn)(void *arg, int part);

/* Start the worker; NULL when a thread or lock cannot be created. */
bench_pair *bench_pair_create(void);

/* Run fn(arg, 0) here and fn(arg, 1) on the worker; return when both are done. */
void bench_pair_run(bench_pair *pair, bench_pair_fn fn, void *arg);

/* Stop the worker and free the pair (NULL does nothing). */
void bench_pair_destroy(bench_pair *pair);

#endif
