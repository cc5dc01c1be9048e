/*
 * test_generic.c - the generic kernel against numbers computed here.
 *
 * The conformance cases check the convolution itself; they carry no bias
 * and no activation. This file checks those against a tiny reference with
 * its own loops (in double, so its result is the exact value up to 1 ulp),
 * plus the classic TensorFlow example bit for bit, batches and batch 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"
#include "testutil.h"

/* ---- the classic example --------------------------------------------- */

/*
 * 1x4x4x2 input: every row of channel 0 reads 1,2,3,4 (x[0,i,j,0] = j+1),
 * channel 1 is all ones; 3x3x2x2 filter with f[:,:,c,m] = 0,1,2,3 for
 * (c,m) = (0,0),(1,0),(0,1),(1,1); VALID, stride 1, multiplier 2.
 */
static void test_classic_example(void **state)
{
    (void)state;
    dwgen_params p = tu_params_basic();
    p.in_h = p.in_w = 4;
    p.channels = 2;
    p.padding = DWGEN_PAD_VALID;
    p.multiplier = 2;
    float x[4 * 4 * 2], f[3 * 3 * 2 * 2];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            x[(i * 4 + j) * 2 + 0] = (float)(j + 1);
            x[(i * 4 + j) * 2 + 1] = 1.0f;
        }
    const float per_cm[2][2] = { { 0.0f, 2.0f }, { 1.0f, 3.0f } };  /* [c][m] */
    for (int t = 0; t < 9; t++)
        for (int c = 0; c < 2; c++)
            for (int m = 0; m < 2; m++)
                f[(t * 2 + c) * 2 + m] = per_cm[c][m];
    const float want[16] = { 0, 36, 9, 27, 0, 54, 9, 27, 0, 36, 9, 27, 0, 54, 9, 27 };

    dwgen_shape s;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    assert_int_equal(s.out_h, 2);
    assert_int_equal(s.out_w, 2);
    assert_int_equal(s.out_c, 4);
    assert_true(s.output_elems == 16);

    tu_guarded out;
    tu_guarded_init(&out, 16);
    assert_int_equal(dwgen_conv_generic(&p, 1, x, f, NULL, out.out), DWGEN_OK);
    tu_guarded_check(&out, "classic example", tu_output_dims(&s));
    tu_assert_identical("classic example", tu_output_dims(&s), want, out.out, 16);

    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, f, NULL, NULL, &plan), DWGEN_OK);
    tu_guarded_reset(&out);
    assert_int_equal(dwgen_plan_run(plan, 1, x, out.out), DWGEN_OK);
    tu_guarded_check(&out, "classic example, plan", tu_output_dims(&s));
    tu_assert_identical("classic example, plan", tu_output_dims(&s), want, out.out, 16);
    dwgen_plan_destroy(plan);
    tu_guarded_free(&out);
}

/* ---- activations against a reference --------------------------------- */

static double act_ref(const dwgen_params *p, double v)
{
    switch (p->activation) {
    case DWGEN_ACT_NONE:
        return v;
    case DWGEN_ACT_RELU:
        return v > 0 ? v : 0;
    case DWGEN_ACT_RELU6:
        return v < 0 ? 0 : v > 6 ? 6 : v;
    case DWGEN_ACT_HSWISH: {
        double r = v + 3 < 0 ? 0 : v + 3 > 6 ? 6 : v + 3;
        return v * r / 6;
    }
    case DWGEN_ACT_CLAMP:
        return v < p->clamp_min ? p->clamp_min : v > p->clamp_max ? p->clamp_max : v;
    }
    return NAN;
}

/* The activation's bends, in increasing order; returns how many. */
static int bends(const dwgen_params *p, double b[2])
{
    switch (p->activation) {
    case DWGEN_ACT_RELU: b[0] = 0; return 1;
    case DWGEN_ACT_RELU6: b[0] = 0; b[1] = 6; return 2;
    case DWGEN_ACT_HSWISH: b[0] = -3; b[1] = 3; return 2;
    case DWGEN_ACT_CLAMP: b[0] = p->clamp_min; b[1] = p->clamp_max; return 2;
    default: return 0;
    }
}

/*
 * The reference for an EXPLICIT-padded layer, written from the formula:
 * out[n,i,j,c*M+m] = act(b + sum x[n, i*sh + di*rh - pt, j*sw + dj*rw - pl, c]
 * * f[di,dj,c,m]). Also returns, per element, the pre-activation value and
 * the sum of |terms| that bounds a float summation's rounding error.
 */
static void reference(const dwgen_params *p, int batch, int oh, int ow,
                      const float *x, const float *f, const float *b,
                      double *pre, double *mag, float *out)
{
    const int C = p->channels, M = p->multiplier;
    size_t k = 0;
    for (int n = 0; n < batch; n++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int c = 0; c < C; c++)
                    for (int m = 0; m < M; m++, k++) {
                        double acc = b ? b[c * M + m] : 0, abs_sum = fabs(acc);
                        for (int di = 0; di < p->kernel_h; di++)
                            for (int dj = 0; dj < p->kernel_w; dj++) {
                                int y = i * p->stride_h + di * p->rate_h - p->pad_top;
                                int xx = j * p->stride_w + dj * p->rate_w - p->pad_left;
                                if (y < 0 || y >= p->in_h || xx < 0 || xx >= p->in_w)
                                    continue;
                                double t = (double)x[((n * p->in_h + y) * p->in_w + xx) * C + c] *
                                           f[((di * p->kernel_w + dj) * C + c) * M + m];
                                acc += t;
                                abs_sum += fabs(t);
                            }
                        pre[k] = acc;
                        mag[k] = abs_sum;
                        out[k] = (float)act_ref(p, acc);
                    }
}

/* One activation, with or without bias, on random data. */
static void check_activation(dwgen_activation act, int with_bias)
{
    dwgen_params p = tu_params_basic();
    p.in_h = 9;
    p.in_w = 8;
    p.channels = 5;
    p.multiplier = 2;
    p.stride_w = 2;
    p.rate_h = 2;
    p.padding = DWGEN_PAD_EXPLICIT;
    p.pad_top = 2;
    p.pad_bottom = 1;
    p.pad_left = 1;
    p.pad_right = 0;
    p.activation = act;
    p.clamp_min = -1.5f;
    p.clamp_max = 2.25f;
    const int batch = 2;
    const int eff_h = (p.kernel_h - 1) * p.rate_h + 1, eff_w = (p.kernel_w - 1) * p.rate_w + 1;
    const int oh = (p.in_h + p.pad_top + p.pad_bottom - eff_h) / p.stride_h + 1;
    const int ow = (p.in_w + p.pad_left + p.pad_right - eff_w) / p.stride_w + 1;

    dwgen_shape s;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    assert_int_equal(s.out_h, oh);
    assert_int_equal(s.out_w, ow);
    size_t n_in = (size_t)batch * s.input_elems, n_out = (size_t)batch * s.output_elems;

    tu_rng rng;
    tu_rng_seed(&rng, 1000u + (unsigned)act * 2u + (unsigned)with_bias);
    float *x = tu_floats(n_in), *f = tu_floats(s.filter_elems), *b = tu_floats(s.bias_elems);
    /* Wide enough that pre-activations reach past every bend (checked below). */
    tu_fill_uniform(&rng, x, n_in, -3.0f, 3.0f);
    tu_fill_uniform(&rng, f, s.filter_elems, -1.5f, 1.5f);
    tu_fill_uniform(&rng, b, s.bias_elems, -3.0f, 3.0f);
    const float *bias = with_bias ? b : NULL;

    double *pre = malloc(n_out * sizeof(double)), *mag = malloc(n_out * sizeof(double));
    float *want = tu_floats(n_out);
    assert_non_null(pre);
    assert_non_null(mag);
    reference(&p, batch, oh, ow, x, f, bias, pre, mag, want);

    /* Float summation of t terms is off by at most about t ulps of the sum
     * of |terms| (doubled here); the steepest activation, hswish, has slope
     * 1.5; and the activation's own arithmetic adds a few ulps. */
    const int terms = p.kernel_h * p.kernel_w + 1;
    double tol = 0;
    int region[3] = { 0, 0, 0 };
    double bend[2];
    int nb = bends(&p, bend);
    for (size_t k = 0; k < n_out; k++) {
        double t = 1.5 * 2 * terms * FLT_EPSILON * mag[k] +
                   4 * FLT_EPSILON * (fabs(pre[k]) + fabs(want[k]));
        if (t > tol)
            tol = t;
        int r = 0;
        while (r < nb && pre[k] > bend[r])
            r++;
        region[r]++;
    }
    char what[96];
    snprintf(what, sizeof what, "activation %d %s bias", (int)act, with_bias ? "with" : "without");
    for (int r = 0; r <= nb; r++)
        if (region[r] < 5)
            fail_msg("%s: only %d pre-activations in region %d: data misses a bend",
                     what, region[r], r);

    tu_guarded out;
    tu_guarded_init(&out, n_out);
    assert_int_equal(dwgen_conv_generic(&p, (size_t)batch, x, f, bias, out.out), DWGEN_OK);
    tu_guarded_check(&out, what, tu_output_dims(&s));
    tu_assert_allclose(what, tu_output_dims(&s), want, out.out, n_out, tol, 0);

    /* A plan without a registry runs the same generic code: same values. */
    tu_guarded plan_out;
    tu_guarded_init(&plan_out, n_out);
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, f, bias, NULL, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(plan, (size_t)batch, x, plan_out.out), DWGEN_OK);
    tu_guarded_check(&plan_out, what, tu_output_dims(&s));
    tu_assert_allclose(what, tu_output_dims(&s), out.out, plan_out.out, n_out, 0, 0);
    dwgen_plan_destroy(plan);

    tu_guarded_free(&plan_out);
    tu_guarded_free(&out);
    free(x); free(f); free(b); free(pre); free(mag); free(want);
}

/* With and without bias: a bias moves values across the bends. */
static void check_both(dwgen_activation act)
{
    check_activation(act, 0);
    check_activation(act, 1);
}

static void test_act_none(void **state) { (void)state; check_both(DWGEN_ACT_NONE); }
static void test_act_relu(void **state) { (void)state; check_both(DWGEN_ACT_RELU); }
static void test_act_relu6(void **state) { (void)state; check_both(DWGEN_ACT_RELU6); }
static void test_act_hswish(void **state) { (void)state; check_both(DWGEN_ACT_HSWISH); }
static void test_act_clamp(void **state) { (void)state; check_both(DWGEN_ACT_CLAMP); }

/*
 * Pre-activations exactly on and one ulp either side of every bend: a 1x1
 * kernel of weight 1 makes out = act(x + bias) with x + bias exact (all
 * values are dyadic), so the only rounding left is hswish's own.
 */
static void test_act_bends_exact(void **state)
{
    (void)state;
    const float vals[] = {
        -100.0f, -7.0f, -3.5f, -3.0f - 0x1p-22f, -3.0f, -3.0f + 0x1p-22f, -2.75f, -1.0f,
        -0x1p-20f, 0.0f, 0x1p-20f, 0.25f, 1.0f, 2.25f - 0x1p-22f, 2.25f, 2.25f + 0x1p-22f,
        2.5f, 3.0f - 0x1p-22f, 3.0f, 3.0f + 0x1p-21f, 3.25f, 5.5f,
        6.0f - 0x1p-21f, 6.0f, 6.0f + 0x1p-21f, 6.5f, 100.0f,
    };
    enum { N = sizeof vals / sizeof vals[0] };
    const dwgen_activation acts[] = {
        DWGEN_ACT_NONE, DWGEN_ACT_RELU, DWGEN_ACT_RELU6, DWGEN_ACT_HSWISH, DWGEN_ACT_CLAMP,
    };
    const float biases[] = { 0.0f, 0.5f };
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++)
        for (size_t bi = 0; bi < 2; bi++) {
            dwgen_params p = tu_params_basic();
            p.in_h = 1;
            p.in_w = N;
            p.channels = 1;
            p.multiplier = 1;
            p.kernel_h = p.kernel_w = 1;
            p.padding = DWGEN_PAD_VALID;
            p.activation = acts[a];
            p.clamp_min = -3.0f;
            p.clamp_max = 2.25f;
            float x[N], want[N], one = 1.0f, bias = biases[bi];
            for (int k = 0; k < N; k++) {
                x[k] = vals[k] - bias;  /* exact: same binade or finer */
                want[k] = (float)act_ref(&p, vals[k]);
            }
            dwgen_shape s;
            assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
            tu_guarded out;
            tu_guarded_init(&out, N);
            assert_int_equal(dwgen_conv_generic(&p, 1, x, &one, bi ? &bias : NULL, out.out),
                             DWGEN_OK);
            char what[64];
            snprintf(what, sizeof what, "bends of activation %d, bias %g", (int)acts[a],
                     (double)bias);
            tu_guarded_check(&out, what, tu_output_dims(&s));
            /* min/max are exact; hswish's x*r/6 rounds up to 3 times. */
            double rel = acts[a] == DWGEN_ACT_HSWISH ? 4 * FLT_EPSILON : 0;
            tu_assert_allclose(what, tu_output_dims(&s), want, out.out, N, 0, rel);
            tu_guarded_free(&out);
        }
}

/* ---- batches --------------------------------------------------------- */

/* Every image of a batch equals that image run alone. */
static void test_batch_equals_single(void **state)
{
    (void)state;
    dwgen_params p = tu_params_basic();
    p.stride_h = 2;
    p.activation = DWGEN_ACT_RELU6;
    const size_t batch = 4;
    dwgen_shape s;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    tu_rng rng;
    tu_rng_seed(&rng, 7);
    float *x = tu_floats(batch * s.input_elems), *f = tu_floats(s.filter_elems);
    float *b = tu_floats(s.bias_elems);
    tu_fill_uniform(&rng, x, batch * s.input_elems, -2.0f, 2.0f);
    tu_fill_uniform(&rng, f, s.filter_elems, -1.0f, 1.0f);
    tu_fill_uniform(&rng, b, s.bias_elems, -1.0f, 1.0f);

    tu_guarded all, one;
    tu_guarded_init(&all, batch * s.output_elems);
    assert_int_equal(dwgen_conv_generic(&p, batch, x, f, b, all.out), DWGEN_OK);
    tu_guarded_check(&all, "batch of 4", tu_output_dims(&s));
    for (size_t n = 0; n < batch; n++) {
        tu_guarded_init(&one, s.output_elems);
        assert_int_equal(dwgen_conv_generic(&p, 1, x + n * s.input_elems, f, b, one.out),
                         DWGEN_OK);
        tu_guarded_check(&one, "single image", tu_output_dims(&s));
        char what[48];
        snprintf(what, sizeof what, "image %zu of the batch", n);
        tu_assert_identical(what, tu_output_dims(&s), one.out,
                            all.out + n * s.output_elems, s.output_elems);
        tu_guarded_free(&one);
    }
    tu_guarded_free(&all);
    free(x); free(f); free(b);
}

/* Batch 0 succeeds and writes nothing. */
static void test_batch_zero(void **state)
{
    (void)state;
    dwgen_params p = tu_params_basic();
    dwgen_shape s;
    assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
    float *x = tu_floats(s.input_elems), *f = tu_floats(s.filter_elems);
    memset(x, 0, s.input_elems * sizeof(float));
    memset(f, 0, s.filter_elems * sizeof(float));
    tu_guarded out;
    tu_guarded_init(&out, s.output_elems);

    assert_int_equal(dwgen_conv_generic(&p, 0, x, f, NULL, out.out), DWGEN_OK);
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, f, NULL, NULL, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_run(plan, 0, x, out.out), DWGEN_OK);
    assert_int_equal(dwgen_plan_run_rows(plan, 0, x, out.out, 1, 3), DWGEN_OK);
    dwgen_plan_destroy(plan);

    tu_assert_untouched("batch 0", tu_output_dims(&s), out.out, 0, out.count);
    tu_guarded_check_guards(&out, "batch 0");
    tu_guarded_free(&out);
    free(x); free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic_example),
        cmocka_unit_test(test_act_none),
        cmocka_unit_test(test_act_relu),
        cmocka_unit_test(test_act_relu6),
        cmocka_unit_test(test_act_hswish),
        cmocka_unit_test(test_act_clamp),
        cmocka_unit_test(test_act_bends_exact),
        cmocka_unit_test(test_batch_equals_single),
        cmocka_unit_test(test_batch_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
