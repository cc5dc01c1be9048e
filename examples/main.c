/*
 * main.c - the dwgen example application.
 *
 * Runs every layer of the kernel set generated at build time from
 * layers.tsv (the registry's own layer table, so nothing is listed twice)
 * through a plan created with DWGEN_PLAN_NO_FALLBACK, and checks each
 * result against the generic kernel dwgen_conv_generic. Prints one line per
 * layer; exits 1 if a layer has no specialized kernel or disagrees.
 *
 * The build (CMakeLists.txt or Makefile) generates the set with registry
 * example_registry and kernel prefix example.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dwgen.h"
#include "dwgen_kernels.h"

#define REGISTRY example_registry

/* Deterministic values in [-1, 1): a 32-bit LCG, so every run checks the same data. */
static float next_value(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static float *random_array(size_t n, unsigned *state)
{
    float *a = malloc(n * sizeof *a + 1);   /* +1: n may be 0 */
    for (size_t i = 0; a != NULL && i < n; i++)
        a[i] = next_value(state);
    return a;
}

/*
 * Largest error relative to a bound on a float sum's rounding: a kernel
 * may add the taps in another order than the generic kernel, so results
 * may differ by a few units in the last place of the largest term.
 * Returns the worst ratio error / bound (<= 1 means within tolerance).
 */
static double worst_ratio(const dwgen_params *p, const dwgen_shape *s, const float *got,
                          const float *want, size_t *where)
{
    double worst = 0.0;
    const double taps = (double)p->kernel_h * p->kernel_w;
    const double eps = ldexp(1.0, -24);
    for (size_t i = 0; i < s->output_elems; i++) {
        /* |values| <= 1 and |weights| <= 1: each term is at most 1 */
        double bound = 4.0 * (taps + 2.0) * eps * (taps + 1.0) + 1e-30;
        double err = fabs((double)got[i] - (double)want[i]);
        double ratio = err / bound;
        if (!(ratio <= worst)) {   /* NaN counts as worst */
            worst = isnan(ratio) ? INFINITY : ratio;
            *where = i;
        }
    }
    return worst;
}

/* Run one layer both ways; 0 if it passes. */
static int check_layer(const dwgen_layer_info *layer, unsigned *state)
{
    const dwgen_params *p = &layer->params;
    dwgen_shape s;
    dwgen_status st = dwgen_shape_of(p, &s);
    if (st != DWGEN_OK) {
        printf("%-18s %s: %s\n", layer->name, layer->source, dwgen_status_message(st));
        return 1;
    }
    float *input = random_array(s.input_elems, state);
    float *filter = random_array(s.filter_elems, state);
    float *bias = random_array(s.bias_elems, state);
    float *got = malloc(s.output_elems * sizeof *got);
    float *want = malloc(s.output_elems * sizeof *want);
    dwgen_plan *plan = NULL;
    int failed = 1;

    if (input == NULL || filter == NULL || bias == NULL || got == NULL || want == NULL) {
        printf("%-18s out of memory\n", layer->name);
        goto done;
    }
    dwgen_plan_options opt = { .registry = &REGISTRY, .flags = DWGEN_PLAN_NO_FALLBACK };
    st = dwgen_plan_create(p, filter, bias, &opt, &plan);
    if (st != DWGEN_OK) {
        /* DWGEN_ERR_NO_KERNEL: the registry has no kernel for this layer */
        printf("%-18s %s: %s\n", layer->name, layer->source, dwgen_status_message(st));
        goto done;
    }
    for (size_t i = 0; i < s.output_elems; i++)
        got[i] = NAN;   /* a kernel that skips an element fails below */
    st = dwgen_plan_run(plan, 1, input, got);
    if (st == DWGEN_OK)
        st = dwgen_conv_generic(p, 1, input, filter, bias, want);
    if (st != DWGEN_OK) {
        printf("%-18s run failed: %s\n", layer->name, dwgen_status_message(st));
        goto done;
    }
    size_t at = 0;
    double ratio = worst_ratio(p, &s, got, want, &at);
    if (!dwgen_plan_is_specialized(plan)) {
        printf("%-18s FAIL: ran on %s\n", layer->name, dwgen_plan_kernel_name(plan));
    } else if (ratio > 1.0) {
        printf("%-18s FAIL: %s: output %zu is %.9g, the generic kernel gives %.9g\n",
               layer->name, dwgen_plan_kernel_name(plan), at, got[at], want[at]);
    } else {
        printf("%-18s %dx%dx%d -> %dx%dx%d  %s  ok\n", layer->name, p->in_h, p->in_w,
               p->channels, s.out_h, s.out_w, s.out_c, dwgen_plan_kernel_name(plan));
        failed = 0;
    }
done:
    dwgen_plan_destroy(plan);
    free(input);
    free(filter);
    free(bias);
    free(got);
    free(want);
    return failed;
}

int main(void)
{
    unsigned state = 12345u;
    int failures = 0;
    size_t run = 0;

    printf("dwgen %s, registry %s: %zu kernels, %zu layers\n", DWGEN_VERSION,
           REGISTRY.name, REGISTRY.count, REGISTRY.layer_count);
    for (size_t i = 0; i < REGISTRY.layer_count; i++) {
        const dwgen_layer_info *layer = &REGISTRY.layers[i];
        if (layer->params.in_h == 0) {   /* an any-size layer: nothing to run */
            printf("%-18s any size: skipped\n", layer->name);
            continue;
        }
        failures += check_layer(layer, &state);
        run++;
    }
    if (run == 0) {
        printf("no layer was run\n");
        return 1;
    }
    printf("%zu layers, %d failed\n", run, failures);
    return failures == 0 ? 0 : 1;
}
