/*
 * bench_check.h - every implementation's output against the generic kernel.
 *
 * The tolerance is derived, not tuned (the same rule as the kernel tests):
 * a sum of n float products in any order, with or without FMA, is within
 * about n * 2^-24 of the sum of the magnitudes of its terms; two such sums
 * differ by twice that, and the factor 4 covers an activation's slope
 * (at most 1.5, hswish). Per element:
 *   |got - want| <= 4 * (taps + 2) * 2^-24 * (sum of |x * w| + |bias|)
 * with the magnitudes computed by the generic kernel on |x|, |w|, |bias|.
 */
#ifndef BENCH_CHECK_H
#define BENCH_CHECK_H

#include <stddef.h>

#include "bench_impl.h"

typedef struct bench_reference {
    float *want;    /* the generic kernel's output */
    float *mag;     /* sum of |x * w| + |bias| per output element */
} bench_reference;

/* Compute the reference for a layer; 0, or -1 when out of memory. */
int bench_reference_make(const bench_layer *layer, bench_reference *ref);

void bench_reference_free(bench_reference *ref);

/*
 * 1 when every element of got is within tolerance (NaN never is); else 0,
 * with the first bad element, its coordinates and both values in what.
 * *max_err gets the largest difference.
 */
int bench_check_output(const bench_layer *layer, const bench_reference *ref, const float *got,
                       double *max_err, char *what, size_t len);

#endif
