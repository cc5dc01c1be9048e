/*
 * bench_rounds.h - time every implementation of every layer, interleaved.
 *
 * The machine is shared: its speed drifts by tens of percent from one
 * second to the next. So no implementation is timed in one block: each
 * round times every layer with every implementation once (one batch of
 * runs each, starting with a different implementation each round), and
 * comparisons pair the times of the same round.
 */
#ifndef BENCH_ROUNDS_H
#define BENCH_ROUNDS_H

#include "bench_run.h"

/*
 * Choose each cell's batch size (runs per timed batch, lasting at least
 * run->min_batch_ns). Returns the estimated seconds all rounds will take,
 * or -1 when a run fails (reported on stderr).
 */
double bench_calibrate_cells(bench_run *run);

/* Run all rounds, filling every active cell's ns[]; 0, or -1 when a run fails. */
int bench_time_rounds(bench_run *run);

#endif
