/*
 * bench_run.h - everything one benchmark run of a model set holds: its
 * layers, each implementation set up for each layer, and the times.
 *
 * bench_setup.c fills it (data, implementations, the correctness check),
 * bench_rounds.c times it, bench_report.c prints and writes it.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stddef.h>

#include "bench_codesize.h"
#include "bench_impl.h"

/* One layer run by one kind of implementation. */
typedef struct bench_cell {
    int active;           /* set up and checked; timed */
    bench_impl impl;
    double max_err;       /* largest difference from the generic kernel */
    long reps;            /* runs per timed batch */
    double *ns;           /* ns per run, one value per round */
} bench_cell;

/* One layer of the model set. */
typedef struct bench_entry {
    bench_layer layer;
    const char *kernel;   /* name of the specialized kernel the registry has for it */
    long text_bytes;      /* that kernel's .text size, -1 when unknown */
    bench_cell *cells;    /* one per bench_impl_kinds entry */
} bench_entry;

typedef struct bench_run {
    const char *model;               /* the model set's name, e.g. "mobilenet_v2" */
    const dwgen_registry *registry;
    const bench_codesize *codesize;  /* .text per kernel file; NULL: not measured */
    size_t rounds;
    double min_batch_ns;             /* a timed batch lasts at least this long */
    double peak_gflops;              /* one core, 256-bit FMA, measured */
    bench_ready *ready;              /* per kind */
    char (*why)[200];                /* per kind: why it is skipped or failed */
    size_t count;
    bench_entry *entries;
} bench_run;

/* Index of the specialized plan in bench_impl_kinds: ratios are against it. */
enum { BENCH_BASE = 0 };

#endif
