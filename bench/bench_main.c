/*
 * bench_main.c - the side-by-side benchmark of one generated model set:
 * dwgen's specialized kernels (one and two threads), its generic kernel
 * and the peer libraries, layer by layer.
 *
 *   bench [--model NAME] [--out DIR] [--codesize FILE] [--rounds N] [--min-ms MS]
 *
 * Built against one generated registry (the symbol named by
 * DWGEN_REGISTRY); its layer table is the list of layers to run. Every
 * implementation's output is checked against the generic kernel before
 * anything is timed; a mismatch or a missing kernel fails the run (exit 1).
 * BENCH_ROUNDS and BENCH_MIN_MS in the environment set the defaults of
 * --rounds and --min-ms. `make bench` runs this (see bench/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_codesize.h"
#include "bench_cpu.h"
#include "bench_peak.h"
#include "bench_report.h"
#include "bench_rounds.h"
#include "bench_setup.h"

#ifndef DWGEN_REGISTRY
#error "define DWGEN_REGISTRY to the generated registry's symbol"
#endif
extern const dwgen_registry DWGEN_REGISTRY;

enum { DEFAULT_ROUNDS = 15, DEFAULT_MIN_MS = 2 };

typedef struct options {
    const char *model;
    const char *out_dir;
    const char *codesize;
    long rounds;
    double min_ms;
    int peak_bits; /* the FMA width of the %peak base: 256 or 512 */
} options;

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--model NAME] [--out DIR] [--codesize FILE] [--rounds N] "
            "[--min-ms MS] [--peak 256|512]\n", prog);
    exit(2);
}

/* A positive number from text, or exit with a message naming `what`. */
static double positive(const char *text, const char *what, int integer)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v > 0) || (integer && v != (long)v)) {
        fprintf(stderr, "bench: %s must be a positive %s, not \"%s\"\n", what,
                integer ? "integer" : "number", text);
        exit(2);
    }
    return v;
}

static options parse(int argc, char **argv)
{
    options o = { DWGEN_REGISTRY.name, NULL, NULL, DEFAULT_ROUNDS, DEFAULT_MIN_MS, 256 };
    const char *env;

    if ((env = getenv("BENCH_ROUNDS")) != NULL && *env)
        o.rounds = (long)positive(env, "BENCH_ROUNDS", 1);
    if ((env = getenv("BENCH_MIN_MS")) != NULL && *env)
        o.min_ms = positive(env, "BENCH_MIN_MS", 0);
    /* Every option takes a value: walk the arguments in pairs. */
    for (int i = 1; i < argc; i += 2) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (val == NULL)
            usage(argv[0]);
        if (strcmp(arg, "--model") == 0)
            o.model = val;
        else if (strcmp(arg, "--out") == 0)
            o.out_dir = val;
        else if (strcmp(arg, "--codesize") == 0)
            o.codesize = val;
        else if (strcmp(arg, "--rounds") == 0)
            o.rounds = (long)positive(val, "--rounds", 1);
        else if (strcmp(arg, "--min-ms") == 0)
            o.min_ms = positive(val, "--min-ms", 0);
        else if (strcmp(arg, "--peak") == 0 && (strcmp(val, "256") == 0 || strcmp(val, "512") == 0))
            o.peak_bits = atoi(val);
        else
            usage(argv[0]);
    }
    return o;
}

/*
 * CPU, cores and the measured peaks. The %peak base is the peak of the
 * vector width dwgen's kernels use (--peak: 512 for the avx512 target), so
 * a wider target is not flattered by a narrower base; it falls back to the
 * 256-bit peak, said so, on a CPU without AVX-512.
 */
static void print_machine(bench_run *run, int peak_bits)
{
    char cpu[256];
    bench_cpu_model(cpu, sizeof cpu);
    printf("cpu: %s, %d cores online, load average %.2f before the run\n", cpu,
           bench_cpu_count(), bench_cpu_load());
    double narrow = bench_peak_fma256();
    double wide = bench_peak_fma512();
    int base_wide = peak_bits == 512 && wide > 0;
    run->peak_gflops = base_wide ? wide : narrow;
    printf("peak (measured, one core): %.1f GFLOP/s with 256-bit FMA (2 ports x 8 lanes x 2 flops "
           "= %.2f GHz)%s", narrow, narrow / 32, base_wide ? "" : ", the %peak base");
    if (wide > 0)
        printf("; %.1f GFLOP/s with 512-bit FMA%s", wide, base_wide ? ", the %peak base" : "");
    else if (peak_bits == 512)
        printf("; no 512-bit FMA on this CPU");
    printf("\n");
}

static void print_kinds(const bench_run *run)
{
    for (size_t k = 0; k < bench_impl_kind_count; k++)
        printf("impl %-9s %s%s\n", bench_impl_kinds[k]->name,
               run->ready[k] == BENCH_READY ? "ready" : run->ready[k] == BENCH_SKIP ? "SKIPPED: "
                                                                                 : "FAILED: ",
               run->ready[k] == BENCH_READY ? "" : run->why[k]);
}

/* Write the CSV and the chart data into dir; 0 or -1. */
static int write_files(const bench_run *run, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (bench_report_csv(run, path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/speedups.tsv", dir);
    return bench_report_speedups(run, path);
}

int main(int argc, char **argv)
{
    options o = parse(argc, argv);
    bench_codesize sizes = { 0, NULL, NULL };
    bench_run run = { 0 };
    char err[300];
    int rc = 1;

    /* Line-buffered, so the table and error messages interleave in order in a log. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    run.model = o.model;
    run.registry = &DWGEN_REGISTRY;
    run.rounds = (size_t)o.rounds;
    run.min_batch_ns = o.min_ms * 1e6;
    if (o.codesize != NULL) {
        if (bench_codesize_load(o.codesize, &sizes, err, sizeof err) != 0) {
            fprintf(stderr, "bench: %s\n", err);
            return 1;
        }
        run.codesize = &sizes;
    }
    printf("dwgen bench %s: model %s, %zu layers\n", DWGEN_VERSION, run.model,
           run.registry->layer_count);
    print_machine(&run, o.peak_bits);
    int kinds_ok = bench_setup_kinds(&run) == 0;
    print_kinds(&run);
    if (kinds_ok && bench_setup_layers(&run) == 0) {
        printf("check: every implementation matches the generic kernel on all %zu layers\n",
               run.count);
        double estimate = bench_calibrate_cells(&run);
        if (estimate >= 0) {
            printf("timing %zu rounds, batches of at least %.1f ms (about %.0f s)\n",
                   run.rounds, o.min_ms, estimate);
            fflush(stdout);
            if (bench_time_rounds(&run) == 0) {
                printf("load average %.2f after the run\n", bench_cpu_load());
                bench_report_print(&run);
                rc = o.out_dir != NULL && write_files(&run, o.out_dir) != 0;
            }
        }
    }
    bench_teardown_layers(&run);
    bench_teardown_kinds(&run);
    bench_codesize_free(&sizes);
    if (rc != 0)
        fprintf(stderr, "bench: model %s FAILED\n", run.model);
    return rc;
}
