/*
 * bench_setup.c - prepare a run and check every implementation.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_check.h"
#include "bench_data.h"
#include "bench_setup.h"

int bench_setup_kinds(bench_run *run)
{
    size_t n = bench_impl_kind_count;
    int rc = 0;

    run->ready = calloc(n, sizeof *run->ready);
    run->why = calloc(n, sizeof *run->why);
    if (run->ready == NULL || run->why == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        run->ready[k] = bench_impl_kinds[k]->init(run->why[k], sizeof run->why[k]);
        if (run->ready[k] == BENCH_FAIL) {
            fprintf(stderr, "bench: FAIL %s: %s\n", bench_impl_kinds[k]->name, run->why[k]);
            rc = -1;
        }
    }
    return rc;
}

void bench_teardown_kinds(bench_run *run)
{
    for (size_t k = 0; run->ready != NULL && k < bench_impl_kind_count; k++)
        if (run->ready[k] == BENCH_READY)
            bench_impl_kinds[k]->fini();
    free(run->ready);
    free(run->why);
    run->ready = NULL;
    run->why = NULL;
}

/* Set up, run once and check one kind on one layer; 0 or -1 (reported). */
static int setup_cell(const bench_run *run, bench_entry *e, size_t k, const bench_reference *ref)
{
    const bench_impl_kind *kind = bench_impl_kinds[k];
    bench_cell *c = &e->cells[k];
    char what[300];

    if ((c->ns = calloc(run->rounds, sizeof *c->ns)) == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    if (kind->create(&e->layer, &c->impl, what, sizeof what) != 0) {
        fprintf(stderr, "bench: FAIL %s/%s %s: %s\n", run->model, e->layer.info->name,
                kind->name, what);
        return -1;
    }
    c->active = 1;
    bench_fill_nan(e->layer.output, e->layer.shape.output_elems);
    if (c->impl.run(c->impl.state) != 0) {
        fprintf(stderr, "bench: FAIL %s/%s %s: the run failed\n", run->model,
                e->layer.info->name, kind->name);
        return -1;
    }
    c->max_err = -1;
    if (kind->floor)
        return 0;
    if (!bench_check_output(&e->layer, ref, e->layer.output, &c->max_err, what, sizeof what)) {
        fprintf(stderr, "bench: MISMATCH %s/%s %s vs generic kernel: %s\n", run->model,
                e->layer.info->name, kind->name, what);
        return -1;
    }
    return 0;
}

/* Data, kernel name, code size and every implementation of one layer. */
static int setup_entry(const bench_run *run, bench_entry *e, const dwgen_layer_info *info,
                       unsigned seed)
{
    bench_reference ref = { NULL, NULL };
    char err[200];
    int rc = 0;

    if (bench_layer_init(&e->layer, info, run->registry, seed, err, sizeof err) != 0) {
        fprintf(stderr, "bench: FAIL %s/%s (%s): %s\n", run->model, info->name, info->source, err);
        return -1;
    }
    const dwgen_kernel_entry *k = dwgen_registry_lookup(run->registry, &info->params);
    e->kernel = k ? k->name : NULL;
    e->text_bytes = bench_codesize_of(run->codesize, e->kernel);
    if (k != NULL && run->codesize != NULL && e->text_bytes < 0) {
        fprintf(stderr, "bench: FAIL %s/%s: kernel %s has no code size (no %s.c among the "
                "generated files?)\n", run->model, info->name, k->name, k->name);
        return -1;
    }
    if ((e->cells = calloc(bench_impl_kind_count, sizeof *e->cells)) == NULL ||
        bench_reference_make(&e->layer, &ref) != 0) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    for (size_t kk = 0; kk < bench_impl_kind_count && rc == 0; kk++)
        if (run->ready[kk] == BENCH_READY)
            rc = setup_cell(run, e, kk, &ref);
    bench_reference_free(&ref);
    return rc;
}

int bench_setup_layers(bench_run *run)
{
    const dwgen_registry *reg = run->registry;

    if (reg->layer_count == 0) {
        fprintf(stderr, "bench: FAIL %s: registry %s lists no layers\n", run->model, reg->name);
        return -1;
    }
    if ((run->entries = calloc(reg->layer_count, sizeof *run->entries)) == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < reg->layer_count; i++) {
        run->count = i + 1;
        if (setup_entry(run, &run->entries[i], &reg->layers[i], (unsigned)(1000 + i)) != 0)
            return -1;
    }
    return 0;
}

void bench_teardown_layers(bench_run *run)
{
    for (size_t i = 0; i < run->count; i++) {
        bench_entry *e = &run->entries[i];
        for (size_t k = 0; e->cells != NULL && k < bench_impl_kind_count; k++) {
            if (e->cells[k].active)
                e->cells[k].impl.destroy(e->cells[k].impl.state);
            free(e->cells[k].ns);
        }
        free(e->cells);
        bench_layer_free(&e->layer);
    }
    free(run->entries);
    run->entries = NULL;
    run->count = 0;
}
