/*
 * bench_stats.h - summaries of repeated measurements.
 *
 * The machine is shared and noisy, so every number the benchmark prints is
 * a median of rounds with its interquartile range, never a single run.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>

typedef struct bench_summary {
    double median;
    double q1, q3;      /* interquartile range */
    double min, max;
} bench_summary;

/* Summarize n >= 1 values (the array is not modified). */
bench_summary bench_summarize(const double *values, size_t n);

#endif
