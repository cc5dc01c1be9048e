/*
 * bench_stats.c - median, quartiles and range of a sample.
 */
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted[0..n), interpolating between neighbours. */
static double quantile(const double *sorted, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

bench_summary bench_summarize(const double *values, size_t n)
{
    bench_summary s = { 0, 0, 0, 0, 0 };
    double *sorted = malloc(n * sizeof *sorted);
    if (n == 0 || sorted == NULL) {
        free(sorted);
        return s;
    }
    memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    s.median = quantile(sorted, n, 0.5);
    s.q1 = quantile(sorted, n, 0.25);
    s.q3 = quantile(sorted, n, 0.75);
    s.min = sorted[0];
    s.max = sorted[n - 1];
    free(sorted);
    return s;
}
