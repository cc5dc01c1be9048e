/*
 * kernel_check.h - check one kernel against the generic kernel.
 *
 * Shared by the kernel tests and the main job (bench/run_model.c), so both
 * judge a kernel by the same rule.
 */
#ifndef KERNEL_CHECK_H
#define KERNEL_CHECK_H

#include <stddef.h>

#include "dwgen.h"

typedef struct kernel_check {
    int ok;               /* 1 when every element is within tolerance and no guard was hit */
    double max_err;       /* largest |kernel - generic| */
    char what[256];       /* the first problem found, for a failure message */
} kernel_check;

/*
 * Run `entry` (its pack function too, if any) and dwgen_generic_rows on the
 * same random data (from `seed`) for `batch` images, with or without a bias,
 * splitting the rows into `splits` row ranges; the output sits between NaN
 * guard bands and starts as NaN. Tolerance: any summation order and FMA,
 * 4 * (taps + 2) * 2^-24 * (sum of |x * w| + |bias|) per element.
 * Returns 0 and fills *res, or -1 when the params are invalid or memory ran out.
 */
int kernel_check_run(const dwgen_kernel_entry *entry, const dwgen_params *params,
                     unsigned seed, size_t batch, int with_bias, int splits,
                     kernel_check *res);

#endif
