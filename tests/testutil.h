/*
 * testutil.h - helpers shared by the runtime's cmocka tests.
 *
 *   tu_rng_*      a seeded xorshift64* generator, so every run sees the
 *                 same "random" data and a failure reproduces;
 *   tu_guarded_*  output buffers wrapped in NaN guard bands: a write
 *                 outside the output or a missed element is caught;
 *   tu_assert_*   element-wise comparisons that name the failing element
 *                 by flat index and by (n, i, j, channel).
 *
 * The asserts end the running cmocka test through fail_msg.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "dwgen.h"

/* ---- deterministic random numbers ------------------------------------ */

typedef struct tu_rng {
    uint64_t state;
} tu_rng;

void tu_rng_seed(tu_rng *rng, uint64_t seed);
uint32_t tu_rng_next(tu_rng *rng);
/* Uniform in [lo, hi). */
float tu_rng_uniform(tu_rng *rng, float lo, float hi);
void tu_fill_uniform(tu_rng *rng, float *dst, size_t count, float lo, float hi);

/* ---- layout of an NHWC tensor, for messages -------------------------- */

typedef struct tu_dims {
    int h, w, c;                 /* per image; the batch index is derived */
} tu_dims;

/* The output layout of a valid layer. */
tu_dims tu_output_dims(const dwgen_shape *shape);

/* ---- element-wise comparisons ---------------------------------------- */

/*
 * Fail unless |actual - expected| <= tol_abs + tol_rel * |expected| for
 * every one of count elements (a NaN anywhere fails).
 */
void tu_assert_allclose(const char *what, tu_dims dims, const float *expected,
                        const float *actual, size_t count,
                        double tol_abs, double tol_rel);

/* Fail unless every element has the same bits. */
void tu_assert_identical(const char *what, tu_dims dims, const float *expected,
                         const float *actual, size_t count);

/* ---- NaN-guarded output buffers -------------------------------------- */

/* Elements of guard before and after every guarded buffer. */
#define TU_GUARD ((size_t)64)

typedef struct tu_guarded {
    float *out;                  /* count elements, pre-filled with the guard NaN */
    size_t count;
    float *block;                /* the allocation: guard, out, guard */
} tu_guarded;

/* Allocate and fill everything (guards and output) with the guard NaN. */
void tu_guarded_init(tu_guarded *g, size_t count);
void tu_guarded_free(tu_guarded *g);

/* Refill the output (not only the guards) with the guard NaN. */
void tu_guarded_reset(tu_guarded *g);

/* Fail if a guard was written, or if any output element still holds NaN. */
void tu_guarded_check(const tu_guarded *g, const char *what, tu_dims dims);

/* Fail if a guard was written (the output may hold anything). */
void tu_guarded_check_guards(const tu_guarded *g, const char *what);

/* Fail unless out[begin, end) still holds the guard NaN, bit for bit. */
void tu_assert_untouched(const char *what, tu_dims dims, const float *out,
                         size_t begin, size_t end);

/* Fail if any of out[begin, end) is NaN (an element the kernel missed). */
void tu_assert_written(const char *what, tu_dims dims, const float *out,
                       size_t begin, size_t end);

/* ---- small conveniences ---------------------------------------------- */

/* A valid 3x3 SAME stride-1 layer on a small input, no activation. */
dwgen_params tu_params_basic(void);

/* malloc that fails the test instead of returning NULL. */
float *tu_floats(size_t count);

#endif /* TESTUTIL_H */
