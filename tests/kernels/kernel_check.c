/*
 * kernel_check.c - the rule every specialized kernel is held to.
 *
 * The tolerance is derived, not tuned: a sum of n float products computed in
 * any order (with or without FMA) is within n * 2^-24 * (1 + small) of the
 * exact sum, relative to the sum of the magnitudes of its terms. Two such
 * sums (kernel and generic) differ by at most twice that; the factor 4
 * covers the activation's slope (at most 1.5, for hswish). The magnitudes
 * are computed by the generic kernel itself on |x|, |w| and |bias|.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel_check.h"

enum { GUARD = 64 }; /* NaN floats before and after each output */

/* Uniform in [-1, 1) from xorshift32 (deterministic, seed != 0). */
static float rnd(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (float)((x >> 8) * (2.0 / 16777216.0) - 1.0);
}

static void fill(float *p, size_t n, unsigned *state)
{
    for (size_t i = 0; i < n; i++)
        p[i] = rnd(state);
}

static void fill_nan(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = NAN;
}

static void absolute(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = fabsf(src[i]);
}

/* Run a kernel over `batch` images in `splits` row ranges. */
static void run_split(dwgen_kernel_fn fn, const dwgen_params *p, const dwgen_shape *s,
                      const float *w, const float *bias, const float *in, float *out,
                      size_t batch, int splits)
{
    for (size_t n = 0; n < batch; n++)
        for (int k = 0; k < splits; k++) {
            int begin = (int)((long long)s->out_h * k / splits);
            int end = (int)((long long)s->out_h * (k + 1) / splits);
            fn(p, s, w, bias, in + n * s->input_elems, out + n * s->output_elems, begin, end);
        }
}

/* Compare got (with guards) against want; first failure into res->what. */
static void compare(const dwgen_shape *s, const float *guarded, const float *want,
                    const float *mag, size_t total, int taps, kernel_check *res)
{
    const float *got = guarded + GUARD;
    res->ok = 1;
    res->max_err = 0;
    for (size_t g = 0; g < GUARD; g++)
        if (!isnan(guarded[g]) || !isnan(got[total + g])) {
            snprintf(res->what, sizeof res->what, "write outside the output (guard %s +%zu)",
                     isnan(guarded[g]) ? "after" : "before", g);
            res->ok = 0;
            return;
        }
    for (size_t i = 0; i < total; i++) {
        double err = fabs((double)got[i] - want[i]);
        double tol = 4.0 * (taps + 2) * ldexp(1.0, -24) * mag[i];
        if (err > res->max_err || isnan(err))
            res->max_err = isnan(err) ? INFINITY : err;
        if (res->ok && !(err <= tol)) {
            size_t pix = i / (size_t)s->out_c, per_image = (size_t)s->out_h * s->out_w;
            snprintf(res->what, sizeof res->what,
                     "n=%zu i=%zu j=%zu channel=%zu: got %.9g, want %.9g (tolerance %.3g)",
                     pix / per_image, pix % per_image / (size_t)s->out_w,
                     pix % (size_t)s->out_w, i % (size_t)s->out_c, got[i], want[i], tol);
            res->ok = 0;
        }
    }
}

int kernel_check_run(const dwgen_kernel_entry *entry, const dwgen_params *params,
                     unsigned seed, size_t batch, int with_bias, int splits,
                     kernel_check *res)
{
    dwgen_shape s;
    size_t total;
    int rc = -1;
    unsigned state = seed ? seed : 1;

    res->ok = 0;
    res->max_err = 0;
    snprintf(res->what, sizeof res->what, "invalid parameters or out of memory");
    if (dwgen_shape_of(params, &s) != DWGEN_OK || batch == 0 || splits < 1)
        return -1;
    total = batch * s.output_elems;

    float *in = malloc(batch * s.input_elems * sizeof(float));
    float *w = malloc(s.filter_elems * sizeof(float));
    float *bias = calloc(s.bias_elems, sizeof(float));
    float *want = malloc(total * sizeof(float));
    float *mag = malloc(total * sizeof(float));
    float *got = malloc((total + 2 * GUARD) * sizeof(float));
    float *packed = NULL;
    if (!in || !w || !bias || !want || !mag || !got)
        goto done;
    fill(in, batch * s.input_elems, &state);
    fill(w, s.filter_elems, &state);
    if (with_bias)
        fill(bias, s.bias_elems, &state);
    if (entry->pack != NULL) {
        if ((packed = malloc(entry->pack(params, w, NULL) * sizeof(float))) == NULL)
            goto done;
        entry->pack(params, w, packed);
    }

    fill_nan(got, total + 2 * GUARD);
    run_split(entry->fn, params, &s, packed ? packed : w, bias, in, got + GUARD, batch, splits);
    run_split(dwgen_generic_rows, params, &s, w, bias, in, want, batch, 1);

    dwgen_params plain = *params;
    plain.activation = DWGEN_ACT_NONE;
    absolute(in, in, batch * s.input_elems);
    absolute(w, w, s.filter_elems);
    absolute(bias, bias, s.bias_elems);
    run_split(dwgen_generic_rows, &plain, &s, w, bias, in, mag, batch, 1);

    compare(&s, got, want, mag, total, params->kernel_h * params->kernel_w, res);
    rc = 0;
done:
    free(in); free(w); free(bias); free(want); free(mag); free(got); free(packed);
    return rc;
}
