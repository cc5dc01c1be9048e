/*
 * bench_setup.h - prepare a run: start the implementations, build every
 * layer's data and check every implementation against the generic kernel
 * before anything is timed.
 */
#ifndef BENCH_SETUP_H
#define BENCH_SETUP_H

#include "bench_run.h"

/*
 * Start every kind in bench_impl_kinds (fills run->ready and run->why).
 * Returns -1 when a kind that is built in cannot start; skipped kinds
 * (package absent at build time) are fine.
 */
int bench_setup_kinds(bench_run *run);
void bench_teardown_kinds(bench_run *run);

/*
 * Build every layer of run->registry, set up each ready kind for it, run
 * each once and compare with the generic kernel. Any failure (no kernel,
 * a peer refusing the layer, a mismatch, a kernel without a code size) is
 * printed on stderr naming the layer, the implementation and the element,
 * and makes it return -1.
 */
int bench_setup_layers(bench_run *run);
void bench_teardown_layers(bench_run *run);

#endif
