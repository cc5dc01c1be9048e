/*
 * bench_peak.h - the single-core floating-point peak, measured.
 *
 * "% of peak" needs a peak that this machine reaches, not a datasheet
 * number: a VM may run at any clock. The peak is the throughput of a loop
 * of independent fused multiply-adds, the best of several tries.
 */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H

/*
 * GFLOP/s of one core using 256-bit FMA (AVX2 + FMA: 2 FMA ports x 8 lanes
 * x 2 flops per cycle on current x86), or 0 when the CPU has no AVX2/FMA.
 */
double bench_peak_fma256(void);

/* The same with 512-bit FMA, or 0 when the CPU has no AVX-512F. */
double bench_peak_fma512(void);

#endif
