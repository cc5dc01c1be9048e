/*
 * bench_report.h - what a run prints and writes.
 *
 * Times are medians over rounds with their interquartile range; a ratio
 * between two implementations is the median of the ratios of the same
 * round, which cancels the machine's drift between rounds. A model's total
 * counts each layer as often as the model has it (its count).
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "bench_run.h"

/* The per-layer table, the model totals and the code size, on stdout. */
void bench_report_print(const bench_run *run);

/*
 * CSV, one row per layer and implementation:
 * model,layer,count,impl,ns_median,gflops (with a header line).
 * Returns 0, or -1 when the file cannot be written (reported).
 */
int bench_report_csv(const bench_run *run, const char *path);

/*
 * Tab-separated speedups of dwgen over each peer, one row per layer plus
 * one for the model total ("model/layer", then one column per peer that
 * ran), for the chart. Returns 0, or -1 (reported).
 */
int bench_report_speedups(const bench_run *run, const char *path);

#endif
