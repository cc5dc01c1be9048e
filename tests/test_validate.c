/*
 * test_validate.c - every way a layer can be invalid, with its exact status.
 *
 * Each bad layer is a valid one with one change. The same status must come
 * from dwgen_shape_of, dwgen_conv_generic and dwgen_plan_create: the three
 * entry points share one validation, and a caller may meet any of them
 * first. Sizes near INT_MAX check that every product is checked before it
 * is formed (run under valgrind or -fsanitize=undefined to see the UB that
 * a plain run cannot).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"
#include "testutil.h"

typedef struct bad_layer {
    const char *what;            /* the change's function name */
    void (*change)(dwgen_params *p);
    dwgen_status want;
    dwgen_status also;           /* a second acceptable status, or want again */
} bad_layer;

/* One change each, named for what it does. */
static void in_h_0(dwgen_params *p) { p->in_h = 0; }
static void in_w_0(dwgen_params *p) { p->in_w = 0; }
static void channels_0(dwgen_params *p) { p->channels = 0; }
static void in_h_neg(dwgen_params *p) { p->in_h = -4; }
static void channels_int_min(dwgen_params *p) { p->channels = INT_MIN; }
static void kernel_h_0(dwgen_params *p) { p->kernel_h = 0; }
static void kernel_w_neg(dwgen_params *p) { p->kernel_w = -1; }
static void stride_h_0(dwgen_params *p) { p->stride_h = 0; }
static void stride_w_neg(dwgen_params *p) { p->stride_w = -2; }
static void rate_h_0(dwgen_params *p) { p->rate_h = 0; }
static void rate_w_neg(dwgen_params *p) { p->rate_w = -1; }
static void multiplier_0(dwgen_params *p) { p->multiplier = 0; }
static void multiplier_neg(dwgen_params *p) { p->multiplier = -3; }
static void padding_3(dwgen_params *p) { p->padding = (dwgen_padding)3; }
static void padding_neg(dwgen_params *p) { p->padding = (dwgen_padding)-1; }

static void explicit_pads(dwgen_params *p, int top, int bottom, int left, int right)
{
    p->padding = DWGEN_PAD_EXPLICIT;
    p->pad_top = top;
    p->pad_bottom = bottom;
    p->pad_left = left;
    p->pad_right = right;
}
static void pad_top_neg(dwgen_params *p) { explicit_pads(p, -1, 0, 0, 0); }
static void pad_bottom_neg(dwgen_params *p) { explicit_pads(p, 0, -1, 0, 0); }
static void pad_left_neg(dwgen_params *p) { explicit_pads(p, 0, 0, -1, 0); }
static void pad_right_neg(dwgen_params *p) { explicit_pads(p, 0, 0, 0, -1); }

static void valid_kernel_h_big(dwgen_params *p)
{
    p->padding = DWGEN_PAD_VALID;
    p->kernel_h = p->in_h + 1;
}
static void valid_kernel_w_big(dwgen_params *p)
{
    p->padding = DWGEN_PAD_VALID;
    p->kernel_w = p->in_w + 1;
}
static void valid_dilated_big(dwgen_params *p)
{
    p->padding = DWGEN_PAD_VALID;
    p->rate_h = 3;  /* effective kernel 7 > 6 */
}
static void explicit_too_small(dwgen_params *p)
{
    /* 5 + 0 + 1 - 7 < 0: one column of padding is not enough. */
    explicit_pads(p, 0, 0, 0, 1);
    p->in_w = 5;
    p->kernel_w = 7;
}
/* (in - eff) / stride must round down: C's division would give 0 for
 * -1 / 2, i.e. a 1-row output. */
static void valid_rounds_down(dwgen_params *p)
{
    valid_kernel_h_big(p);
    p->stride_h = 2;
}
static void explicit_rounds_down(dwgen_params *p)
{
    explicit_too_small(p);
    p->stride_w = 3;
}

static void activation_5(dwgen_params *p) { p->activation = (dwgen_activation)5; }
static void activation_neg(dwgen_params *p) { p->activation = (dwgen_activation)-1; }
static void clamp(dwgen_params *p, float lo, float hi)
{
    p->activation = DWGEN_ACT_CLAMP;
    p->clamp_min = lo;
    p->clamp_max = hi;
}
static void clamp_min_gt_max(dwgen_params *p) { clamp(p, 1.0f, -1.0f); }
static void clamp_min_nan(dwgen_params *p) { clamp(p, NAN, 1.0f); }
static void clamp_max_nan(dwgen_params *p) { clamp(p, 0.0f, NAN); }
static void dtype_1(dwgen_params *p) { p->dtype = (dwgen_dtype)1; }
static void dtype_neg(dwgen_params *p) { p->dtype = (dwgen_dtype)-1; }

/* INT_MAX^3 elements: far beyond size_t. */
static void input_int_max_cubed(dwgen_params *p)
{
    p->in_h = p->in_w = p->channels = INT_MAX;
}
/* Output channels 3 * INT_MAX and INT_MAX * 2 do not fit an int. */
static void multiplier_int_max(dwgen_params *p) { p->multiplier = INT_MAX; }
static void channels_int_max(dwgen_params *p) { p->channels = INT_MAX; }
/* Effective kernel (INT_MAX-1)*INT_MAX+1: SAME padding cannot fit an int. */
static void same_dilated_int_max(dwgen_params *p)
{
    p->kernel_h = INT_MAX;
    p->rate_h = INT_MAX;
}
static void valid_dilated_int_max(dwgen_params *p)
{
    same_dilated_int_max(p);
    p->padding = DWGEN_PAD_VALID;
}
/* A kernel of INT_MAX fits an int; the output is simply empty. */
static void valid_kernel_int_max(dwgen_params *p)
{
    p->padding = DWGEN_PAD_VALID;
    p->kernel_w = INT_MAX;
}
/* Output height 6 + 2*INT_MAX - 2 does not fit an int. */
static void pads_int_max(dwgen_params *p) { explicit_pads(p, INT_MAX, INT_MAX, 0, 0); }

#define BAD(change, want) { #change, change, want, want }
static const bad_layer bad_layers[] = {
    BAD(in_h_0, DWGEN_ERR_SHAPE),
    BAD(in_w_0, DWGEN_ERR_SHAPE),
    BAD(channels_0, DWGEN_ERR_SHAPE),
    BAD(in_h_neg, DWGEN_ERR_SHAPE),
    BAD(channels_int_min, DWGEN_ERR_SHAPE),
    BAD(kernel_h_0, DWGEN_ERR_KERNEL),
    BAD(kernel_w_neg, DWGEN_ERR_KERNEL),
    BAD(stride_h_0, DWGEN_ERR_STRIDE),
    BAD(stride_w_neg, DWGEN_ERR_STRIDE),
    BAD(rate_h_0, DWGEN_ERR_RATE),
    BAD(rate_w_neg, DWGEN_ERR_RATE),
    BAD(multiplier_0, DWGEN_ERR_MULTIPLIER),
    BAD(multiplier_neg, DWGEN_ERR_MULTIPLIER),
    BAD(padding_3, DWGEN_ERR_PADDING),
    BAD(padding_neg, DWGEN_ERR_PADDING),
    BAD(pad_top_neg, DWGEN_ERR_PADDING),
    BAD(pad_bottom_neg, DWGEN_ERR_PADDING),
    BAD(pad_left_neg, DWGEN_ERR_PADDING),
    BAD(pad_right_neg, DWGEN_ERR_PADDING),
    BAD(valid_kernel_h_big, DWGEN_ERR_OUTPUT_SIZE),
    BAD(valid_kernel_w_big, DWGEN_ERR_OUTPUT_SIZE),
    BAD(valid_dilated_big, DWGEN_ERR_OUTPUT_SIZE),
    BAD(explicit_too_small, DWGEN_ERR_OUTPUT_SIZE),
    BAD(valid_rounds_down, DWGEN_ERR_OUTPUT_SIZE),
    BAD(explicit_rounds_down, DWGEN_ERR_OUTPUT_SIZE),
    BAD(activation_5, DWGEN_ERR_ACTIVATION),
    BAD(activation_neg, DWGEN_ERR_ACTIVATION),
    BAD(clamp_min_gt_max, DWGEN_ERR_ACTIVATION),
    BAD(clamp_min_nan, DWGEN_ERR_ACTIVATION),
    BAD(clamp_max_nan, DWGEN_ERR_ACTIVATION),
    BAD(dtype_1, DWGEN_ERR_DTYPE),
    BAD(dtype_neg, DWGEN_ERR_DTYPE),
    BAD(input_int_max_cubed, DWGEN_ERR_OVERFLOW),
    BAD(multiplier_int_max, DWGEN_ERR_OVERFLOW),
    BAD(channels_int_max, DWGEN_ERR_OVERFLOW),
    BAD(same_dilated_int_max, DWGEN_ERR_OVERFLOW),
    BAD(valid_kernel_int_max, DWGEN_ERR_OUTPUT_SIZE),
    BAD(pads_int_max, DWGEN_ERR_OVERFLOW),
    /* The effective kernel does not fit an int, and the true output size
     * is negative: either report is right. */
    { "valid_dilated_int_max", valid_dilated_int_max,
      DWGEN_ERR_OUTPUT_SIZE, DWGEN_ERR_OVERFLOW },
};
#undef BAD

/* The valid layer every bad one starts from: 6x5x3, 3x3 SAME, M = 2. */
static dwgen_params base(void)
{
    return tu_params_basic();
}

static int acceptable(const bad_layer *b, dwgen_status got)
{
    return got == b->want || got == b->also;
}

static void test_shape_of_rejects(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof bad_layers / sizeof bad_layers[0]; k++) {
        const bad_layer *b = &bad_layers[k];
        dwgen_params p = base();
        dwgen_shape shape;
        b->change(&p);
        dwgen_status got = dwgen_shape_of(&p, &shape);
        if (!acceptable(b, got))
            fail_msg("%s: dwgen_shape_of returned %d (%s), want %d (%s)",
                     b->what, got, dwgen_status_message(got),
                     b->want, dwgen_status_message(b->want));
        /* Validation alone (shape NULL) must agree. */
        dwgen_status alone = dwgen_shape_of(&p, NULL);
        if (alone != got)
            fail_msg("%s: dwgen_shape_of(p, NULL) returned %d, with a shape %d",
                     b->what, alone, got);
    }
}

static void test_generic_and_plan_reject(void **state)
{
    (void)state;
    float *in = tu_floats(256), *filter = tu_floats(256);
    memset(in, 0, 256 * sizeof(float));
    memset(filter, 0, 256 * sizeof(float));
    tu_guarded out;
    tu_guarded_init(&out, 256);
    for (size_t k = 0; k < sizeof bad_layers / sizeof bad_layers[0]; k++) {
        const bad_layer *b = &bad_layers[k];
        dwgen_params p = base();
        b->change(&p);
        dwgen_status want = dwgen_shape_of(&p, NULL);
        assert_int_not_equal(want, DWGEN_OK);
        dwgen_status got = dwgen_conv_generic(&p, 1, in, filter, NULL, out.out);
        if (got != want)
            fail_msg("%s: dwgen_conv_generic returned %d, dwgen_shape_of %d",
                     b->what, got, want);
        tu_assert_untouched(b->what, (tu_dims){ 0, 0, 0 }, out.out, 0, out.count);

        dwgen_plan *plan = (dwgen_plan *)&plan;  /* non-NULL: must be reset */
        got = dwgen_plan_create(&p, filter, NULL, NULL, &plan);
        if (got != want)
            fail_msg("%s: dwgen_plan_create returned %d, dwgen_shape_of %d",
                     b->what, got, want);
        if (plan != NULL)
            fail_msg("%s: dwgen_plan_create failed but left *plan non-NULL", b->what);
    }
    tu_guarded_check_guards(&out, "rejected layers");
    tu_guarded_free(&out);
    free(in);
    free(filter);
}

/* Valid layers at the edges, and fields that only EXPLICIT padding and
 * CLAMP read, which must be ignored otherwise. */
static void test_edge_layers_accepted(void **state)
{
    (void)state;
    dwgen_params p = base();
    dwgen_shape ref, shape;
    assert_int_equal(dwgen_shape_of(&p, &ref), DWGEN_OK);

    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = -7;
    p.clamp_min = NAN;
    p.clamp_max = -1.0f;
    assert_int_equal(dwgen_shape_of(&p, &shape), DWGEN_OK);
    assert_int_equal(shape.out_h, ref.out_h);
    assert_int_equal(shape.out_w, ref.out_w);
    assert_int_equal(shape.pad_top, ref.pad_top);
    assert_int_equal(shape.pad_left, ref.pad_left);

    /* Edge values that are valid. */
    p = base();
    p.activation = DWGEN_ACT_CLAMP;
    p.clamp_min = p.clamp_max = 0.5f;
    assert_int_equal(dwgen_shape_of(&p, NULL), DWGEN_OK);
    p.clamp_min = -INFINITY;
    p.clamp_max = INFINITY;
    assert_int_equal(dwgen_shape_of(&p, NULL), DWGEN_OK);

    p = base();
    p.padding = DWGEN_PAD_EXPLICIT;
    p.in_h = 1;
    p.pad_top = p.pad_bottom = 1;  /* 1 + 2 - 3 = 0: exactly one row */
    assert_int_equal(dwgen_shape_of(&p, &shape), DWGEN_OK);
    assert_int_equal(shape.out_h, 1);

    /* (6 + 2*INT_MAX - 3) / INT_MAX + 1 = 3: the padded height does not fit
     * an int but the output does. Rejecting it as OVERFLOW is fine too;
     * accepting it with a wrong size is not. */
    p = base();
    pads_int_max(&p);
    p.stride_h = INT_MAX;
    dwgen_status st = dwgen_shape_of(&p, &shape);
    if (st == DWGEN_OK)
        assert_int_equal(shape.out_h, 3);
    else
        assert_int_equal(st, DWGEN_ERR_OVERFLOW);
}

static void test_null_pointers(void **state)
{
    (void)state;
    dwgen_params p = base();
    dwgen_shape shape;
    float in[6 * 5 * 3] = { 0 }, filter[3 * 3 * 3 * 2] = { 0 };
    float out[6 * 5 * 6];
    dwgen_plan *plan = NULL;

    assert_int_equal(dwgen_shape_of(NULL, &shape), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_conv_generic(NULL, 1, in, filter, NULL, out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_conv_generic(&p, 1, NULL, filter, NULL, out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_conv_generic(&p, 1, in, NULL, NULL, out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_conv_generic(&p, 1, in, filter, NULL, NULL), DWGEN_ERR_NULL);

    plan = (dwgen_plan *)&plan;
    assert_int_equal(dwgen_plan_create(NULL, filter, NULL, NULL, &plan), DWGEN_ERR_NULL);
    assert_null(plan);
    plan = (dwgen_plan *)&plan;
    assert_int_equal(dwgen_plan_create(&p, NULL, NULL, NULL, &plan), DWGEN_ERR_NULL);
    assert_null(plan);
    assert_int_equal(dwgen_plan_create(&p, filter, NULL, NULL, NULL), DWGEN_ERR_NULL);

    assert_int_equal(dwgen_plan_run(NULL, 1, in, out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_run_rows(NULL, 1, in, out, 0, 1), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_create(&p, filter, NULL, NULL, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(plan, 1, NULL, out), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_run(plan, 1, in, NULL), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_run_rows(plan, 1, NULL, out, 0, 1), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_plan_run_rows(plan, 1, in, NULL, 0, 1), DWGEN_ERR_NULL);
    dwgen_plan_destroy(plan);

    size_t bytes;
    assert_int_equal(dwgen_batch_bytes(NULL, 1, 1, &bytes), DWGEN_ERR_NULL);
    assert_int_equal(dwgen_batch_bytes(&p, 1, 1, NULL), DWGEN_ERR_NULL);
}

static void test_rows_out_of_range(void **state)
{
    (void)state;
    dwgen_params p = base();
    dwgen_shape shape;
    assert_int_equal(dwgen_shape_of(&p, &shape), DWGEN_OK);
    int oh = shape.out_h;
    float in[6 * 5 * 3] = { 0 }, filter[3 * 3 * 3 * 2] = { 0 };
    tu_guarded out;
    tu_guarded_init(&out, shape.output_elems);
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, filter, NULL, NULL, &plan), DWGEN_OK);

    const int bad[][2] = {
        { -1, 1 }, { 0, oh + 1 }, { 3, 2 }, { oh + 1, oh + 1 }, { oh, oh - 1 },
        { INT_MIN, 0 }, { 0, INT_MAX }, { -1, -1 },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        dwgen_status got = dwgen_plan_run_rows(plan, 1, in, out.out, bad[k][0], bad[k][1]);
        if (got != DWGEN_ERR_ROWS)
            fail_msg("rows [%d, %d) of %d: got %d, want DWGEN_ERR_ROWS",
                     bad[k][0], bad[k][1], oh, got);
    }
    tu_assert_untouched("rejected row ranges", tu_output_dims(&shape),
                        out.out, 0, out.count);
    tu_guarded_check_guards(&out, "rejected row ranges");

    /* Empty ranges at either end are valid and write nothing. */
    assert_int_equal(dwgen_plan_run_rows(plan, 1, in, out.out, 0, 0), DWGEN_OK);
    assert_int_equal(dwgen_plan_run_rows(plan, 1, in, out.out, oh, oh), DWGEN_OK);
    tu_assert_untouched("empty row ranges", tu_output_dims(&shape), out.out, 0, out.count);

    dwgen_plan_destroy(plan);
    tu_guarded_free(&out);
}

/* A batch too big to address must be refused before any memory is touched. */
static void test_huge_batch(void **state)
{
    (void)state;
    dwgen_params p = base();
    dwgen_shape shape;
    assert_int_equal(dwgen_shape_of(&p, &shape), DWGEN_OK);
    size_t bytes = 0;

    assert_int_equal(dwgen_batch_bytes(&p, SIZE_MAX, shape.output_elems, &bytes),
                     DWGEN_ERR_OVERFLOW);
    assert_int_equal(dwgen_batch_bytes(&p, SIZE_MAX / 4 + 1, 1, &bytes), DWGEN_ERR_OVERFLOW);
    assert_int_equal(dwgen_batch_bytes(&p, SIZE_MAX / 2, 2, &bytes), DWGEN_ERR_OVERFLOW);
    assert_int_equal(dwgen_batch_bytes(&p, SIZE_MAX / 4, 1, &bytes), DWGEN_OK);
    assert_true(bytes == SIZE_MAX / 4 * sizeof(float));
    assert_int_equal(dwgen_batch_bytes(&p, 3, shape.output_elems, &bytes), DWGEN_OK);
    assert_true(bytes == 3 * shape.output_elems * sizeof(float));
    assert_int_equal(dwgen_batch_bytes(&p, 0, shape.output_elems, &bytes), DWGEN_OK);
    assert_true(bytes == 0);

    /* The element size depends on the dtype, so an unknown one cannot be sized. */
    dwgen_params bad = p;
    bad.dtype = (dwgen_dtype)7;
    assert_int_equal(dwgen_batch_bytes(&bad, 1, 1, &bytes), DWGEN_ERR_DTYPE);

    /* Near the edge on 64-bit hosts: one image of (2^31-1)^2 floats takes
     * just under 2^64 bytes, so the shape is valid but two images are not;
     * with two channels even one image's bytes overflow. */
    if (SIZE_MAX / ((size_t)INT_MAX * INT_MAX) >= 4) {
        dwgen_params wide = p;
        wide.in_h = wide.in_w = INT_MAX;
        wide.channels = wide.multiplier = 1;
        wide.kernel_h = wide.kernel_w = 1;
        dwgen_shape wshape;
        assert_int_equal(dwgen_shape_of(&wide, &wshape), DWGEN_OK);
        assert_int_equal(dwgen_batch_bytes(&wide, 1, wshape.output_elems, &bytes), DWGEN_OK);
        assert_true(bytes == (size_t)INT_MAX * INT_MAX * sizeof(float));
        assert_int_equal(dwgen_batch_bytes(&wide, 2, wshape.output_elems, &bytes),
                         DWGEN_ERR_OVERFLOW);
        wide.channels = 2;
        assert_int_equal(dwgen_shape_of(&wide, &wshape), DWGEN_ERR_OVERFLOW);
    }

    float in[6 * 5 * 3] = { 0 }, filter[3 * 3 * 3 * 2] = { 0 };
    tu_guarded out;
    tu_guarded_init(&out, shape.output_elems);
    assert_int_equal(dwgen_conv_generic(&p, SIZE_MAX, in, filter, NULL, out.out),
                     DWGEN_ERR_OVERFLOW);
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, filter, NULL, NULL, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(plan, SIZE_MAX, in, out.out), DWGEN_ERR_OVERFLOW);
    assert_int_equal(dwgen_plan_run_rows(plan, SIZE_MAX, in, out.out, 0, 1),
                     DWGEN_ERR_OVERFLOW);
    dwgen_plan_destroy(plan);
    tu_assert_untouched("huge batch", tu_output_dims(&shape), out.out, 0, out.count);
    tu_guarded_check_guards(&out, "huge batch");
    tu_guarded_free(&out);
}

static void test_status_messages(void **state)
{
    (void)state;
    enum { FIRST = DWGEN_ERR_NOMEM, LAST = DWGEN_OK };
    for (int s = FIRST; s <= LAST; s++) {
        const char *m = dwgen_status_message((dwgen_status)s);
        if (m == NULL || m[0] == '\0')
            fail_msg("status %d has no message", s);
        for (int t = FIRST; t < s; t++)
            if (strcmp(m, dwgen_status_message((dwgen_status)t)) == 0)
                fail_msg("statuses %d and %d share the message \"%s\"", t, s, m);
    }
    const int unknown[] = { 1, 7, DWGEN_ERR_NOMEM - 1, -100, INT_MIN, INT_MAX };
    for (size_t k = 0; k < sizeof unknown / sizeof unknown[0]; k++)
        if (dwgen_status_message((dwgen_status)unknown[k]) == NULL)
            fail_msg("unknown status %d gives a NULL message", unknown[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_of_rejects),
        cmocka_unit_test(test_generic_and_plan_reject),
        cmocka_unit_test(test_edge_layers_accepted),
        cmocka_unit_test(test_null_pointers),
        cmocka_unit_test(test_rows_out_of_range),
        cmocka_unit_test(test_huge_batch),
        cmocka_unit_test(test_status_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
