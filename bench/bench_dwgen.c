/*
 * bench_dwgen.c - dwgen's own implementations: the specialized plan (one
 * and two threads) and the generic kernel.
 *
 * The specialized plan is created with DWGEN_PLAN_NO_FALLBACK, so a layer
 * whose generated kernel is missing from the registry fails the run instead
 * of silently timing the generic kernel under the specialized name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_impl.h"
#include "bench_pair.h"

typedef struct plan_state {
    dwgen_plan *plan;
    const float *input;
    float *output;
    int split;                  /* two threads: rows [0, split) and [split, out_h) */
    int out_h;
    dwgen_status part_status[2];
} plan_state;

/* The worker shared by every two-thread plan (made by init, freed by fini). */
static bench_pair *pair;

static void destroy_plan(void *state)
{
    plan_state *s = state;
    if (s != NULL)
        dwgen_plan_destroy(s->plan);
    free(s);
}

static int run_plan(void *state)
{
    plan_state *s = state;
    return dwgen_plan_run(s->plan, 1, s->input, s->output) != DWGEN_OK;
}

/* One half of the output rows, on the thread bench_pair gives it. */
static void run_half(void *arg, int part)
{
    plan_state *s = arg;
    int begin = part == 0 ? 0 : s->split, end = part == 0 ? s->split : s->out_h;
    s->part_status[part] = dwgen_plan_run_rows(s->plan, 1, s->input, s->output, begin, end);
}

static int run_two_threads(void *state)
{
    plan_state *s = state;
    bench_pair_run(pair, run_half, s);
    return s->part_status[0] != DWGEN_OK || s->part_status[1] != DWGEN_OK;
}

/* A plan for the layer; registry NULL means the generic kernel. */
static int create_plan(const bench_layer *layer, const dwgen_registry *registry,
                       bench_impl *impl, char *err, size_t len)
{
    const dwgen_plan_options strict = { registry, DWGEN_PLAN_NO_FALLBACK };
    plan_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    dwgen_status st = dwgen_plan_create(&layer->info->params, layer->filter, layer->bias,
                                        registry ? &strict : NULL, &s->plan);
    if (st != DWGEN_OK) {
        snprintf(err, len, "dwgen_plan_create: %s", dwgen_status_message(st));
        free(s);
        return -1;
    }
    s->input = layer->input;
    s->output = layer->output;
    s->out_h = layer->shape.out_h;
    s->split = (layer->shape.out_h + 1) / 2;
    impl->state = s;
    impl->run = run_plan;
    impl->destroy = destroy_plan;
    snprintf(impl->note, sizeof impl->note, "%s", dwgen_plan_kernel_name(s->plan));
    return 0;
}

static bench_ready init_nothing(char *why, size_t len)
{
    (void)why;
    (void)len;
    return BENCH_READY;
}

static void fini_nothing(void)
{
}

static int create_specialized(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    if (layer->registry == NULL) {
        snprintf(err, len, "no registry");
        return -1;
    }
    return create_plan(layer, layer->registry, impl, err, len);
}

static int create_generic(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    return create_plan(layer, NULL, impl, err, len);
}

static bench_ready init_pair(char *why, size_t len)
{
    if ((pair = bench_pair_create()) == NULL) {
        snprintf(why, len, "cannot start the worker thread");
        return BENCH_FAIL;
    }
    return BENCH_READY;
}

static void fini_pair(void)
{
    bench_pair_destroy(pair);
    pair = NULL;
}

static int create_two_threads(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    if (create_specialized(layer, impl, err, len) != 0)
        return -1;
    impl->run = run_two_threads;
    plan_state *s = impl->state;
    snprintf(impl->note, sizeof impl->note, "rows [0,%d) + [%d,%d) via dwgen_plan_run_rows",
             s->split, s->split, s->out_h);
    return 0;
}

const bench_impl_kind bench_kind_dwgen = {
    .name = "dwgen", .threads = 1, .peer = 0,
    .init = init_nothing, .create = create_specialized, .fini = fini_nothing,
};

const bench_impl_kind bench_kind_dwgen_2t = {
    .name = "dwgen-2t", .threads = 2, .peer = 0,
    .init = init_pair, .create = create_two_threads, .fini = fini_pair,
};

const bench_impl_kind bench_kind_generic = {
    .name = "generic", .threads = 1, .peer = 0,
    .init = init_nothing, .create = create_generic, .fini = fini_nothing,
};
