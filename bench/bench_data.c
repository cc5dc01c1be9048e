/*
 * bench_data.c - a layer's buffers, filled with reproducible random data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_data.h"

/* Next value of a xorshift32 generator, mapped to [-1, 1). */
static float uniform(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (float)(x >> 8) / 8388608.0f - 1.0f;
}

static float *random_floats(size_t n, unsigned *state)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (p != NULL)
        for (size_t i = 0; i < n; i++)
            p[i] = uniform(state);
    return p;
}

void bench_fill_nan(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = NAN;
}

int bench_layer_init(bench_layer *layer, const dwgen_layer_info *info,
                     const dwgen_registry *registry, unsigned seed, char *err, size_t len)
{
    const dwgen_params *p = &info->params;
    unsigned state = seed ? seed : 1;
    dwgen_status st;

    *layer = (bench_layer){ 0 };
    layer->info = info;
    layer->registry = registry;
    if ((st = dwgen_shape_of(p, &layer->shape)) != DWGEN_OK) {
        snprintf(err, len, "invalid layer: %s", dwgen_status_message(st));
        return -1;
    }
    layer->flops = 2.0 * p->kernel_h * p->kernel_w * (double)layer->shape.output_elems;
    layer->input = random_floats(layer->shape.input_elems, &state);
    layer->filter = random_floats(layer->shape.filter_elems, &state);
    layer->bias = random_floats(layer->shape.bias_elems, &state);
    layer->output = malloc(layer->shape.output_elems * sizeof(float));
    if (!layer->input || !layer->filter || !layer->bias || !layer->output) {
        snprintf(err, len, "out of memory");
        bench_layer_free(layer);
        return -1;
    }
    bench_fill_nan(layer->output, layer->shape.output_elems);
    return 0;
}

void bench_layer_free(bench_layer *layer)
{
    free(layer->input);
    free(layer->filter);
    free(layer->bias);
    free(layer->output);
    layer->input = layer->filter = layer->bias = layer->output = NULL;
}
