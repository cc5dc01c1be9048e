/*
 * test_kernels.c - every kernel of a generated registry against the generic
 * kernel, and every layer of the registry's model set through the plan API.
 *
 * The tests are derived from the registry itself (its kernel table and its
 * layer table, both written by the generator from the same layer files), so
 * no kernel can be added without being tested. Each kernel is run on every
 * listed layer its key matches; a kernel that no layer exercises fails.
 * One cmocka test per kernel, named after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dwgen.h"
#include "kernel_check.h"

#ifndef DWGEN_REGISTRY
#error "define DWGEN_REGISTRY to the generated registry's symbol"
#endif
extern const dwgen_registry DWGEN_REGISTRY;

/* The runs each (kernel, layer) pair gets: seeds, batch 1 and 3, bias or not, row splits. */
static const struct { unsigned seed; size_t batch; int bias; int splits; } runs[] = {
    { 1, 1, 0, 1 },
    { 2, 3, 1, 3 },
    { 3, 1, 1, 2 },
};

/* Does `entry` serve `params`? The registry's own predicate decides. */
static int serves(const dwgen_kernel_entry *entry, const dwgen_params *params)
{
    const dwgen_registry one = { "one", 1, entry, 0, NULL };
    return dwgen_registry_lookup(&one, params) != NULL;
}

static void test_kernel(void **state)
{
    const dwgen_kernel_entry *entry = *state;
    const dwgen_registry *reg = &DWGEN_REGISTRY;
    int layers = 0;

    for (size_t l = 0; l < reg->layer_count; l++) {
        const dwgen_layer_info *layer = &reg->layers[l];
        if (!serves(entry, &layer->params))
            continue;
        layers++;
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            kernel_check res;
            int rc = kernel_check_run(entry, &layer->params, runs[r].seed, runs[r].batch,
                                      runs[r].bias, runs[r].splits, &res);
            if (rc != 0 || !res.ok)
                fail_msg("%s on layer %s (%s), seed %u batch %zu bias %d splits %d: %s",
                         entry->name, layer->name, layer->source, runs[r].seed,
                         runs[r].batch, runs[r].bias, runs[r].splits, res.what);
        }
    }
    if (layers == 0)
        fail_msg("%s serves none of the registry's layers: it would go untested", entry->name);
}

/* Every layer gets a specialized kernel through the plan API, the most specific one. */
static void test_layers_resolve(void **state)
{
    const dwgen_registry *reg = &DWGEN_REGISTRY;
    const dwgen_plan_options strict = { reg, DWGEN_PLAN_NO_FALLBACK };
    (void)state;

    assert_true(reg->layer_count > 0);
    for (size_t l = 0; l < reg->layer_count; l++) {
        const dwgen_layer_info *layer = &reg->layers[l];
        dwgen_shape s;
        dwgen_plan *plan = NULL;
        float *filter;

        assert_int_equal(dwgen_shape_of(&layer->params, &s), DWGEN_OK);
        filter = calloc(s.filter_elems, sizeof(float));
        assert_non_null(filter);
        dwgen_status st = dwgen_plan_create(&layer->params, filter, NULL,
                                            &strict, &plan);
        free(filter);
        if (st != DWGEN_OK)
            fail_msg("layer %s (%s): %s", layer->name, layer->source, dwgen_status_message(st));
        assert_true(dwgen_plan_is_specialized(plan));
        const dwgen_kernel_entry *best = dwgen_registry_lookup(reg, &layer->params);
        assert_string_equal(dwgen_plan_kernel_name(plan), best->name);
        /* A shape-specialized kernel exists for every listed layer of fixed size. */
        if (best->key.in_h == 0 && layer->params.in_h != 0)
            fail_msg("layer %s resolves to configuration kernel %s, not a shape kernel",
                     layer->name, best->name);
        dwgen_plan_destroy(plan);
    }
}

int main(void)
{
    const dwgen_registry *reg = &DWGEN_REGISTRY;
    struct CMUnitTest *tests = calloc(reg->count + 1, sizeof *tests);
    int failed;

    if (tests == NULL)
        return 1;
    for (size_t i = 0; i < reg->count; i++) {
        tests[i].name = reg->entries[i].name;
        tests[i].test_func = test_kernel;
        tests[i].initial_state = (void *)&reg->entries[i];
    }
    tests[reg->count].name = "every layer resolves to its shape-specialized kernel";
    tests[reg->count].test_func = test_layers_resolve;
    failed = _cmocka_run_group_tests(reg->name, tests, reg->count + 1, NULL, NULL);
    free(tests);
    return failed;
}
