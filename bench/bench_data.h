/*
 * bench_data.h - a layer's buffers, filled with reproducible random data.
 */
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include "bench_impl.h"

/*
 * Validate the layer, then allocate and fill its input, filter and bias
 * with values in [-1, 1) drawn from `seed`, and allocate its output
 * (filled with NaN). Returns 0, or -1 with the reason in err.
 */
int bench_layer_init(bench_layer *layer, const dwgen_layer_info *info,
                     const dwgen_registry *registry, unsigned seed, char *err, size_t len);

/* Free the buffers (a zeroed layer is fine). */
void bench_layer_free(bench_layer *layer);

/* Set n floats to NaN, so an element an implementation never writes is caught. */
void bench_fill_nan(float *p, size_t n);

#endif
