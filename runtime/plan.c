/*
 * plan.c - plans: a validated layer, its kernel and its own copy of the
 * weights.
 *
 * Creation does all the work that does not depend on the data: validation,
 * the registry lookup, packing the filter for the chosen kernel and copying
 * the bias (zeros when the layer has none, so kernels never test for NULL).
 * Running is then a loop over images calling the kernel on a row range.
 */
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"

struct dwgen_plan {
    dwgen_params params;
    dwgen_shape shape;
    dwgen_kernel_fn fn;
    const char *name;
    int specialized;
    float *weights;
    float *bias;
};

static const char generic_name[] = "dwgen_generic";

/* Allocate n floats, or NULL when n is 0 or the byte count overflows. */
static float *alloc_floats(size_t n)
{
    if (n == 0 || n > (size_t)-1 / sizeof(float))
        return NULL;
    return malloc(n * sizeof(float));
}

/* Fill plan->weights for the chosen kernel: packed, or a plain copy. */
static dwgen_status copy_weights(dwgen_plan *plan, const dwgen_kernel_entry *entry,
                                 const float *filter)
{
    if (entry != NULL && entry->pack != NULL) {
        size_t n = entry->pack(&plan->params, filter, NULL);
        if ((plan->weights = alloc_floats(n)) == NULL)
            return n == 0 || n > (size_t)-1 / sizeof(float) ? DWGEN_ERR_OVERFLOW
                                                             : DWGEN_ERR_NOMEM;
        entry->pack(&plan->params, filter, plan->weights);
        return DWGEN_OK;
    }
    if ((plan->weights = alloc_floats(plan->shape.filter_elems)) == NULL)
        return DWGEN_ERR_NOMEM;
    memcpy(plan->weights, filter, plan->shape.filter_elems * sizeof(float));
    return DWGEN_OK;
}

dwgen_status dwgen_plan_create(const dwgen_params *params, const float *filter,
                               const float *bias, const dwgen_plan_options *options,
                               dwgen_plan **out)
{
    const dwgen_kernel_entry *entry = NULL;
    dwgen_plan *plan;
    dwgen_shape shape;
    dwgen_status st;

    if (out == NULL)
        return DWGEN_ERR_NULL;
    *out = NULL;
    if (params == NULL || filter == NULL)
        return DWGEN_ERR_NULL;
    if ((st = dwgen_shape_of(params, &shape)) != DWGEN_OK)
        return st;
    if (options != NULL)
        entry = dwgen_registry_lookup(options->registry, params);
    if (entry == NULL && options != NULL && (options->flags & DWGEN_PLAN_NO_FALLBACK))
        return DWGEN_ERR_NO_KERNEL;

    if ((plan = calloc(1, sizeof *plan)) == NULL)
        return DWGEN_ERR_NOMEM;
    plan->params = *params;
    plan->shape = shape;
    plan->fn = entry != NULL ? entry->fn : dwgen_generic_rows;
    plan->name = entry != NULL && entry->name != NULL ? entry->name : generic_name;
    plan->specialized = entry != NULL;

    if ((st = copy_weights(plan, entry, filter)) != DWGEN_OK)
        goto fail;
    /* calloc'd zeros stand in for a missing bias: adding +0.0f changes nothing. */
    if ((plan->bias = calloc(shape.bias_elems, sizeof(float))) == NULL) {
        st = DWGEN_ERR_NOMEM;
        goto fail;
    }
    if (bias != NULL)
        memcpy(plan->bias, bias, shape.bias_elems * sizeof(float));
    *out = plan;
    return DWGEN_OK;

fail:
    dwgen_plan_destroy(plan);
    return st;
}

dwgen_status dwgen_plan_run_rows(const dwgen_plan *plan, size_t batch,
                                 const float *input, float *output,
                                 int row_begin, int row_end)
{
    size_t bytes;
    dwgen_status st;

    if (plan == NULL || input == NULL || output == NULL)
        return DWGEN_ERR_NULL;
    if (row_begin < 0 || row_begin > row_end || row_end > plan->shape.out_h)
        return DWGEN_ERR_ROWS;
    if ((st = dwgen_batch_bytes(&plan->params, batch, plan->shape.input_elems, &bytes)) != DWGEN_OK ||
        (st = dwgen_batch_bytes(&plan->params, batch, plan->shape.output_elems, &bytes)) != DWGEN_OK)
        return st;
    for (size_t n = 0; n < batch; n++)
        plan->fn(&plan->params, &plan->shape, plan->weights, plan->bias,
                 input + n * plan->shape.input_elems,
                 output + n * plan->shape.output_elems, row_begin, row_end);
    return DWGEN_OK;
}

dwgen_status dwgen_plan_run(const dwgen_plan *plan, size_t batch,
                            const float *input, float *output)
{
    if (plan == NULL)
        return DWGEN_ERR_NULL;
    return dwgen_plan_run_rows(plan, batch, input, output, 0, plan->shape.out_h);
}

const char *dwgen_plan_kernel_name(const dwgen_plan *plan)
{
    return plan != NULL ? plan->name : NULL;
}

int dwgen_plan_is_specialized(const dwgen_plan *plan)
{
    return plan != NULL && plan->specialized;
}

const dwgen_params *dwgen_plan_params(const dwgen_plan *plan)
{
    return plan != NULL ? &plan->params : NULL;
}

const dwgen_shape *dwgen_plan_shape(const dwgen_plan *plan)
{
    return plan != NULL ? &plan->shape : NULL;
}

void dwgen_plan_destroy(dwgen_plan *plan)
{
    if (plan == NULL)
        return;
    free(plan->weights);
    free(plan->bias);
    free(plan);
}
