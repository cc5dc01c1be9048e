/*
 * registry_check.c - does a generated registry work with the runtime?
 *
 * Built by tests/gen/test_gen.sh against one generated set and libdwgen:
 *   - the registry has kernels and layers, and every entry a function
 *     and a name;
 *   - the runtime's own lookup finds a kernel for every listed layer, and
 *     (with -DEXPECT_ANY) a configuration-specialized one when asked;
 *   - every kernel serves at least one listed layer (no dead entries);
 *   - a plan on the registry uses that kernel and agrees with the generic
 *     kernel on small layers (the full comparison is tests/kernels/).
 * Prints one line per problem and exits 1 if there was any.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"

#ifndef REGISTRY
#error "define REGISTRY to the generated registry's symbol"
#endif
extern const dwgen_registry REGISTRY;

static int problems;

static void problem(const char *what, const char *name)
{
    printf("registry_check: %s: %s\n", name, what);
    problems++;
}

/* Deterministic values in [-1, 1). */
static void fill(float *x, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

/* Run a small fixed-shape layer through a plan and the generic kernel. */
static void compare(const dwgen_layer_info *layer)
{
    const dwgen_params *p = &layer->params;
    dwgen_plan_options opt = { &REGISTRY, DWGEN_PLAN_NO_FALLBACK };
    dwgen_shape s;
    dwgen_plan *plan;
    float *in, *f, *b, *ref, *out;

    if (dwgen_shape_of(p, &s) != DWGEN_OK) {
        problem("the runtime rejects the layer's params", layer->name);
        return;
    }
    if (s.input_elems + s.output_elems + s.filter_elems > 4000000)
        return;
    in = malloc(s.input_elems * sizeof *in);
    f = malloc(s.filter_elems * sizeof *f);
    b = malloc(s.bias_elems * sizeof *b);
    ref = malloc(s.output_elems * sizeof *ref);
    out = malloc(s.output_elems * sizeof *out);
    if (!in || !f || !b || !ref || !out) {
        problem("out of memory", layer->name);
    } else {
        fill(in, s.input_elems, 1);
        fill(f, s.filter_elems, 2);
        fill(b, s.bias_elems, 3);
        if (dwgen_conv_generic(p, 1, in, f, b, ref) != DWGEN_OK ||
            dwgen_plan_create(p, f, b, &opt, &plan) != DWGEN_OK) {
            problem("no plan with the registry's kernel", layer->name);
        } else {
            dwgen_plan_run(plan, 1, in, out);
            for (size_t i = 0; i < s.output_elems; i++)
                if (!(fabsf(out[i] - ref[i]) <= 1e-4f * (1.0f + fabsf(ref[i])))) {
                    printf("registry_check: %s: element %zu is %g, generic %g (%s)\n",
                           layer->name, i, out[i], ref[i], dwgen_plan_kernel_name(plan));
                    problems++;
                    break;
                }
            dwgen_plan_destroy(plan);
        }
    }
    free(in); free(f); free(b); free(ref); free(out);
}

int main(void)
{
    const dwgen_registry *r = &REGISTRY;
    int *used;

    if (r->count == 0 || r->layer_count == 0 || r->entries == NULL || r->layers == NULL) {
        problem("empty registry", r->name);
        return 1;
    }
    used = calloc(r->count, sizeof *used);
    for (size_t i = 0; i < r->count; i++)
        if (r->entries[i].fn == NULL || r->entries[i].name == NULL)
            problem("entry without function or name", r->name);
    for (size_t l = 0; l < r->layer_count; l++) {
        const dwgen_layer_info *layer = &r->layers[l];
        dwgen_params any = layer->params;
        const dwgen_kernel_entry *e = dwgen_registry_lookup(r, &layer->params);

        if (layer->name == NULL || layer->source == NULL || layer->count < 1)
            problem("layer without name, source or count", r->name);
        if (e == NULL) {
            problem("no kernel for this layer", layer->name);
            continue;
        }
        used[e - r->entries] = 1;
        /* The configuration-only kernel, looked up with sizes nobody listed. */
        any.in_h += 1000, any.in_w += 1000;
        e = dwgen_registry_lookup(r, &any);
#ifdef EXPECT_ANY
        if (e == NULL || e->key.in_h != 0)
            problem("no configuration-specialized kernel", layer->name);
        else
            used[e - r->entries] = 1;
#else
        if (e != NULL && layer->params.in_h != 0)
            problem("a configuration-specialized kernel in a shape-only set", layer->name);
#endif
        if (layer->params.in_h != 0)
            compare(layer);
    }
    for (size_t i = 0; i < r->count; i++)
        if (!used[i])
            problem("no listed layer uses this kernel", r->entries[i].name);
    free(used);
    printf("registry_check: %s: %zu kernels, %zu layers, %d problems\n",
           r->name, r->count, r->layer_count, problems);
    return problems != 0;
}
