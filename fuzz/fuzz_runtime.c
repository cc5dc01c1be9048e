/*
 * fuzz_runtime.c - libFuzzer harness for the runtime library.
 *
 * The input is read as a string of choices: a layer (most often the key of
 * a kernel of generated/, with random sizes where the key says "any", so
 * the specialized kernels run; else random small fields; sometimes one
 * field replaced by any 32-bit value), a batch of 0 to 2, a registry
 * (none, generated/'s, or generated/'s without fallback), a bias or not, a
 * row range and a seed for the data. Then:
 *
 *   - dwgen_shape_of, dwgen_conv_generic and dwgen_plan_create agree on
 *     the status; a failed plan creation leaves *plan NULL;
 *   - a plan gets the kernel dwgen_registry_lookup finds, or the generic
 *     one (and DWGEN_ERR_NO_KERNEL when fallback is refused);
 *   - dwgen_plan_run equals dwgen_conv_generic within the tolerance the
 *     kernel tests use (derived from the magnitudes of the terms), and
 *     writes nothing outside the output (NaN guards);
 *   - two dwgen_plan_run_rows calls that split the rows give the same bits
 *     as the full run; a bad row range is refused and writes nothing.
 *
 * Any violation prints what and where, then aborts. Layers larger than a
 * few million elements are validated but not run.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"
#include "dwgen_kernels.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ELEMS ((size_t)1 << 19)    /* per buffer, batch included */
#define GUARD 32                       /* NaN floats on each side of an output */

/* ---- reading the input -------------------------------------------------- */

typedef struct choices {
    const uint8_t *p;
    size_t n;
} choices;

/* A byte of the input, 0 once it is used up. */
static unsigned byte(choices *c)
{
    if (c->n == 0)
        return 0;
    c->n--;
    return *c->p++;
}

/* A number in [0, bound), bound <= 65536. */
static unsigned pick(choices *c, unsigned bound)
{
    unsigned v = byte(c);
    if (bound > 256)
        v = v << 8 | byte(c);
    return bound ? v % bound : 0;
}

static int32_t raw32(choices *c)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | byte(c);
    return (int32_t)v;
}

/* A clamp bound: ordinary values, the extremes, NaN. */
static float bound(choices *c)
{
    static const float table[] = { 0.0f, 6.0f, -1.0f, 1.0f, 0.5f, -0.25f, 3.0f, -6.0f,
                                   INFINITY, -INFINITY, NAN, 1e30f, -1e-30f, 2.0f };
    return table[pick(c, sizeof table / sizeof table[0])];
}

/* Replace one field of p by a raw 32-bit value (valid or not). */
static void poke(choices *c, dwgen_params *p)
{
    int32_t v = raw32(c);
    switch (pick(c, 17)) {
    case 0: p->in_h = v; break;
    case 1: p->in_w = v; break;
    case 2: p->channels = v; break;
    case 3: p->kernel_h = v; break;
    case 4: p->kernel_w = v; break;
    case 5: p->stride_h = v; break;
    case 6: p->stride_w = v; break;
    case 7: p->rate_h = v; break;
    case 8: p->rate_w = v; break;
    case 9: p->padding = (dwgen_padding)v; break;
    case 10: p->pad_top = v; break;
    case 11: p->pad_bottom = v; break;
    case 12: p->pad_left = v; break;
    case 13: p->pad_right = v; break;
    case 14: p->multiplier = v; break;
    case 15: p->activation = (dwgen_activation)v; break;
    default: p->dtype = (dwgen_dtype)v; break;
    }
}

/* A small random layer. */
static void small_layer(choices *c, dwgen_params *p)
{
    p->in_h = 1 + (int)pick(c, 20);
    p->in_w = 1 + (int)pick(c, 20);
    p->channels = 1 + (int)pick(c, 19);
    p->kernel_h = 1 + (int)pick(c, 7);
    p->kernel_w = 1 + (int)pick(c, 7);
    p->stride_h = 1 + (int)pick(c, 3);
    p->stride_w = 1 + (int)pick(c, 3);
    p->rate_h = 1 + (int)pick(c, 3);
    p->rate_w = 1 + (int)pick(c, 3);
    p->padding = (dwgen_padding)pick(c, 3);
    p->pad_top = (int)pick(c, 4);
    p->pad_bottom = (int)pick(c, 4);
    p->pad_left = (int)pick(c, 4);
    p->pad_right = (int)pick(c, 4);
    p->multiplier = 1 + (int)pick(c, 4);
    p->activation = (dwgen_activation)pick(c, 5);
    p->clamp_min = bound(c);
    p->clamp_max = bound(c);
    p->dtype = DWGEN_F32;
}

/* The layer to test: mostly a generated kernel's key, so that kernel runs. */
static void choose_layer(choices *c, dwgen_params *p)
{
    const dwgen_registry *r = &dwgen_registry_shipped;
    unsigned how = pick(c, 8);

    memset(p, 0, sizeof *p);
    if (how < 5 && r->count > 0) {
        *p = r->entries[pick(c, (unsigned)(r->count < 65536 ? r->count : 65536))].key;
        /* "Any size" keys get a random size; exact keys keep theirs one time
         * in four (they are large, and test-kernels runs them anyway). */
        if (p->in_h == 0 || pick(c, 4) != 0) {
            p->in_h = 1 + (int)pick(c, 24);
            p->in_w = 1 + (int)pick(c, 24);
            p->channels = 1 + (int)pick(c, 40);
        }
        if (how == 4) {                 /* a near miss: one field changed a little */
            dwgen_params q;
            small_layer(c, &q);
            switch (pick(c, 6)) {
            case 0: p->kernel_w = q.kernel_w; break;
            case 1: p->stride_h = q.stride_h; break;
            case 2: p->rate_w = q.rate_w; break;
            case 3: p->multiplier = q.multiplier; break;
            case 4: p->activation = q.activation; break;
            default: p->padding = q.padding; break;
            }
        }
    } else {
        small_layer(c, p);
    }
    if (pick(c, 8) == 0)
        poke(c, p);
}

/* ---- data and checks ------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static const dwgen_params *current;

static void die(const char *fmt, ...)
{
    va_list ap;
    const dwgen_params *p = current;

    fprintf(stderr, "fuzz_runtime: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (p != NULL)
        fprintf(stderr, "\n  layer: in %dx%dx%d k %dx%d s %dx%d r %dx%d padding %d (%d,%d,%d,%d)"
                " m %d activation %d clamp [%g, %g] dtype %d",
                p->in_h, p->in_w, p->channels, p->kernel_h, p->kernel_w, p->stride_h,
                p->stride_w, p->rate_h, p->rate_w, (int)p->padding, p->pad_top,
                p->pad_bottom, p->pad_left, p->pad_right, p->multiplier,
                (int)p->activation, p->clamp_min, p->clamp_max, (int)p->dtype);
    fprintf(stderr, "\n");
    fflush(stderr);
    abort();
}

static float *floats(size_t n)
{
    float *f = malloc((n ? n : 1) * sizeof(float));
    if (f == NULL)
        die("out of memory for %zu floats", n);
    return f;
}

/* Uniform in [-1, 1) from xorshift32. */
static void fill(float *f, size_t n, uint32_t *s)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = *s;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *s = x;
        f[i] = (float)((x >> 8) * (2.0 / 16777216.0) - 1.0);
    }
}

static void fill_nan(float *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        f[i] = NAN;
}

static void absolute(float *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        f[i] = fabsf(f[i]);
}

/* The guards of a buffer made by guarded() still hold NaN. */
static void check_guards(const float *g, size_t n, const char *what)
{
    for (size_t i = 0; i < GUARD; i++)
        if (!isnan(g[i]) || !isnan(g[GUARD + n + i]))
            die("%s wrote outside the output (%s guard, element %zu)", what,
                isnan(g[i]) ? "after" : "before", i);
}

/* ---- one input ------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    choices c = { data, size };
    dwgen_params p;
    dwgen_shape s;
    dwgen_plan *plan;
    dwgen_status st, st_plan, st_generic;

    choose_layer(&c, &p);
    current = &p;
    size_t batch = pick(&c, 3);
    unsigned reg = pick(&c, 3), with_bias = pick(&c, 2);
    int row_a = (int)pick(&c, 64) - 2, row_b = (int)pick(&c, 64) - 2;
    uint32_t seed = (uint32_t)raw32(&c) | 1u;
    const dwgen_plan_options opts[] = {
        { NULL, 0 },
        { &dwgen_registry_shipped, 0 },
        { &dwgen_registry_shipped, DWGEN_PLAN_NO_FALLBACK },
    };
    const dwgen_plan_options *opt = &opts[reg];

    st = dwgen_shape_of(&p, &s);
    if (st != DWGEN_OK) {
        float one[1] = { 0 }, out[1] = { NAN };
        st_generic = dwgen_conv_generic(&p, 1, one, one, NULL, out);
        plan = (dwgen_plan *)&plan;
        st_plan = dwgen_plan_create(&p, one, NULL, opt, &plan);
        if (st_generic != st || st_plan != st)
            die("statuses disagree: shape_of %d, conv_generic %d, plan_create %d",
                st, st_generic, st_plan);
        if (plan != NULL)
            die("a failed dwgen_plan_create left *plan non-NULL");
        if (!isnan(out[0]))
            die("a rejected dwgen_conv_generic wrote its output");
        return 0;
    }
    if (s.out_h < 1 || s.out_w < 1 || s.out_c != p.channels * p.multiplier)
        die("dwgen_shape_of accepted a layer with output %dx%dx%d", s.out_h, s.out_w, s.out_c);
    /* Too big to run here: validated only. */
    if (s.filter_elems > MAX_ELEMS || s.input_elems > MAX_ELEMS / 2 ||
        s.output_elems > MAX_ELEMS / 2)
        return 0;

    size_t n_in = batch * s.input_elems, n_out = batch * s.output_elems;
    float *in = floats(n_in), *filter = floats(s.filter_elems), *bias = floats(s.bias_elems);
    fill(in, n_in, &seed);
    fill(filter, s.filter_elems, &seed);
    fill(bias, s.bias_elems, &seed);

    const dwgen_kernel_entry *entry = dwgen_registry_lookup(opt->registry, &p);
    st_plan = dwgen_plan_create(&p, filter, with_bias ? bias : NULL, opt, &plan);
    if (entry == NULL && (opt->flags & DWGEN_PLAN_NO_FALLBACK)) {
        if (st_plan != DWGEN_ERR_NO_KERNEL || plan != NULL)
            die("no kernel and no fallback: dwgen_plan_create returned %d", st_plan);
        free(in); free(filter); free(bias);
        return 0;
    }
    if (st_plan != DWGEN_OK)
        die("dwgen_plan_create failed on a valid layer: %s", dwgen_status_message(st_plan));
    if (dwgen_plan_is_specialized(plan) != (entry != NULL))
        die("the plan is %sspecialized but the lookup %s a kernel",
            dwgen_plan_is_specialized(plan) ? "" : "not ", entry ? "found" : "did not find");
    if (entry != NULL && entry->name != NULL &&
        strcmp(dwgen_plan_kernel_name(plan), entry->name) != 0)
        die("the plan runs %s, the lookup found %s", dwgen_plan_kernel_name(plan), entry->name);

    /* The oracle, and the magnitudes of the terms of each of its sums. */
    const float *b = with_bias ? bias : NULL;
    float *want = floats(n_out), *mag = floats(n_out);
    st_generic = dwgen_conv_generic(&p, batch, in, filter, b, want);
    if (st_generic != DWGEN_OK)
        die("dwgen_conv_generic failed on a valid layer: %s", dwgen_status_message(st_generic));
    {
        float *ain = floats(n_in), *af = floats(s.filter_elems), *ab = floats(s.bias_elems);
        dwgen_params plain = p;
        memcpy(ain, in, n_in * sizeof(float));
        memcpy(af, filter, s.filter_elems * sizeof(float));
        memcpy(ab, bias, s.bias_elems * sizeof(float));
        absolute(ain, n_in);
        absolute(af, s.filter_elems);
        absolute(ab, s.bias_elems);
        plain.activation = DWGEN_ACT_NONE;
        dwgen_conv_generic(&plain, batch, ain, af, with_bias ? ab : NULL, mag);
        free(ain); free(af); free(ab);
    }

    /* The full run, element by element against the oracle. */
    float *full = floats(n_out + 2 * GUARD), *got = full + GUARD;
    fill_nan(full, n_out + 2 * GUARD);
    if ((st = dwgen_plan_run(plan, batch, in, got)) != DWGEN_OK)
        die("dwgen_plan_run failed: %s", dwgen_status_message(st));
    check_guards(full, n_out, dwgen_plan_kernel_name(plan));
    double taps = (double)p.kernel_h * p.kernel_w;
    for (size_t i = 0; i < n_out; i++) {
        if (got[i] == want[i])
            continue;           /* also both infinite: clamp bounds may be */
        double err = fabs((double)got[i] - want[i]);
        double tol = 4.0 * (taps + 2) * ldexp(1.0, -24) * mag[i];
        if (!(err <= tol)) {
            size_t pix = i / (size_t)s.out_c, per = (size_t)s.out_h * s.out_w;
            die("%s: n=%zu i=%zu j=%zu channel=%zu: got %.9g, want %.9g (tolerance %.3g)",
                dwgen_plan_kernel_name(plan), pix / per, pix % per / (size_t)s.out_w,
                pix % (size_t)s.out_w, i % (size_t)s.out_c, got[i], want[i], tol);
        }
    }

    /* Two row ranges that split the rows: the same bits. */
    int oh = s.out_h, mid = (int)((unsigned)(row_a + 2) % (unsigned)(oh + 1));
    float *split = floats(n_out + 2 * GUARD), *part = split + GUARD;
    fill_nan(split, n_out + 2 * GUARD);
    if ((st = dwgen_plan_run_rows(plan, batch, in, part, 0, mid)) != DWGEN_OK ||
        (st = dwgen_plan_run_rows(plan, batch, in, part, mid, oh)) != DWGEN_OK)
        die("dwgen_plan_run_rows [0, %d) + [%d, %d) failed: %s", mid, mid, oh,
            dwgen_status_message(st));
    check_guards(split, n_out, "dwgen_plan_run_rows");
    if (n_out > 0 && memcmp(part, got, n_out * sizeof(float)) != 0)
        die("rows [0, %d) + [%d, %d) differ from the full run", mid, mid, oh);

    /* Any row range: refused when bad, else exactly its rows. */
    size_t row = (size_t)s.out_w * s.out_c;
    fill_nan(split, n_out + 2 * GUARD);
    st = dwgen_plan_run_rows(plan, batch, in, part, row_a, row_b);
    int bad = row_a < 0 || row_a > row_b || row_b > oh;
    if (st != (bad ? DWGEN_ERR_ROWS : DWGEN_OK))
        die("rows [%d, %d) of %d: status %d", row_a, row_b, oh, st);
    check_guards(split, n_out, "dwgen_plan_run_rows");
    for (size_t i = 0; i < n_out; i++) {
        int r = (int)(i / row % (size_t)oh);
        int inside = !bad && r >= row_a && r < row_b;
        if (inside ? memcmp(&part[i], &got[i], sizeof(float)) != 0 : !isnan(part[i]))
            die("rows [%d, %d) of %d: element %zu (row %d) %s", row_a, row_b, oh, i, r,
                inside ? "differs from the full run" : "was written");
    }

    free(split); free(full);
    free(in); free(filter); free(bias); free(want); free(mag);
    dwgen_plan_destroy(plan);
    current = NULL;
    return 0;
}
