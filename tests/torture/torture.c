/*
 * torture.c - random layers against the generic kernel.
 *
 * Every drawn case (cases.c, from draw.lua) is served by two generated
 * kernels: the shape-specialized one at the drawn size and the
 * configuration-specialized one, which also runs at a second size. Each
 * (kernel, size) pair is checked twice over:
 *   - by kernel_check_run, the rule test_kernels uses: batch 1 and 3, with
 *     and without bias, the rows split into 1, 2 and 3 ranges, NaN guard
 *     bands around the output, and a tolerance that allows any summation
 *     order and FMA: 4 * (taps + 2) * 2^-24 * (sum of |x * w| + |bias|);
 *   - on random row ranges [a, b) of one image: rows outside must keep their
 *     NaN, rows inside must equal the whole-image run bit for bit (a row's
 *     code path may not depend on where the range starts or ends).
 * The seed is printed first; each failure prints its case, size and kernel.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_check.h"
#include "torture.h"

/* xorshift32: deterministic data from a nonzero seed. */
static unsigned next(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static void fill(float *p, size_t n, unsigned *state)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((next(state) >> 8) * (2.0 / 16777216.0) - 1.0);
}

static void fill_nan(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = NAN;
}

/*
 * Run rows [a, b) alone for a few random ranges; 0 when every row outside
 * kept its NaN and every row inside equals the whole-image run, else 1 with
 * the problem in what.
 */
static int check_row_ranges(const dwgen_kernel_entry *e, const dwgen_params *p,
                            unsigned seed, char *what, size_t size)
{
    dwgen_shape s;
    unsigned state = seed | 1u;
    int bad = 0;
    const float nan = NAN;

    if (dwgen_shape_of(p, &s) != DWGEN_OK) {
        snprintf(what, size, "dwgen_shape_of refused the parameters");
        return 1;
    }
    float *in = malloc(s.input_elems * sizeof(float));
    float *w = malloc(s.filter_elems * sizeof(float));
    float *bias = malloc(s.bias_elems * sizeof(float));
    float *whole = malloc(s.output_elems * sizeof(float));
    float *part = malloc(s.output_elems * sizeof(float));
    float *packed = NULL;
    if (!in || !w || !bias || !whole || !part) {
        snprintf(what, size, "out of memory");
        bad = 1;
        goto done;
    }
    fill(in, s.input_elems, &state);
    fill(w, s.filter_elems, &state);
    fill(bias, s.bias_elems, &state);
    if (e->pack != NULL) {
        if ((packed = malloc(e->pack(p, w, NULL) * sizeof(float))) == NULL) {
            snprintf(what, size, "out of memory");
            bad = 1;
            goto done;
        }
        e->pack(p, w, packed);
    }
    const float *wk = packed ? packed : w;
    const size_t row = (size_t)s.out_w * s.out_c;

    fill_nan(whole, s.output_elems);
    e->fn(p, &s, wk, bias, in, whole, 0, s.out_h);
    for (int k = 0; k < 3 && !bad; k++) {
        int a = (int)(next(&state) % (unsigned)(s.out_h + 1));
        int b = a + (int)(next(&state) % (unsigned)(s.out_h - a + 1));
        fill_nan(part, s.output_elems);
        e->fn(p, &s, wk, bias, in, part, a, b);
        for (int i = 0; i < s.out_h && !bad; i++) {
            const float *got = part + (size_t)i * row;
            for (size_t t = 0; t < row && !bad; t++) {
                int inside = i >= a && i < b;
                const float *want = inside ? whole + (size_t)i * row + t : &nan;
                if (memcmp(got + t, want, sizeof(float)) != 0) {
                    snprintf(what, size, "rows [%d, %d) alone: row %d element %zu is %.9g, "
                             "want %.9g (%s)", a, b, i, t, got[t], *want,
                             inside ? "differs from the whole-image run" : "written outside the range");
                    bad = 1;
                }
            }
        }
    }
done:
    free(in); free(w); free(bias); free(whole); free(part); free(packed);
    return bad;
}

/* The runs each (kernel, size) pair gets from kernel_check_run. */
static const struct { size_t batch; int bias; int splits; } runs[] = {
    { 1, 1, 1 },
    { 3, 1, 3 },
    { 1, 0, 2 },
    { 3, 0, 1 },
};

/* Check every kernel of the registry that serves p; counts them by kind. */
static int check_size(const torture_case *tc, const dwgen_params *p, int *shape_kernels,
                      int *config_kernels)
{
    int failures = 0;

    for (size_t k = 0; k < torture_registry.count; k++) {
        const dwgen_kernel_entry *e = &torture_registry.entries[k];
        const dwgen_registry one = { "one", 1, e, 0, NULL };
        if (dwgen_registry_lookup(&one, p) == NULL)
            continue;
        if (e->key.in_h != 0)
            ++*shape_kernels;
        else
            ++*config_kernels;

        char what[300] = "";
        int bad = 0;
        for (size_t r = 0; r < sizeof runs / sizeof runs[0] && !bad; r++) {
            kernel_check res;
            unsigned seed = torture_seed * 2654435761u + (unsigned)tc->id * 97u + (unsigned)r;
            if (kernel_check_run(e, p, seed, runs[r].batch, runs[r].bias, runs[r].splits,
                                 &res) != 0 || !res.ok) {
                snprintf(what, sizeof what, "batch %zu, bias %d, %d row ranges: %s",
                         runs[r].batch, runs[r].bias, runs[r].splits, res.what);
                bad = 1;
            }
        }
        if (!bad)
            bad = check_row_ranges(e, p, torture_seed ^ (unsigned)tc->id, what, sizeof what);
        if (bad) {
            printf("FAIL case %d: %s at size %dx%dx%d\n  kernel %s\n  %s\n", tc->id,
                   tc->spec, p->in_h, p->in_w, p->channels, e->name, what);
            failures++;
        }
    }
    return failures;
}

int main(void)
{
    int failures = 0, runs_done = 0;

    printf("torture: seed %u, %zu cases, %zu kernels (replay: make torture SEED=%u N=%zu)\n",
           torture_seed, torture_case_count, torture_registry.count, torture_seed,
           torture_case_count);
    fflush(stdout);
    for (size_t c = 0; c < torture_case_count; c++) {
        const torture_case *tc = &torture_cases[c];
        int shape_kernels = 0, config_kernels = 0, other_shape = 0, other_config = 0;

        failures += check_size(tc, &tc->params, &shape_kernels, &config_kernels);
        failures += check_size(tc, &tc->other_size, &other_shape, &other_config);
        runs_done += shape_kernels + config_kernels + other_shape + other_config;
        if (shape_kernels == 0 || config_kernels == 0 || other_config == 0) {
            printf("FAIL case %d: %s\n  missing kernel: %d shape-specialized, %d "
                   "configuration-specialized (%d at the second size)\n", tc->id, tc->spec,
                   shape_kernels, config_kernels, other_config);
            failures++;
        }
        fflush(stdout);
    }
    printf("torture: %d kernel runs, %d failures (seed %u)\n", runs_done, failures,
           torture_seed);
    return failures == 0 ? 0 : 1;
}
