/*
 * bench_rounds.c - time every implementation of every layer, interleaved.
 */
#include <stdio.h>

#include "bench_rounds.h"
#include "bench_timer.h"

double bench_calibrate_cells(bench_run *run)
{
    double seconds = 0;
    for (size_t i = 0; i < run->count; i++)
        for (size_t k = 0; k < bench_impl_kind_count; k++) {
            bench_cell *c = &run->entries[i].cells[k];
            if (!c->active)
                continue;
            c->reps = bench_calibrate(c->impl.run, c->impl.state, run->min_batch_ns);
            if (c->reps < 1) {
                fprintf(stderr, "bench: FAIL %s/%s %s: a run failed\n", run->model,
                        run->entries[i].layer.info->name, bench_impl_kinds[k]->name);
                return -1;
            }
            /* A batch lasts about min_batch_ns, or one run when that is longer. */
            double one = bench_time_batch(c->impl.run, c->impl.state, 1);
            double batch = (double)c->reps * one;
            seconds += (batch > run->min_batch_ns ? batch : run->min_batch_ns) * 1e-9;
        }
    return seconds * (double)run->rounds;
}

int bench_time_rounds(bench_run *run)
{
    size_t kinds = bench_impl_kind_count;
    for (size_t r = 0; r < run->rounds; r++) {
        for (size_t i = 0; i < run->count; i++)
            for (size_t j = 0; j < kinds; j++) {
                /* Rotate the order so no implementation always runs first. */
                size_t k = (j + r) % kinds;
                bench_cell *c = &run->entries[i].cells[k];
                if (!c->active)
                    continue;
                c->ns[r] = bench_time_batch(c->impl.run, c->impl.state, c->reps);
                if (c->ns[r] < 0) {
                    fprintf(stderr, "bench: FAIL %s/%s %s: a run failed in round %zu\n",
                            run->model, run->entries[i].layer.info->name,
                            bench_impl_kinds[k]->name, r + 1);
                    return -1;
                }
            }
        fprintf(stderr, "%s%zu", r == 0 ? "rounds: " : " ", r + 1);
    }
    fprintf(stderr, "\n");
    return 0;
}
