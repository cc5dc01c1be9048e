/*
 * testutil.c - random data, guarded buffers and comparisons for the tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* ---- deterministic random numbers ------------------------------------ */

/* xorshift64* (Vigna): small, fast, and good enough for test data. */
void tu_rng_seed(tu_rng *rng, uint64_t seed)
{
    /* One splitmix64 step spreads small seeds over the state; the state
     * must never be 0, which would make xorshift stick at 0. */
    uint64_t z = seed + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    rng->state = z ? z : 1;
}

uint32_t tu_rng_next(tu_rng *rng)
{
    uint64_t x = rng->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng->state = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Du) >> 32);
}

/* Uniform in [lo, hi] (hi itself only through float rounding). */
float tu_rng_uniform(tu_rng *rng, float lo, float hi)
{
    /* 24 bits: exactly representable in a float, so u is in [0, 1). */
    float u = (float)(tu_rng_next(rng) >> 8) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
}

void tu_fill_uniform(tu_rng *rng, float *dst, size_t count, float lo, float hi)
{
    for (size_t i = 0; i < count; i++)
        dst[i] = tu_rng_uniform(rng, lo, hi);
}

/* ---- layout ---------------------------------------------------------- */

tu_dims tu_output_dims(const dwgen_shape *shape)
{
    tu_dims d = { shape->out_h, shape->out_w, shape->out_c };
    return d;
}

/* Split a flat NHWC index into its coordinates for a message. */
static void coords(tu_dims d, size_t index, size_t *n, int *i, int *j, int *ch)
{
    *n = 0;
    *i = *j = *ch = -1;
    if (d.h < 1 || d.w < 1 || d.c < 1)
        return;  /* unknown layout: the flat index alone must do */
    size_t image = (size_t)d.h * (size_t)d.w * (size_t)d.c;
    size_t r = index % image;
    *n = index / image;
    *i = (int)(r / ((size_t)d.w * (size_t)d.c));
    *j = (int)((r / (size_t)d.c) % (size_t)d.w);
    *ch = (int)(r % (size_t)d.c);
}

/* ---- comparisons ----------------------------------------------------- */

void tu_assert_allclose(const char *what, tu_dims dims, const float *expected,
                        const float *actual, size_t count,
                        double tol_abs, double tol_rel)
{
    for (size_t k = 0; k < count; k++) {
        double e = expected[k], a = actual[k];
        double diff = fabs(a - e);
        double tol = tol_abs + tol_rel * fabs(e);
        if (diff <= tol)
            continue;  /* written so that a NaN fails */
        size_t n;
        int i, j, ch;
        coords(dims, k, &n, &i, &j, &ch);
        fail_msg("%s: element %zu (n=%zu, i=%d, j=%d, channel=%d): "
                 "expected %.9g, actual %.9g, |diff| %.3g > tolerance %.3g "
                 "(abs %.3g, rel %.3g)",
                 what, k, n, i, j, ch, e, a, diff, tol, tol_abs, tol_rel);
    }
}

void tu_assert_identical(const char *what, tu_dims dims, const float *expected,
                         const float *actual, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        if (memcmp(&expected[k], &actual[k], sizeof(float)) == 0)
            continue;
        size_t n;
        int i, j, ch;
        coords(dims, k, &n, &i, &j, &ch);
        fail_msg("%s: element %zu (n=%zu, i=%d, j=%d, channel=%d): "
                 "expected exactly %.9g, actual %.9g",
                 what, k, n, i, j, ch, (double)expected[k], (double)actual[k]);
    }
}

/* ---- guarded buffers ------------------------------------------------- */

/* A quiet NaN with a payload no arithmetic produces: any write changes it. */
static const uint32_t guard_bits = 0x7FC0DEADu;

static void fill_guard(float *p, size_t count)
{
    for (size_t k = 0; k < count; k++)
        memcpy(&p[k], &guard_bits, sizeof(float));
}

static int is_guard(const float *p)
{
    return memcmp(p, &guard_bits, sizeof(float)) == 0;
}

void tu_guarded_init(tu_guarded *g, size_t count)
{
    g->block = malloc((count + 2 * TU_GUARD) * sizeof(float));
    assert_non_null(g->block);
    g->out = g->block + TU_GUARD;
    g->count = count;
    fill_guard(g->block, count + 2 * TU_GUARD);
}

void tu_guarded_free(tu_guarded *g)
{
    free(g->block);
    g->block = g->out = NULL;
    g->count = 0;
}

void tu_guarded_reset(tu_guarded *g)
{
    fill_guard(g->out, g->count);
}

void tu_guarded_check_guards(const tu_guarded *g, const char *what)
{
    for (size_t k = 0; k < TU_GUARD; k++) {
        if (!is_guard(&g->block[k]))
            fail_msg("%s: wrote %zu elements before the output (value %.9g)",
                     what, TU_GUARD - k, (double)g->block[k]);
        if (!is_guard(&g->out[g->count + k]))
            fail_msg("%s: wrote element %zu past the end of the %zu-element "
                     "output (value %.9g)",
                     what, k, g->count, (double)g->out[g->count + k]);
    }
}

void tu_guarded_check(const tu_guarded *g, const char *what, tu_dims dims)
{
    tu_guarded_check_guards(g, what);
    tu_assert_written(what, dims, g->out, 0, g->count);
}

void tu_assert_untouched(const char *what, tu_dims dims, const float *out,
                         size_t begin, size_t end)
{
    for (size_t k = begin; k < end; k++) {
        if (is_guard(&out[k]))
            continue;
        size_t n;
        int i, j, ch;
        coords(dims, k, &n, &i, &j, &ch);
        fail_msg("%s: element %zu (n=%zu, i=%d, j=%d, channel=%d) "
                 "should not have been written, holds %.9g",
                 what, k, n, i, j, ch, (double)out[k]);
    }
}

void tu_assert_written(const char *what, tu_dims dims, const float *out,
                       size_t begin, size_t end)
{
    for (size_t k = begin; k < end; k++) {
        if (!isnan(out[k]))
            continue;
        size_t n;
        int i, j, ch;
        coords(dims, k, &n, &i, &j, &ch);
        fail_msg("%s: element %zu (n=%zu, i=%d, j=%d, channel=%d) "
                 "is NaN: never written",
                 what, k, n, i, j, ch);
    }
}

/* ---- conveniences ---------------------------------------------------- */

dwgen_params tu_params_basic(void)
{
    dwgen_params p;
    memset(&p, 0, sizeof p);
    p.in_h = 6;
    p.in_w = 5;
    p.channels = 3;
    p.kernel_h = 3;
    p.kernel_w = 3;
    p.stride_h = p.stride_w = 1;
    p.rate_h = p.rate_w = 1;
    p.padding = DWGEN_PAD_SAME;
    p.multiplier = 2;
    p.activation = DWGEN_ACT_NONE;
    p.dtype = DWGEN_F32;
    return p;
}

float *tu_floats(size_t count)
{
    float *p = malloc((count ? count : 1) * sizeof(float));
    assert_non_null(p);
    return p;
}
