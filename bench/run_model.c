/*
 * run_model.c - the main job: run every layer of a generated model set
 * through its specialized kernel and through the generic kernel, check that
 * they agree, and print a table of times.
 *
 * Built against one generated registry (the symbol named by DWGEN_REGISTRY);
 * the layers come from that registry's layer table, the same list that
 * produced the kernels. Timing is a quick look, not the benchmark: each
 * layer alternates generic and specialized rounds and reports medians.
 * Exit status 1 when any layer mismatches or misses its kernel; the check
 * is the kernel tests' (tests/kernels/kernel_check.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dwgen.h"
#include "kernel_check.h"

#ifndef DWGEN_REGISTRY
#error "define DWGEN_REGISTRY to the generated registry's symbol"
#endif
extern const dwgen_registry DWGEN_REGISTRY;

enum { ROUNDS = 5 };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Uniform in [-1, 1) from a small xorshift generator (deterministic). */
static float rnd(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (float)((x >> 8) * (2.0 / 16777216.0) - 1.0);
}

/*
 * Buffers start on a 64-byte boundary, as inference engines place tensors
 * (plain malloc leaves large ones 16 bytes past one, which costs the avx512
 * kernels, whose vectors are a whole cache line, about a fifth).
 */
static float *random_floats(size_t n, unsigned *state)
{
    void *mem = NULL;
    float *p = posix_memalign(&mem, 64, (n ? n : 1) * sizeof(float)) == 0 ? mem : NULL;
    if (p == NULL) {
        fprintf(stderr, "run_model: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = rnd(state);
    return p;
}

/* Nanoseconds per run of plan: `reps` runs, timed together. */
static double time_plan(const dwgen_plan *plan, const float *in, float *out, int reps)
{
    double t0 = now_ns();
    for (int r = 0; r < reps; r++)
        dwgen_plan_run(plan, 1, in, out);
    return (now_ns() - t0) / reps;
}

/* Enough repetitions that one timed batch takes about 2 ms. */
static int calibrate(const dwgen_plan *plan, const float *in, float *out)
{
    double t = time_plan(plan, in, out, 1);
    int reps = (int)(2e6 / (t > 1 ? t : 1));
    return reps < 1 ? 1 : reps > 100000 ? 100000 : reps;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Check and time one layer; returns 1 when it passes. */
static int run_layer(const dwgen_layer_info *layer, double *t_gen, double *t_spec)
{
    const dwgen_plan_options strict = { &DWGEN_REGISTRY, DWGEN_PLAN_NO_FALLBACK };
    dwgen_plan *gen = NULL, *spec = NULL;
    dwgen_shape s;
    unsigned seed = 12345;
    double g[ROUNDS], k[ROUNDS];
    kernel_check check;
    int ok = 0;

    dwgen_status st = dwgen_shape_of(&layer->params, &s);
    if (st != DWGEN_OK) {
        printf("%-24s invalid: %s\n", layer->name, dwgen_status_message(st));
        return 0;
    }
    float *in = random_floats(s.input_elems, &seed);
    float *w = random_floats(s.filter_elems, &seed);
    float *b = random_floats(s.bias_elems, &seed);
    float *want = random_floats(s.output_elems, &seed);
    float *got = random_floats(s.output_elems, &seed);

    if ((st = dwgen_plan_create(&layer->params, w, b, &strict, &spec)) != DWGEN_OK) {
        printf("%-24s no kernel: %s\n", layer->name, dwgen_status_message(st));
        goto done;
    }
    dwgen_plan_create(&layer->params, w, b, NULL, &gen);
    /* The same check as the kernel tests: NaN guards, derived tolerance. */
    kernel_check_run(dwgen_registry_lookup(&DWGEN_REGISTRY, &layer->params), &layer->params,
                     seed, 1, 1, 1, &check);
    ok = check.ok;

    int rg = calibrate(gen, in, want), rk = calibrate(spec, in, got);
    for (int r = 0; r < ROUNDS; r++) {
        g[r] = time_plan(gen, in, want, rg);
        k[r] = time_plan(spec, in, got, rk);
    }
    qsort(g, ROUNDS, sizeof g[0], cmp_double);
    qsort(k, ROUNDS, sizeof k[0], cmp_double);
    *t_gen = g[ROUNDS / 2];
    *t_spec = k[ROUNDS / 2];
    printf("%-24s %4dx%4dx%-5d %-58s %9.2e %10.1f %10.1f %7.1fx%s\n", layer->name,
           s.out_h, s.out_w, s.out_c, dwgen_plan_kernel_name(spec), check.max_err,
           *t_gen / 1e3, *t_spec / 1e3, *t_gen / *t_spec, ok ? "" : "  MISMATCH");
done:
    dwgen_plan_destroy(gen);
    dwgen_plan_destroy(spec);
    free(in); free(w); free(b); free(want); free(got);
    return ok;
}

int main(void)
{
    const dwgen_registry *reg = &DWGEN_REGISTRY;
    double total_gen = 0, total_spec = 0;
    int failed = 0;

    printf("registry %s: %zu layers, %zu kernels\n", reg->name, reg->layer_count, reg->count);
    printf("%-24s %-16s %-58s %9s %10s %10s %8s\n", "layer", "output", "kernel",
           "max err", "generic us", "special us", "speedup");
    for (size_t i = 0; i < reg->layer_count; i++) {
        double tg = 0, ts = 0;
        if (!run_layer(&reg->layers[i], &tg, &ts))
            failed++;
        total_gen += tg * reg->layers[i].count;
        total_spec += ts * reg->layers[i].count;
    }
    printf("model total (layers weighted by count): generic %.1f us, specialized %.1f us, %.1fx\n",
           total_gen / 1e3, total_spec / 1e3, total_spec > 0 ? total_gen / total_spec : 0.0);
    if (failed) {
        printf("run_model: %d layer(s) FAILED\n", failed);
        return 1;
    }
    printf("all %zu layers match the generic kernel\n", reg->layer_count);
    return 0;
}
