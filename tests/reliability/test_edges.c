/*
 * test_edges.c - the runtime at the edges tests/test_validate.c leaves out.
 *
 *   - every public function given NULL where test_validate.c does not try
 *     it, and the order of the argument checks (pointers and rows before
 *     the batch, so a batch of 0 does not hide a bad call);
 *   - element and byte counts one step past SIZE_MAX for the filter and the
 *     output, and a batch whose input fits but whose output does not;
 *   - a valid plan whose weights cannot be allocated: DWGEN_ERR_NOMEM, and
 *     the caller's filter is never read;
 *   - layers with more than INT_MAX elements, or INT_MAX rows, run on a few
 *     rows through the configuration-specialized (__any) kernels of
 *     generated/ and through the generic kernel: the same result, bit for
 *     bit, and nothing written outside the rows asked for. The buffers are
 *     reserved with mmap(MAP_NORESERVE) and only the rows used are touched,
 *     so a 16 GiB layer costs a few MiB; where the mapping is refused (a
 *     small address space, valgrind) the test says so and skips.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dwgen.h"
#include "dwgen_kernels.h"
#include "testutil.h"

/* The NOMEM test asks for more than any machine has: under AddressSanitizer
 * malloc must then return NULL, as it does without it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* ---- NULL and argument order -------------------------------------------- */

static void test_null_and_order(void **state)
{
    (void)state;
    dwgen_params p = tu_params_basic();
    dwgen_shape s;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    float *in = tu_floats(s.input_elems), *filter = tu_floats(s.filter_elems);
    memset(in, 0, s.input_elems * sizeof(float));
    memset(filter, 0, s.filter_elems * sizeof(float));
    tu_guarded out;
    tu_guarded_init(&out, s.output_elems);
    size_t bytes;

    assert_int_equal(dwgen_shape_of(NULL, NULL), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_batch_bytes(NULL, 0, 0, NULL), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_batch_bytes(NULL, 0, 0, &bytes), DWGEN_ERR_NULL);
    assert_null(dwgen_plan_kernel_name(NULL));
    assert_int_equal(dwgen_plan_is_specialized(NULL), 0);

    /* A registry whose table is NULL (count notwithstanding) finds nothing. */
    const dwgen_registry broken = { "broken", 5, NULL, 0, NULL };
    assert_null(dwgen_registry_lookup(&broken, &p));

    /* Pointers are checked before the batch: batch 0 with a NULL buffer is
     * still DWGEN_ERR_NULL, and nothing is written. */
    assert_int_equal(dwgen_conv_generic(&p, 0, NULL, filter, NULL, out.out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_conv_generic(&p, 0, in, filter, NULL, NULL), DWGEN_ERR_NULL);
    /* Validation comes before the batch too. */
    dwgen_params bad = p;
    bad.stride_h = 0;
    assert_int_equal(dwgen_conv_generic(&bad, 0, in, filter, NULL, out.out), DWGEN_ERR_STRIDE);

    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, filter, NULL, NULL, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(plan, 0, NULL, out.out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_run(plan, 0, in, NULL), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_run_rows(plan, 0, in, out.out, 2, 1), DWGEN_ERR_ROWS);
    assert_int_equal(dwgen_plan_run_rows(plan, 0, in, out.out, 0, s.out_h + 1), DWGEN_ERR_ROWS);
    assert_int_equal(dwgen_plan_run(plan, 0, in, out.out), DWGEN_OK);
    dwgen_plan_destroy(plan);

    /* Options: an empty registry or a NULL one falls back to the generic
     * kernel; with DWGEN_PLAN_NO_FALLBACK both fail and leave *plan NULL. */
    const dwgen_plan_options none = { NULL, 0 }, empty = { &dwgen_registry_empty, 0 };
    const dwgen_plan_options strict_none = { NULL, DWGEN_PLAN_NO_FALLBACK };
    const dwgen_plan_options strict_empty = { &dwgen_registry_empty, DWGEN_PLAN_NO_FALLBACK };
    const dwgen_plan_options *fallback[] = { &none, &empty };
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(dwgen_plan_create(&p, filter, NULL, fallback[k], &plan), DWGEN_OK);
        assert_int_equal(dwgen_plan_is_specialized(plan), 0);
        assert_non_null(dwgen_plan_kernel_name(plan));
        dwgen_plan_destroy(plan);
    }
    const dwgen_plan_options *strict[] = { &strict_none, &strict_empty };
    for (size_t k = 0; k < 2; k++) {
        plan = (dwgen_plan *)&plan;
        assert_int_equal(dwgen_plan_create(&p, filter, NULL, strict[k], &plan), DWGEN_ERR_NO_KERNEL);
        assert_null(plan);
    }

    tu_assert_untouched("rejected calls", tu_output_dims(&s), out.out, 0, out.count);
    tu_guarded_check_guards(&out, "rejected calls");
    tu_guarded_free(&out);
    free(in);
    free(filter);
}

/* ---- counts at the edge of size_t ---------------------------------------- */

/* Elements of fp32 fit while elements * 4 bytes fit: at most SIZE_MAX / 4. */
static void test_count_edges(void **state)
{
    (void)state;
    if (SIZE_MAX < UINT64_MAX) {
        print_message("skipped: the count edges below assume a 64-bit size_t\n");
        return;
    }
    dwgen_params p = tu_params_basic();
    dwgen_shape s;

    /* Filter 2^16 x 2^16 x 2^15 x 2^15 = 2^62 elements: 2^64 bytes, one too
     * many. With channels 2^14 it is 2^61 elements, which fits. SAME keeps
     * the output at the input's size whatever the kernel. */
    p.in_h = p.in_w = 1;
    p.padding = DWGEN_PAD_SAME;
    p.kernel_h = p.kernel_w = 1 << 16;
    p.channels = p.multiplier = 1 << 15;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_ERR_OVERFLOW);
    p.channels = 1 << 14;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    assert_true(s.filter_elems == (size_t)1 << 61);
    assert_true(s.input_elems == (size_t)1 << 14);
    assert_true(s.output_elems == (size_t)1 << 29);

    /* Output elements past the edge while the input fits: 2^31-1 squared
     * times 2 output channels is just under 2^63 elements. */
    p = tu_params_basic();
    p.in_h = p.in_w = INT_MAX;
    p.channels = 1;
    p.multiplier = 2;
    p.kernel_h = p.kernel_w = 1;
    p.padding = DWGEN_PAD_VALID;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_ERR_OVERFLOW);
    p.multiplier = 1;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);

    /* A batch whose input bytes fit but whose output bytes do not (M = 8):
     * refused before anything is touched. */
    p = tu_params_basic();
    p.in_h = p.in_w = p.channels = 1;
    p.kernel_h = p.kernel_w = 1;
    p.multiplier = 8;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    size_t batch = SIZE_MAX / 16, bytes;
    assert_int_equal(dwgen_batch_bytes(&p, batch, s.input_elems, &bytes), DWGEN_OK);
    assert_int_equal(dwgen_batch_bytes(&p, batch, s.output_elems, &bytes), DWGEN_ERR_OVERFLOW);
    float in[1] = { 1.0f }, filter[8] = { 0 };
    tu_guarded out;
    tu_guarded_init(&out, 8);
    assert_int_equal(dwgen_conv_generic(&p, batch, in, filter, NULL, out.out), DWGEN_ERR_OVERFLOW);
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, filter, NULL, NULL, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(plan, batch, in, out.out), DWGEN_ERR_OVERFLOW);
    assert_int_equal(dwgen_plan_run_rows(plan, batch, in, out.out, 0, 1), DWGEN_ERR_OVERFLOW);
    dwgen_plan_destroy(plan);
    tu_assert_untouched("overflowing batch", tu_output_dims(&s), out.out, 0, out.count);
    tu_guarded_check_guards(&out, "overflowing batch");
    tu_guarded_free(&out);
}

/* A valid layer whose 2^60-element filter (2^62 bytes) no machine can hold:
 * plan creation reports DWGEN_ERR_NOMEM without reading the filter, which
 * here is a single float. (Not 2^63 bytes: valgrind calls a size with the
 * top bit set "fishy" and counts it as an error.) */
static void test_weights_nomem(void **state)
{
    (void)state;
    if (SIZE_MAX < UINT64_MAX) {
        print_message("skipped: assumes a 64-bit size_t\n");
        return;
    }
    dwgen_params p = tu_params_basic();
    p.in_h = p.in_w = 1;
    p.padding = DWGEN_PAD_SAME;
    p.kernel_h = p.kernel_w = 1 << 16;
    p.channels = p.multiplier = 1 << 14;
    float one = 1.0f;
    dwgen_plan *plan = (dwgen_plan *)&plan;
    dwgen_status st = dwgen_plan_create(&p, &one, NULL, NULL, &plan);
    if (st != DWGEN_ERR_NOMEM)
        fail_msg("plan for a 2^62-byte filter: got %d (%s), want DWGEN_ERR_NOMEM",
                 st, dwgen_status_message(st));
    assert_null(plan);
}

/* ---- layers beyond INT_MAX elements --------------------------------------- */

/* A zero-filled mapping that reserves no memory, or NULL. */
static float *reserve(size_t count)
{
    if (count > SIZE_MAX / sizeof(float))
        return NULL;
    void *m = mmap(NULL, count * sizeof(float), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

static void release(float *m, size_t count)
{
    if (m != NULL)
        munmap(m, count * sizeof(float));
}

typedef struct big_case {
    const char *kernel;          /* the __any kernel of generated/ it must use */
    int in_h, in_w, channels;
} big_case;

/* 8192 x 1024 x 256 = 2^31 elements, one past INT_MAX; INT_MAX rows of one
 * pixel, for the row arithmetic of kernels whose padding reaches 2 or 3. */
static const big_case big_cases[] = {
    { "dwconv_f32_k3x3_s1x1_r1x1_same_m1__any_relu6", 8192, 1024, 256 },
    { "dwconv_f32_k3x3_s2x2_r1x1_same_m8__any_relu6", 4096, 1024, 512 },
    { "dwconv_f32_k3x3_s1x1_r1x1_valid_m2__any_none", 8192, 1024, 256 },
    { "dwconv_f32_k3x3_s1x1_r2x2_same_m1__any_relu6", INT_MAX, 1, 1 },
    { "dwconv_f32_k5x5_s1x1_r1x1_same_m1__any_relu", INT_MAX, 1, 1 },
    { "dwconv_f32_k7x7_s1x1_r1x1_same_m1__any_none", INT_MAX, 1, 1 },
};

/* Small integers: every sum of products is exact in float, in any order. */
static float pattern(size_t i)
{
    return (float)((int)(i * 2654435761u % 7u) - 3);
}

/* The params of a registry key with the case's input size. */
static int big_params(const big_case *bc, dwgen_params *p)
{
    for (size_t i = 0; i < dwgen_registry_shipped.count; i++) {
        const dwgen_kernel_entry *e = &dwgen_registry_shipped.entries[i];
        if (e->name != NULL && strcmp(e->name, bc->kernel) == 0) {
            *p = e->key;
            p->in_h = bc->in_h;
            p->in_w = bc->in_w;
            p->channels = bc->channels;
            return 1;
        }
    }
    return 0;
}

/* Run rows [r0, r1) of one big case with the plan; copy them to `keep`.
 * The rows just outside the range start as NaN and must stay NaN. */
static void run_rows_into(const dwgen_plan *plan, const dwgen_shape *s, const float *in,
                          float *out, int r0, int r1, float *keep, const char *what)
{
    size_t row = (size_t)s->out_w * s->out_c;
    int g0 = r0 > 0 ? r0 - 1 : r0, g1 = r1 < s->out_h ? r1 + 1 : r1;
    float nan = NAN;
    for (size_t i = (size_t)g0 * row; i < (size_t)g1 * row; i++)
        out[i] = nan;
    dwgen_status st = dwgen_plan_run_rows(plan, 1, in, out, r0, r1);
    if (st != DWGEN_OK)
        fail_msg("%s: rows [%d, %d): %s", what, r0, r1, dwgen_status_message(st));
    for (int r = g0; r < g1; r++) {
        if (r >= r0 && r < r1)
            continue;
        for (size_t i = 0; i < row; i++)
            if (!isnan(out[(size_t)r * row + i]))
                fail_msg("%s: rows [%d, %d) wrote row %d element %zu", what, r0, r1, r, i);
    }
    memcpy(keep, out + (size_t)r0 * row, (size_t)(r1 - r0) * row * sizeof(float));
}

static void test_big_layers(void **state)
{
    (void)state;
    int ran = 0;
    for (size_t k = 0; k < sizeof big_cases / sizeof big_cases[0]; k++) {
        const big_case *bc = &big_cases[k];
        dwgen_params p;
        dwgen_shape s;
        if (!big_params(bc, &p))
            fail_msg("%s: no such kernel in generated/ (regenerated without it?)", bc->kernel);
        assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
        float *in = reserve(s.input_elems), *out = reserve(s.output_elems);
        if (in == NULL || out == NULL) {
            print_message("skipped %s on %dx%dx%d: cannot reserve %zu + %zu floats of address space\n",
                          bc->kernel, bc->in_h, bc->in_w, bc->channels,
                          s.input_elems, s.output_elems);
            release(in, s.input_elems);
            release(out, s.output_elems);
            continue;
        }
        float *filter = tu_floats(s.filter_elems), *bias = tu_floats(s.bias_elems);
        for (size_t i = 0; i < s.filter_elems; i++)
            filter[i] = pattern(i + 11);
        for (size_t i = 0; i < s.bias_elems; i++)
            bias[i] = pattern(i + 5);

        const dwgen_plan_options shipped = { &dwgen_registry_shipped, DWGEN_PLAN_NO_FALLBACK };
        dwgen_plan *fast = NULL, *slow = NULL;
        assert_int_equal(dwgen_plan_create(&p, filter, bias, &shipped, &fast), DWGEN_OK);
        assert_int_equal(dwgen_plan_create(&p, filter, bias, NULL, &slow), DWGEN_OK);
        assert_string_equal(dwgen_plan_kernel_name(fast), bc->kernel);

        /* The first and the last rows: the top and bottom padding, and the
         * largest offsets. Fill the input rows they read. */
        const int ranges[2][2] = { { 0, 3 }, { s.out_h - 3, s.out_h } };
        size_t in_row = (size_t)p.in_w * p.channels, row = (size_t)s.out_w * s.out_c;
        long long reach = (long long)(p.kernel_h - 1) * p.rate_h;
        for (int r = 0; r < 2; r++) {
            long long y0 = (long long)ranges[r][0] * p.stride_h - s.pad_top;
            long long y1 = (long long)(ranges[r][1] - 1) * p.stride_h - s.pad_top + reach + 1;
            y0 = y0 < 0 ? 0 : y0;
            y1 = y1 > p.in_h ? p.in_h : y1;
            for (size_t i = (size_t)y0 * in_row; i < (size_t)y1 * in_row; i++)
                in[i] = pattern(i);
        }
        float *a = tu_floats(3 * row), *b = tu_floats(3 * row);
        for (int r = 0; r < 2; r++) {
            int r0 = ranges[r][0], r1 = ranges[r][1];
            char what[160];
            snprintf(what, sizeof what, "%s on %dx%dx%d, rows [%d, %d)", bc->kernel,
                     p.in_h, p.in_w, p.channels, r0, r1);
            run_rows_into(fast, &s, in, out, r0, r1, a, what);
            run_rows_into(slow, &s, in, out, r0, r1, b, "the generic kernel");
            tu_dims d = { r1 - r0, s.out_w, s.out_c };
            tu_assert_identical(what, d, b, a, (size_t)(r1 - r0) * row);
        }
        free(a);
        free(b);
        dwgen_plan_destroy(fast);
        dwgen_plan_destroy(slow);
        free(filter);
        free(bias);
        release(in, s.input_elems);
        release(out, s.output_elems);
        ran++;
    }
    print_message("%d of %zu layers beyond INT_MAX checked\n", ran,
                  sizeof big_cases / sizeof big_cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_and_order),
        cmocka_unit_test(test_count_edges),
        cmocka_unit_test(test_weights_nomem),
        cmocka_unit_test(test_big_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
