/*
 * bench_check.c - every implementation's output against the generic kernel.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_check.h"

static float *absolute_copy(const float *src, size_t n)
{
    float *dst = malloc((n ? n : 1) * sizeof *dst);
    if (dst != NULL)
        for (size_t i = 0; i < n; i++)
            dst[i] = fabsf(src[i]);
    return dst;
}

int bench_reference_make(const bench_layer *layer, bench_reference *ref)
{
    const dwgen_shape *s = &layer->shape;
    dwgen_params plain = layer->info->params;
    int rc = -1;

    plain.activation = DWGEN_ACT_NONE;
    ref->want = malloc(s->output_elems * sizeof(float));
    ref->mag = malloc(s->output_elems * sizeof(float));
    float *in = absolute_copy(layer->input, s->input_elems);
    float *w = absolute_copy(layer->filter, s->filter_elems);
    float *b = absolute_copy(layer->bias, s->bias_elems);
    if (ref->want && ref->mag && in && w && b &&
        dwgen_conv_generic(&layer->info->params, 1, layer->input, layer->filter, layer->bias,
                           ref->want) == DWGEN_OK &&
        dwgen_conv_generic(&plain, 1, in, w, b, ref->mag) == DWGEN_OK)
        rc = 0;
    free(in);
    free(w);
    free(b);
    if (rc != 0)
        bench_reference_free(ref);
    return rc;
}

void bench_reference_free(bench_reference *ref)
{
    free(ref->want);
    free(ref->mag);
    ref->want = ref->mag = NULL;
}

int bench_check_output(const bench_layer *layer, const bench_reference *ref, const float *got,
                       double *max_err, char *what, size_t len)
{
    const dwgen_shape *s = &layer->shape;
    const dwgen_params *p = &layer->info->params;
    double taps = (double)p->kernel_h * p->kernel_w;
    int ok = 1;

    *max_err = 0;
    for (size_t i = 0; i < s->output_elems; i++) {
        double err = fabs((double)got[i] - ref->want[i]);
        double tol = 4.0 * (taps + 2) * ldexp(1.0, -24) * ref->mag[i];
        if (isnan(err))
            err = INFINITY;
        if (err > *max_err)
            *max_err = err;
        if (ok && !(err <= tol)) {
            size_t pixel = i / (size_t)s->out_c;
            snprintf(what, len, "element %zu (row %zu, column %zu, channel %zu): "
                     "got %.9g, generic %.9g, tolerance %.3g",
                     i, pixel / (size_t)s->out_w, pixel % (size_t)s->out_w,
                     i % (size_t)s->out_c, got[i], ref->want[i], tol);
            ok = 0;
        }
    }
    return ok;
}
