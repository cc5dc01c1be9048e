/*
 * bench_timer.c - wall-clock timing of repeated runs.
 */
#include <time.h>

#include "bench_timer.h"

enum { MAX_REPS = 1000000 };

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_time_batch(bench_run_fn run, void *state, long reps)
{
    double t0 = bench_now_ns();
    for (long r = 0; r < reps; r++)
        if (run(state) != 0)
            return -1;
    return (bench_now_ns() - t0) / (double)reps;
}

long bench_calibrate(bench_run_fn run, void *state, double min_ns)
{
    /* The first run warms caches and lazily built tables; time the second. */
    if (run(state) != 0)
        return -1;
    double t = bench_time_batch(run, state, 1);
    if (t < 0)
        return -1;
    /* A short run is timed again over more runs: one is below clock resolution. */
    if (t < min_ns / 100) {
        t = bench_time_batch(run, state, 100);
        if (t < 0)
            return -1;
    }
    double reps = t > 0 ? min_ns / t + 1 : MAX_REPS;
    return reps > MAX_REPS ? MAX_REPS : reps < 1 ? 1 : (long)reps;
}
