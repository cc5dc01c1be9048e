/*
 * test_plan.c - plans without a registry: row ranges, weight ownership and
 * the accessors.
 *
 * Threads split [0, out_h) between them and call dwgen_plan_run_rows: the
 * pieces must add up to dwgen_plan_run's result exactly and never write a
 * row outside their own range, in every image of the batch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"
#include "testutil.h"

typedef struct fixture {
    dwgen_params p;
    dwgen_shape s;
    size_t batch;
    float *x, *f, *b;
    dwgen_plan *plan;
    tu_guarded full;             /* dwgen_plan_run's result */
} fixture;

/* A layer with an odd output height, stride 2 rows and a bias, batch 3. */
static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    fx->p = tu_params_basic();
    fx->p.in_h = 13;
    fx->p.stride_h = 2;
    fx->p.activation = DWGEN_ACT_HSWISH;
    fx->batch = 3;
    if (dwgen_shape_of(&fx->p, &fx->s) != DWGEN_OK)
        return -1;
    size_t n_in = fx->batch * fx->s.input_elems;
    fx->x = tu_floats(n_in);
    fx->f = tu_floats(fx->s.filter_elems);
    fx->b = tu_floats(fx->s.bias_elems);
    tu_rng rng;
    tu_rng_seed(&rng, 42);
    tu_fill_uniform(&rng, fx->x, n_in, -2.0f, 2.0f);
    tu_fill_uniform(&rng, fx->f, fx->s.filter_elems, -1.0f, 1.0f);
    tu_fill_uniform(&rng, fx->b, fx->s.bias_elems, -1.0f, 1.0f);
    if (dwgen_plan_create(&fx->p, fx->f, fx->b, NULL, &fx->plan) != DWGEN_OK)
        return -1;
    tu_guarded_init(&fx->full, fx->batch * fx->s.output_elems);
    if (dwgen_plan_run(fx->plan, fx->batch, fx->x, fx->full.out) != DWGEN_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    dwgen_plan_destroy(fx->plan);
    tu_guarded_free(&fx->full);
    free(fx->x);
    free(fx->f);
    free(fx->b);
    free(fx);
    return 0;
}

/* The full run is complete, in bounds and equal to dwgen_conv_generic. */
static void test_full_run(void **state)
{
    fixture *fx = *state;
    tu_dims d = tu_output_dims(&fx->s);
    tu_guarded_check(&fx->full, "plan run", d);
    tu_guarded ref;
    tu_guarded_init(&ref, fx->full.count);
    assert_int_equal(dwgen_conv_generic(&fx->p, fx->batch, fx->x, fx->f, fx->b, ref.out),
                     DWGEN_OK);
    tu_assert_allclose("plan run vs dwgen_conv_generic", d, ref.out, fx->full.out,
                       ref.count, 0, 0);
    tu_guarded_free(&ref);
}

/* Run rows [begin, end) into a fresh buffer: only they are written, in
 * every image, with the full run's values. */
static void check_rows(const fixture *fx, tu_guarded *out, int begin, int end)
{
    char what[64];
    snprintf(what, sizeof what, "rows [%d, %d) of %d", begin, end, fx->s.out_h);
    tu_dims d = tu_output_dims(&fx->s);
    size_t row = (size_t)fx->s.out_w * (size_t)fx->s.out_c;
    tu_guarded_reset(out);
    assert_int_equal(dwgen_plan_run_rows(fx->plan, fx->batch, fx->x, out->out, begin, end),
                     DWGEN_OK);
    tu_guarded_check_guards(out, what);
    for (size_t n = 0; n < fx->batch; n++) {
        size_t image = n * fx->s.output_elems;
        size_t lo = image + (size_t)begin * row, hi = image + (size_t)end * row;
        tu_assert_untouched(what, d, out->out, image, lo);
        tu_assert_written(what, d, out->out, lo, hi);
        tu_assert_allclose(what, d, fx->full.out + lo, out->out + lo, hi - lo, 0, 0);
        tu_assert_untouched(what, d, out->out, hi, image + fx->s.output_elems);
    }
}

/* Two pieces [0,k), [k,out_h) for every k; one row at a time; thirds. */
static void test_row_splits(void **state)
{
    fixture *fx = *state;
    const int oh = fx->s.out_h;
    assert_true(oh >= 4);  /* enough rows for the splits to differ */
    tu_guarded out, merged;
    tu_guarded_init(&out, fx->full.count);
    tu_guarded_init(&merged, fx->full.count);

    for (int k = 0; k <= oh; k++) {
        check_rows(fx, &out, 0, k);
        check_rows(fx, &out, k, oh);
    }
    for (int i = 0; i < oh; i++)
        check_rows(fx, &out, i, i + 1);

    /* Pieces that share one buffer add up to the full run. */
    const int cut[] = { 0, oh / 3, 2 * oh / 3, oh };
    for (int t = 2; t >= 0; t--)  /* out of order on purpose */
        assert_int_equal(dwgen_plan_run_rows(fx->plan, fx->batch, fx->x, merged.out,
                                             cut[t], cut[t + 1]),
                         DWGEN_OK);
    tu_guarded_check(&merged, "three pieces", tu_output_dims(&fx->s));
    tu_assert_allclose("three pieces", tu_output_dims(&fx->s), fx->full.out, merged.out,
                       merged.count, 0, 0);
    tu_guarded_free(&merged);
    tu_guarded_free(&out);
}

/* The plan owns copies: the caller's filter and bias may go away. */
static void test_plan_copies_weights(void **state)
{
    fixture *fx = *state;
    float *f = tu_floats(fx->s.filter_elems), *b = tu_floats(fx->s.bias_elems);
    memcpy(f, fx->f, fx->s.filter_elems * sizeof(float));
    memcpy(b, fx->b, fx->s.bias_elems * sizeof(float));
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&fx->p, f, b, NULL, &plan), DWGEN_OK);
    for (size_t k = 0; k < fx->s.filter_elems; k++)
        f[k] = 1000.0f;
    for (size_t k = 0; k < fx->s.bias_elems; k++)
        b[k] = -1000.0f;
    free(f);
    free(b);

    /* Also the params: a plan must not keep the caller's pointer. */
    dwgen_params p = fx->p;
    dwgen_plan *plan2 = NULL;
    assert_int_equal(dwgen_plan_create(&p, fx->f, fx->b, NULL, &plan2), DWGEN_OK);
    p.kernel_h = 1;
    p.activation = DWGEN_ACT_NONE;

    tu_dims d = tu_output_dims(&fx->s);
    tu_guarded out;
    tu_guarded_init(&out, fx->full.count);
    assert_int_equal(dwgen_plan_run(plan, fx->batch, fx->x, out.out), DWGEN_OK);
    tu_guarded_check(&out, "after freeing the weights", d);
    tu_assert_allclose("after freeing the weights", d, fx->full.out, out.out, out.count, 0, 0);
    tu_guarded_reset(&out);
    assert_int_equal(dwgen_plan_run(plan2, fx->batch, fx->x, out.out), DWGEN_OK);
    tu_guarded_check(&out, "after changing the params", d);
    tu_assert_allclose("after changing the params", d, fx->full.out, out.out, out.count, 0, 0);
    tu_guarded_free(&out);
    dwgen_plan_destroy(plan);
    dwgen_plan_destroy(plan2);
}

/* No bias is the same as a bias of zeros. */
static void test_plan_without_bias(void **state)
{
    fixture *fx = *state;
    float *zeros = calloc(fx->s.bias_elems, sizeof(float));
    assert_non_null(zeros);
    dwgen_plan *with = NULL, *without = NULL;
    assert_int_equal(dwgen_plan_create(&fx->p, fx->f, zeros, NULL, &with), DWGEN_OK);
    assert_int_equal(dwgen_plan_create(&fx->p, fx->f, NULL, NULL, &without), DWGEN_OK);
    tu_guarded a, b;
    tu_guarded_init(&a, fx->full.count);
    tu_guarded_init(&b, fx->full.count);
    assert_int_equal(dwgen_plan_run(with, fx->batch, fx->x, a.out), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(without, fx->batch, fx->x, b.out), DWGEN_OK);
    tu_dims d = tu_output_dims(&fx->s);
    tu_guarded_check(&a, "zero bias", d);
    tu_guarded_check(&b, "no bias", d);
    tu_assert_allclose("no bias vs zero bias", d, a.out, b.out, a.count, 0, 0);
    tu_guarded_free(&a);
    tu_guarded_free(&b);
    dwgen_plan_destroy(with);
    dwgen_plan_destroy(without);
    free(zeros);
}

static void test_accessors(void **state)
{
    fixture *fx = *state;
    const dwgen_params *p = dwgen_plan_params(fx->plan);
    const dwgen_shape *s = dwgen_plan_shape(fx->plan);
    assert_non_null(p);
    assert_non_null(s);
    assert_memory_equal(p, &fx->p, sizeof *p);
    assert_int_equal(s->out_h, fx->s.out_h);
    assert_int_equal(s->out_w, fx->s.out_w);
    assert_int_equal(s->out_c, fx->s.out_c);
    assert_int_equal(s->pad_top, fx->s.pad_top);
    assert_int_equal(s->pad_bottom, fx->s.pad_bottom);
    assert_int_equal(s->pad_left, fx->s.pad_left);
    assert_int_equal(s->pad_right, fx->s.pad_right);
    assert_true(s->output_elems == fx->s.output_elems);
    assert_true(s->filter_elems == fx->s.filter_elems);

    /* Without options the plan runs the generic kernel. */
    const char *name = dwgen_plan_kernel_name(fx->plan);
    assert_non_null(name);
    assert_true(name[0] != '\0');
    assert_int_equal(dwgen_plan_is_specialized(fx->plan), 0);

    assert_null(dwgen_plan_params(NULL));
    assert_null(dwgen_plan_shape(NULL));
    dwgen_plan_destroy(NULL);  /* allowed, does nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_splits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_copies_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_without_bias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
