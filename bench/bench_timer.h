/*
 * bench_timer.h - wall-clock timing of repeated runs.
 */
#ifndef BENCH_TIMER_H
#define BENCH_TIMER_H

/* One run of an implementation: 0 on success. */
typedef int (*bench_run_fn)(void *state);

/* Monotonic time in nanoseconds. */
double bench_now_ns(void);

/*
 * Nanoseconds per run of `reps` back-to-back runs timed together, or -1
 * when a run fails.
 */
double bench_time_batch(bench_run_fn run, void *state, long reps);

/*
 * How many runs make a timed batch last at least min_ns (at least 1):
 * a batch that short would mostly measure the clock and the first,
 * cold run. Returns -1 when a run fails.
 */
long bench_calibrate(bench_run_fn run, void *state, double min_ns);

#endif
