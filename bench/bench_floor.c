/*
 * bench_floor.c - the memory-traffic floor of a layer: "copy".
 *
 * Not a convolution. One run reads the layer's input once and writes its
 * output once, in memory order, with the widest loads and stores the C
 * library has (memcpy), and nothing else: the traffic every depthwise
 * implementation needs at least. On a layer whose input and output do not
 * fit the L2 cache, no implementation can run faster than this, so the
 * ratio of dwgen's time to it says how much room the layer has left.
 * Its output is not checked (bench_impl_kind.floor).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_impl.h"

typedef struct floor_state {
    const unsigned char *in;
    unsigned char *out;
    size_t in_bytes, out_bytes;
} floor_state;

/* Where the input bytes that are not copied are read into (never read back). */
static volatile uint64_t sink;

/*
 * Read the n bytes at p (whole 64-byte lines; a partial last line is left
 * out) at the memory's pace: four independent chains of the widest loads
 * the CPU has, so the loop is never what limits it, even from L2.
 */
#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static uint64_t read_avx512(const unsigned char *p, size_t n)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        a0 = _mm512_xor_si512(a0, _mm512_loadu_si512(p + i));
        a1 = _mm512_xor_si512(a1, _mm512_loadu_si512(p + i + 64));
        a2 = _mm512_xor_si512(a2, _mm512_loadu_si512(p + i + 128));
        a3 = _mm512_xor_si512(a3, _mm512_loadu_si512(p + i + 192));
    }
    for (; i + 64 <= n; i += 64)
        a0 = _mm512_xor_si512(a0, _mm512_loadu_si512(p + i));
    a0 = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
    return (uint64_t)_mm512_reduce_or_epi64(a0);
}

__attribute__((target("avx2")))
static uint64_t read_avx2(const unsigned char *p, size_t n)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        a0 = _mm256_xor_si256(a0, _mm256_loadu_si256((const __m256i *)(p + i)));
        a1 = _mm256_xor_si256(a1, _mm256_loadu_si256((const __m256i *)(p + i + 32)));
        a2 = _mm256_xor_si256(a2, _mm256_loadu_si256((const __m256i *)(p + i + 64)));
        a3 = _mm256_xor_si256(a3, _mm256_loadu_si256((const __m256i *)(p + i + 96)));
    }
    a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return (uint64_t)_mm256_extract_epi64(a0, 0) ^ (uint64_t)_mm256_extract_epi64(a0, 3);
}
#endif

static void read_bytes(const unsigned char *p, size_t n)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        sink = read_avx512(p, n);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        sink = read_avx2(p, n);
        return;
    }
#endif
    uint64_t acc = 0, v;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&v, p + i, sizeof v);
        acc ^= v;
    }
    sink = acc;
}

static int run_floor(void *state)
{
    floor_state *s = state;
    size_t both = s->in_bytes < s->out_bytes ? s->in_bytes : s->out_bytes;
    memcpy(s->out, s->in, both);
    if (s->in_bytes > both)          /* strides > 1: more input than output */
        read_bytes(s->in + both, s->in_bytes - both);
    if (s->out_bytes > both)         /* multipliers > 1: more output than input */
        memset(s->out + both, 0, s->out_bytes - both);
    return 0;
}

static void destroy_floor(void *state)
{
    free(state);
}

static bench_ready init_floor(char *why, size_t len)
{
    (void)why;
    (void)len;
    return BENCH_READY;
}

static void fini_floor(void)
{
}

static int create_floor(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    floor_state *s = malloc(sizeof *s);
    if (s == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    s->in = (const unsigned char *)layer->input;
    s->out = (unsigned char *)layer->output;
    s->in_bytes = layer->shape.input_elems * sizeof(float);
    s->out_bytes = layer->shape.output_elems * sizeof(float);
    impl->state = s;
    impl->run = run_floor;
    impl->destroy = destroy_floor;
    snprintf(impl->note, sizeof impl->note,
             "not a convolution: reads the input, writes the output, once (%.2f MB)",
             (double)(s->in_bytes + s->out_bytes) / 1e6);
    return 0;
}

const bench_impl_kind bench_kind_copy = {
    .name = "copy", .threads = 1, .peer = 0, .floor = 1,
    .init = init_floor, .create = create_floor, .fini = fini_floor,
};
