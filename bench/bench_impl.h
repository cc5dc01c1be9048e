/*
 * bench_impl.h - what the benchmark times: one layer, run by one
 * implementation (a dwgen plan or a peer library).
 *
 * Every implementation of a layer reads the same input, filter and bias
 * and writes the same output buffer, so the check and the timing see
 * exactly the data the others see.
 */
#ifndef BENCH_IMPL_H
#define BENCH_IMPL_H

#include <stddef.h>

#include "dwgen.h"

/* One layer of the model set with its data (batch 1). */
typedef struct bench_layer {
    const dwgen_layer_info *info;
    const dwgen_registry *registry; /* the generated kernels it came with */
    dwgen_shape shape;
    double flops;          /* 2 * KH * KW * OH * OW * C * M per run */
    float *input;          /* [H, W, C] */
    float *filter;         /* [KH, KW, C, M], TensorFlow's layout */
    float *bias;           /* [C * M] */
    float *output;         /* [OH, OW, C * M] */
} bench_layer;

/* One implementation set up for one layer. */
typedef struct bench_impl {
    void *state;
    int (*run)(void *state);       /* one run into layer->output; 0 on success */
    void (*destroy)(void *state);
    char note[200];                /* what the library picked, how the activation is applied */
} bench_impl;

/* What init reports. */
typedef enum bench_ready {
    BENCH_READY = 0,
    BENCH_SKIP = 1,     /* not built in (its package was absent at build time) */
    BENCH_FAIL = 2      /* built in but cannot start: the run fails */
} bench_ready;

/*
 * A kind of implementation. init runs once before any layer (and says in
 * why what went wrong or why it is skipped), create once per layer
 * (0 on success, else the reason in err), fini once at the end.
 */
typedef struct bench_impl_kind {
    const char *name;
    int threads;                   /* cores it uses, for "% of peak" */
    int peer;                      /* another library (charted against dwgen) */
    int floor;                     /* not a convolution (bench_floor.c): not checked */
    bench_ready (*init)(char *why, size_t len);
    int (*create)(const bench_layer *layer, bench_impl *impl, char *err, size_t len);
    void (*fini)(void);
} bench_impl_kind;

/*
 * Every kind, in report order: the specialized plan first (ratios are
 * against it), then its two-thread run, the generic kernel and the peers.
 */
extern const bench_impl_kind *const bench_impl_kinds[];
extern const size_t bench_impl_kind_count;

/* The kinds, by file. bench_dwgen.c: */
extern const bench_impl_kind bench_kind_dwgen;
extern const bench_impl_kind bench_kind_dwgen_2t;
extern const bench_impl_kind bench_kind_generic;
/* bench_floor.c: */
extern const bench_impl_kind bench_kind_copy;
/* peer_xnnpack.c and peer_onednn.c: */
extern const bench_impl_kind bench_kind_xnnpack;
extern const bench_impl_kind bench_kind_onednn;

#endif
