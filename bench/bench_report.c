/*
 * bench_report.c - the table on stdout, results.csv and the chart's data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_report.h"
#include "bench_stats.h"

static const char *activation_name(const dwgen_params *p)
{
    switch (p->activation) {
    case DWGEN_ACT_NONE: return "none";
    case DWGEN_ACT_RELU: return "relu";
    case DWGEN_ACT_RELU6: return "relu6";
    case DWGEN_ACT_HSWISH: return "hswish";
    case DWGEN_ACT_CLAMP: return "clamp";
    }
    return "?";
}

static const char *padding_name(const dwgen_params *p)
{
    switch (p->padding) {
    case DWGEN_PAD_VALID: return "VALID";
    case DWGEN_PAD_SAME: return "SAME";
    case DWGEN_PAD_EXPLICIT: return "EXPLICIT";
    }
    return "?";
}

/* Summary of num[r] / den[r] over the rounds: a same-round ratio. */
static bench_summary paired_ratio(const double *num, const double *den, size_t rounds)
{
    double *ratio = malloc(rounds * sizeof *ratio);
    bench_summary s = { 0, 0, 0, 0, 0 };
    if (ratio == NULL)
        return s;
    for (size_t r = 0; r < rounds; r++)
        ratio[r] = num[r] / den[r];
    s = bench_summarize(ratio, rounds);
    free(ratio);
    return s;
}

/*
 * The ratio shown on kind k's row, against the specialized plan: how many
 * times faster dwgen is than k, or for a multi-thread kind how many times
 * faster it is than one thread. 0 when k is dwgen itself.
 */
static int row_ratio(size_t k, const double *ns, const double *base, size_t rounds,
                     bench_summary *s)
{
    if (k == BENCH_BASE)
        return 0;
    *s = bench_impl_kinds[k]->threads > 1 ? paired_ratio(base, ns, rounds)
                                          : paired_ratio(ns, base, rounds);
    return 1;
}

/* Per-round totals of kind k over the model (each layer times its count); 0 if k missed a layer. */
static int model_totals(const bench_run *run, size_t k, double *total)
{
    for (size_t r = 0; r < run->rounds; r++)
        total[r] = 0;
    for (size_t i = 0; i < run->count; i++) {
        const bench_cell *c = &run->entries[i].cells[k];
        if (!c->active)
            return 0;
        for (size_t r = 0; r < run->rounds; r++)
            total[r] += run->entries[i].layer.info->count * c->ns[r];
    }
    return 1;
}

static void print_columns(void)
{
    printf("  %-9s %11s %-23s %8s %7s %18s %-8s  %s\n", "impl", "us/run", "[IQR]",
           "GFLOP/s", "%peak", "speedup [IQR]", "max err", "note");
}

/* One row: kind k's times ns[] (flops per run) and its ratio against base[]. */
static void print_row(const bench_run *run, size_t k, const double *ns, const double *base,
                      double flops, double max_err, const char *note)
{
    const bench_impl_kind *kind = bench_impl_kinds[k];
    bench_summary t = bench_summarize(ns, run->rounds), q;
    double gflops = flops / t.median;
    char ratio[40] = "", err[16] = "", peak[16] = "n/a";

    if (row_ratio(k, ns, base, run->rounds, &q))
        snprintf(ratio, sizeof ratio, "%5.2fx [%.2f-%.2f]", q.median, q.q1, q.q3);
    if (max_err >= 0)
        snprintf(err, sizeof err, "%.1e", max_err);
    if (run->peak_gflops > 0)
        snprintf(peak, sizeof peak, "%.1f%%", 100 * gflops / (run->peak_gflops * kind->threads));
    if (kind->floor) {
        /* no flops: the copy's row says how close dwgen is to the traffic floor */
        printf("  %-9s %11.1f [%9.1f-%10.1f] %8s %7s %18s %-8s  %s\n", kind->name,
               t.median / 1e3, t.q1 / 1e3, t.q3 / 1e3, "-", "-", ratio, err, note);
        return;
    }
    printf("  %-9s %11.1f [%9.1f-%10.1f] %8.2f %7s %18s %-8s  %s\n", kind->name,
           t.median / 1e3, t.q1 / 1e3, t.q3 / 1e3, gflops, peak, ratio, err, note);
}

static void print_entry(const bench_run *run, const bench_entry *e)
{
    const dwgen_params *p = &e->layer.info->params;
    const dwgen_shape *s = &e->layer.shape;
    const double *base = e->cells[BENCH_BASE].ns;

    printf("\n%s x%d (%s): %dx%dx%d k%dx%d s%dx%d r%dx%d %s m%d %s -> %dx%dx%d, %.2f MFLOP\n",
           e->layer.info->name, e->layer.info->count, e->layer.info->source, p->in_h, p->in_w,
           p->channels, p->kernel_h, p->kernel_w, p->stride_h, p->stride_w, p->rate_h,
           p->rate_w, padding_name(p), p->multiplier, activation_name(p), s->out_h, s->out_w,
           s->out_c, e->layer.flops / 1e6);
    if (e->text_bytes >= 0)
        printf("  kernel %s, .text %ld bytes\n", e->kernel, e->text_bytes);
    else
        printf("  kernel %s, .text not measured\n", e->kernel ? e->kernel : "(none)");
    print_columns();
    for (size_t k = 0; k < bench_impl_kind_count; k++) {
        const bench_cell *c = &e->cells[k];
        if (c->active)
            print_row(run, k, c->ns, base, e->layer.flops, c->max_err, c->impl.note);
    }
}

/* Distinct kernels of the model and their .text total. */
static long total_text(const bench_run *run, size_t *kernels)
{
    long total = 0;
    *kernels = 0;
    for (size_t i = 0; i < run->count; i++) {
        const bench_entry *e = &run->entries[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = run->entries[j].kernel && e->kernel &&
                   strcmp(run->entries[j].kernel, e->kernel) == 0;
        if (!seen && e->text_bytes >= 0) {
            total += e->text_bytes;
            (*kernels)++;
        }
    }
    return total;
}

static void print_totals(const bench_run *run)
{
    size_t rounds = run->rounds, kinds = bench_impl_kind_count, kernels;
    double flops = 0;
    int layers = 0;
    double *totals = malloc(kinds * rounds * sizeof *totals);
    int *have = malloc(kinds * sizeof *have);

    if (totals == NULL || have == NULL) {
        free(totals);
        free(have);
        return;
    }
    for (size_t i = 0; i < run->count; i++) {
        flops += run->entries[i].layer.info->count * run->entries[i].layer.flops;
        layers += run->entries[i].layer.info->count;
    }
    for (size_t k = 0; k < kinds; k++)
        have[k] = model_totals(run, k, totals + k * rounds);
    printf("\nmodel %s total: %d depthwise layers (%zu distinct), %.1f MFLOP per inference\n",
           run->model, layers, run->count, flops / 1e6);
    print_columns();
    for (size_t k = 0; k < kinds; k++)
        if (have[k])
            print_row(run, k, totals + k * rounds, totals, flops, -1, "");
    long text = total_text(run, &kernels);
    if (run->codesize != NULL)
        printf("model %s code size: %zu kernels, %ld bytes of .text in total\n", run->model,
               kernels, text);
    free(totals);
    free(have);
}

void bench_report_print(const bench_run *run)
{
    printf("\n== model %s: %zu layers, registry %s (%zu kernels), %zu rounds ==\n", run->model,
           run->count, run->registry->name, run->registry->count, run->rounds);
    printf("us/run: median over rounds [interquartile range]; %%peak: of the measured FMA peak "
           "of as many cores as the implementation uses.\n"
           "speedup: how many times faster dwgen (1 thread) is than that implementation, "
           "median of same-round ratios;\n"
           "on the dwgen-2t row: how many times faster 2 threads are than 1;\n"
           "on the copy row (a floor, not a convolution): below 1.00x, dwgen takes that much "
           "longer than streaming the layer's bytes once.\n");
    for (size_t i = 0; i < run->count; i++)
        print_entry(run, &run->entries[i]);
    print_totals(run);
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *text)
{
    if (strpbrk(text, ",\"\n") == NULL) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (; *text; text++) {
        if (*text == '"')
            fputc('"', f);
        fputc(*text, f);
    }
    fputc('"', f);
}

/* Close f, reporting a write error on path; 0 or -1. */
static int finish(FILE *f, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int bench_report_csv(const bench_run *run, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return -1;
    }
    fprintf(f, "model,layer,count,impl,ns_median,gflops\n");
    for (size_t i = 0; i < run->count; i++) {
        const bench_entry *e = &run->entries[i];
        for (size_t k = 0; k < bench_impl_kind_count; k++) {
            const bench_cell *c = &e->cells[k];
            if (!c->active)
                continue;
            double ns = bench_summarize(c->ns, run->rounds).median;
            csv_field(f, run->model);
            fputc(',', f);
            csv_field(f, e->layer.info->name);
            fprintf(f, ",%d,%s,%.1f,%.3f\n", e->layer.info->count, bench_impl_kinds[k]->name,
                    ns, e->layer.flops / ns);
        }
    }
    return finish(f, path);
}

int bench_report_speedups(const bench_run *run, const char *path)
{
    size_t kinds = bench_impl_kind_count, rounds = run->rounds;
    double *totals = malloc((kinds + 1) * rounds * sizeof *totals);
    FILE *f = fopen(path, "w");

    if (f == NULL || totals == NULL) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        if (f != NULL)
            fclose(f);
        free(totals);
        return -1;
    }
    fprintf(f, "layer");
    for (size_t k = 0; k < kinds; k++)
        if (bench_impl_kinds[k]->peer && run->ready[k] == BENCH_READY)
            fprintf(f, "\t%s", bench_impl_kinds[k]->name);
    fputc('\n', f);
    for (size_t i = 0; i <= run->count; i++) {
        /* Row count is the model total: the totals of each kind, round by round. */
        int is_total = i == run->count;
        fprintf(f, "%s/%s", run->model, is_total ? "total" : run->entries[i].layer.info->name);
        if (is_total)
            model_totals(run, BENCH_BASE, totals + kinds * rounds);
        for (size_t k = 0; k < kinds; k++) {
            if (!bench_impl_kinds[k]->peer || run->ready[k] != BENCH_READY)
                continue;
            const double *ns = totals + k * rounds, *base = totals + kinds * rounds;
            if (is_total)
                model_totals(run, k, totals + k * rounds);
            else {
                ns = run->entries[i].cells[k].ns;
                base = run->entries[i].cells[BENCH_BASE].ns;
            }
            fprintf(f, "\t%.4f", paired_ratio(ns, base, rounds).median);
        }
        fputc('\n', f);
    }
    free(totals);
    return finish(f, path);
}
