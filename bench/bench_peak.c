/*
 * bench_peak.c - the single-core FMA peak, measured with intrinsics.
 *
 * x86 only (elsewhere the peak is 0, "unknown"). Each loop gets its ISA
 * from a target attribute, so the file builds with any flags, and runs
 * only after the CPU said it has that ISA. Each loop keeps 12
 * accumulators: an FMA has a latency of 4 cycles and two issue ports, so
 * at least 8 independent chains are needed to keep both busy.
 */
#include "bench_peak.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "bench_timer.h"

/*
 * UNROLL: the loop counter and branch share ports with the FMAs; four
 * copies of the body per iteration make their cost negligible.
 */
enum { ITERATIONS = 1 << 18, TRIES = 15, CHAINS = 12, UNROLL = 4 };

/* a*x+b with a just below 1 keeps every value finite and normal. */
#define MUL 0.9999999f
#define ADD 1e-7f

/*
 * The accumulators are named variables, not an array: GCC keeps an array
 * in memory, and loads and stores would then limit the loop, not the FMAs.
 */
#define FMA12(fma)                                                         \
    do {                                                                   \
        c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b);        \
        c3 = fma(c3, a, b); c4 = fma(c4, a, b); c5 = fma(c5, a, b);        \
        c6 = fma(c6, a, b); c7 = fma(c7, a, b); c8 = fma(c8, a, b);        \
        c9 = fma(c9, a, b); c10 = fma(c10, a, b); c11 = fma(c11, a, b);    \
    } while (0)

/*
 * An empty asm that claims to read and change every accumulator: the
 * compiler can neither drop a chain it proves unused nor fold iterations
 * together (clang did drop one of the 12 chains without it). reg is the
 * constraint: "+x" for ymm, "+v" for zmm.
 */
#define OPAQUE12(reg)                                                      \
    __asm__ volatile("" : reg(c0), reg(c1), reg(c2), reg(c3), reg(c4),     \
                     reg(c5), reg(c6), reg(c7), reg(c8), reg(c9),          \
                     reg(c10), reg(c11))

/* Flops done per ns by one timed loop of 256-bit FMAs. */
__attribute__((target("avx2,fma")))
static double fma256_once(void)
{
    __m256 a = _mm256_set1_ps(MUL), b = _mm256_set1_ps(ADD);
    __m256 c0 = _mm256_set1_ps(0), c1 = _mm256_set1_ps(1), c2 = _mm256_set1_ps(2);
    __m256 c3 = _mm256_set1_ps(3), c4 = _mm256_set1_ps(4), c5 = _mm256_set1_ps(5);
    __m256 c6 = _mm256_set1_ps(6), c7 = _mm256_set1_ps(7), c8 = _mm256_set1_ps(8);
    __m256 c9 = _mm256_set1_ps(9), c10 = _mm256_set1_ps(10), c11 = _mm256_set1_ps(11);
    double t0 = bench_now_ns();
    for (int i = 0; i < ITERATIONS; i += UNROLL) {
        FMA12(_mm256_fmadd_ps); FMA12(_mm256_fmadd_ps);
        FMA12(_mm256_fmadd_ps); FMA12(_mm256_fmadd_ps);
        OPAQUE12("+x");
    }
    double t = bench_now_ns() - t0;
    __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                               _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    sum = _mm256_add_ps(sum, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    volatile float sink = _mm256_cvtss_f32(sum); /* use the result */
    (void)sink;
    return (double)ITERATIONS * CHAINS * 8 * 2 / t;
}

__attribute__((target("avx512f")))
static double fma512_once(void)
{
    __m512 a = _mm512_set1_ps(MUL), b = _mm512_set1_ps(ADD);
    __m512 c0 = _mm512_set1_ps(0), c1 = _mm512_set1_ps(1), c2 = _mm512_set1_ps(2);
    __m512 c3 = _mm512_set1_ps(3), c4 = _mm512_set1_ps(4), c5 = _mm512_set1_ps(5);
    __m512 c6 = _mm512_set1_ps(6), c7 = _mm512_set1_ps(7), c8 = _mm512_set1_ps(8);
    __m512 c9 = _mm512_set1_ps(9), c10 = _mm512_set1_ps(10), c11 = _mm512_set1_ps(11);
    double t0 = bench_now_ns();
    for (int i = 0; i < ITERATIONS; i += UNROLL) {
        FMA12(_mm512_fmadd_ps); FMA12(_mm512_fmadd_ps);
        FMA12(_mm512_fmadd_ps); FMA12(_mm512_fmadd_ps);
        OPAQUE12("+v");
    }
    double t = bench_now_ns() - t0;
    __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                               _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
    volatile float sink = _mm512_reduce_add_ps(sum);
    (void)sink;
    return (double)ITERATIONS * CHAINS * 16 * 2 / t;
}

/* The best of TRIES runs: the others were interrupted or ran at a lower clock. */
static double best_of(double (*once)(void))
{
    double best = 0;
    for (int i = 0; i < TRIES; i++) {
        double g = once();
        if (g > best)
            best = g;
    }
    return best;
}

double bench_peak_fma256(void)
{
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return 0;
    return best_of(fma256_once);
}

double bench_peak_fma512(void)
{
    if (!__builtin_cpu_supports("avx512f"))
        return 0;
    return best_of(fma512_once);
}

#else /* not x86: no loop written for this ISA, so no peak */

double bench_peak_fma256(void)
{
    return 0;
}

double bench_peak_fma512(void)
{
    return 0;
}

#endif
