/*
 * bench_data.c - a layer's buffers, filled with reproducible random data.
 */
#include <math.h>
#include <stdint.h>
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

/*
 * Where the activation buffers start: BENCH_OFFSET bytes (a multiple of 4
 * below 64, default 0) past a 64-byte boundary. Inference engines align
 * tensors to 64 bytes (TensorFlow Lite's arena, XNNPACK, oneDNN), so that
 * is the default; BENCH_OFFSET=16 measures what plain malloc gives large
 * buffers. Every implementation runs on the same buffers either way.
 */
static size_t buffer_offset(void)
{
    const char *env = getenv("BENCH_OFFSET");
    char *end;
    if (env == NULL || *env == '\0')
        return 0;
    long v = strtol(env, &end, 10);
    if (*end != '\0' || v < 0 || v >= 64 || v % 4 != 0) {
        fprintf(stderr, "bench: BENCH_OFFSET must be a multiple of 4 from 0 to 60, not \"%s\"\n",
                env);
        exit(2);
    }
    return (size_t)v;
}

/*
 * n floats at buffer_offset() past a 64-byte boundary, in a block that
 * starts one line before it; free with free_floats.
 */
static float *alloc_floats(size_t n)
{
    size_t bytes = ((n ? n : 1) * sizeof(float) + 63) / 64 * 64 + 64;
    char *base = aligned_alloc(64, bytes + 64);
    return base == NULL ? NULL : (float *)(base + 64 + buffer_offset());
}

/* The block of p: the 64-byte boundary at or below p, one line back. */
static void free_floats(float *p)
{
    if (p != NULL)
        free((char *)p - ((uintptr_t)p & 63) - 64);
}

static float *random_floats(size_t n, unsigned *state)
{
    float *p = alloc_floats(n);
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
    layer->output = alloc_floats(layer->shape.output_elems);
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
    free_floats(layer->input);
    free_floats(layer->filter);
    free_floats(layer->bias);
    free_floats(layer->output);
    layer->input = layer->filter = layer->bias = layer->output = NULL;
}
