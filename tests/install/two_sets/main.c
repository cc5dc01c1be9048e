/*
 * main.c - two generated kernel sets in one program (tests/install).
 *
 * model_a.tsv and model_b.tsv share layers; the build generates them with
 * prefixes set_a and set_b and registries model_a_registry and
 * model_b_registry. This program includes both headers, and for every
 * layer of each registry checks that a strict plan (no fallback) gets a
 * kernel whose name carries that set's prefix, and that it computes what
 * the generic kernel computes. For the shared layers it also checks that
 * the two sets resolved to two different functions. Exit 1 on any failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"
#include "model_a_registry/dwgen_kernels.h"
#include "model_b_registry/dwgen_kernels.h"

static float value(size_t i, unsigned salt)
{
    unsigned x = (unsigned)i * 2654435761u + salt * 40503u;
    return (float)((x >> 9) % 2001u) / 1000.0f - 1.0f;
}

static float *filled(size_t n, unsigned salt)
{
    float *a = malloc(n * sizeof *a + 1);
    for (size_t i = 0; a != NULL && i < n; i++)
        a[i] = value(i, salt);
    return a;
}

/* Run layer with registry r; 0 if it passes. *fn gets the kernel's function. */
static int run_layer(const dwgen_registry *r, const char *prefix, const dwgen_layer_info *l,
                     dwgen_kernel_fn *fn)
{
    dwgen_shape s;
    int bad = 1;
    if (dwgen_shape_of(&l->params, &s) != DWGEN_OK) {
        printf("%s %s: invalid layer\n", r->name, l->name);
        return 1;
    }
    float *in = filled(s.input_elems, 1), *f = filled(s.filter_elems, 2);
    float *b = filled(s.bias_elems, 3), *got = filled(s.output_elems, 4);
    float *want = filled(s.output_elems, 5);
    dwgen_plan *plan = NULL;
    dwgen_plan_options opt = { .registry = r, .flags = DWGEN_PLAN_NO_FALLBACK };
    const dwgen_kernel_entry *e = dwgen_registry_lookup(r, &l->params);
    dwgen_status st;

    if (!in || !f || !b || !got || !want) {
        printf("out of memory\n");
        goto done;
    }
    st = dwgen_plan_create(&l->params, f, b, &opt, &plan);
    if (st != DWGEN_OK || e == NULL) {
        printf("%s %s: no kernel: %s\n", r->name, l->name, dwgen_status_message(st));
        goto done;
    }
    *fn = e->fn;
    if (strncmp(dwgen_plan_kernel_name(plan), prefix, strlen(prefix)) != 0) {
        printf("%s %s: kernel %s lacks the prefix %s\n", r->name, l->name,
               dwgen_plan_kernel_name(plan), prefix);
        goto done;
    }
    if (dwgen_plan_run(plan, 1, in, got) != DWGEN_OK ||
        dwgen_conv_generic(&l->params, 1, in, f, b, want) != DWGEN_OK) {
        printf("%s %s: run failed\n", r->name, l->name);
        goto done;
    }
    for (size_t i = 0; i < s.output_elems; i++) {
        double taps = (double)l->params.kernel_h * l->params.kernel_w;
        if (!(fabs((double)got[i] - want[i]) <= 1e-5 * (taps + 1.0))) {
            printf("%s %s: output %zu is %.9g, want %.9g\n", r->name, l->name, i, got[i], want[i]);
            goto done;
        }
    }
    printf("%s %s: %s ok\n", r->name, l->name, dwgen_plan_kernel_name(plan));
    bad = 0;
done:
    dwgen_plan_destroy(plan);
    free(in);
    free(f);
    free(b);
    free(got);
    free(want);
    return bad;
}

int main(void)
{
    int failures = 0, shared = 0;
    const dwgen_registry *a = &model_a_registry, *b = &model_b_registry;

    for (size_t i = 0; i < a->layer_count; i++) {
        dwgen_kernel_fn fa = NULL, fb = NULL;
        failures += run_layer(a, "set_a_", &a->layers[i], &fa);
        for (size_t j = 0; j < b->layer_count; j++) {
            if (strcmp(a->layers[i].name, b->layers[j].name) != 0)
                continue;
            shared++;
            if (fa != NULL && dwgen_registry_lookup(b, &b->layers[j].params) != NULL)
                fb = dwgen_registry_lookup(b, &b->layers[j].params)->fn;
            if (fa == NULL || fb == NULL || fa == fb) {
                printf("shared layer %s: the sets did not give two kernels\n", a->layers[i].name);
                failures++;
            }
        }
    }
    for (size_t j = 0; j < b->layer_count; j++) {
        dwgen_kernel_fn fn = NULL;
        failures += run_layer(b, "set_b_", &b->layers[j], &fn);
    }
    if (shared == 0) {
        printf("the two models share no layer: the test proves nothing\n");
        failures++;
    }
    printf("%zu + %zu layers, %d shared, %d failed\n", a->layer_count, b->layer_count, shared,
           failures);
    return failures == 0 ? 0 : 1;
}
