/*
 * test_registry.c - how plans pick kernels from a registry.
 *
 * The registry here is built by the test: its kernels wrap the generic
 * rows and record that they ran, so a test can tell which entry a plan
 * chose, and that the chosen kernel computes the right thing with the
 * weights its pack function produced.
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

/* What the test kernels saw, reset by every test. */
static struct {
    int calls;                   /* kernel calls */
    int null_bias;               /* calls with a NULL bias */
    int magic_seen;              /* packed calls whose weights began with MAGIC */
    int pack_calls;
} seen;

static void kernel_plain(const dwgen_params *p, const dwgen_shape *s, const float *w,
                         const float *bias, const float *in, float *out, int r0, int r1)
{
    seen.calls++;
    seen.null_bias += bias == NULL;
    dwgen_generic_rows(p, s, w, bias, in, out, r0, r1);
}

/* Packed layout: one marker float, then the filter unchanged. A kernel that
 * received the plain filter would read it shifted by one and fail. */
static const float MAGIC = 12345.5f;

static size_t pack_with_marker(const dwgen_params *p, const float *filter, float *dst)
{
    dwgen_shape s;
    seen.pack_calls++;
    if (dwgen_shape_of(p, &s) != DWGEN_OK)
        return 0;
    if (dst != NULL) {
        dst[0] = MAGIC;
        memcpy(dst + 1, filter, s.filter_elems * sizeof(float));
    }
    return s.filter_elems + 1;
}

static void kernel_packed(const dwgen_params *p, const dwgen_shape *s, const float *w,
                          const float *bias, const float *in, float *out, int r0, int r1)
{
    seen.calls++;
    seen.null_bias += bias == NULL;
    seen.magic_seen += w[0] == MAGIC;
    dwgen_generic_rows(p, s, w + 1, bias, in, out, r0, r1);
}

/* The layer every entry is keyed on: 6x5x3, 3x3 SAME, M = 2. */
static dwgen_params exact_key(void)
{
    dwgen_params p = tu_params_basic();
    p.activation = DWGEN_ACT_RELU;
    return p;
}

static dwgen_params config_key(void)
{
    dwgen_params p = exact_key();
    p.in_h = p.in_w = p.channels = 0;
    return p;
}

enum { E_CONFIG, E_EXACT, E_PACKED, N_ENTRIES };
static dwgen_kernel_entry entries[N_ENTRIES];

/* Registries over slices of entries. The config entry comes first so a
 * lookup that takes the first match would wrongly choose it. */
static dwgen_registry reg_both, reg_config_only, reg_exact_only, reg_packed;

static int setup(void **state)
{
    (void)state;
    memset(&seen, 0, sizeof seen);
    const dwgen_kernel_entry config = { config_key(), kernel_plain, NULL,
                                        "test_config_k3x3_relu", 0 };
    const dwgen_kernel_entry exact = { exact_key(), kernel_plain, NULL,
                                       "test_exact_6x5x3_relu", 0 };
    const dwgen_kernel_entry packed = { exact_key(), kernel_packed, pack_with_marker,
                                        "test_packed_6x5x3_relu", 0 };
    entries[E_CONFIG] = config;
    entries[E_EXACT] = exact;
    entries[E_PACKED] = packed;
    reg_both = (dwgen_registry){ "both", 2, &entries[E_CONFIG], 0, NULL };
    reg_config_only = (dwgen_registry){ "config", 1, &entries[E_CONFIG], 0, NULL };
    reg_exact_only = (dwgen_registry){ "exact", 1, &entries[E_EXACT], 0, NULL };
    reg_packed = (dwgen_registry){ "packed", 1, &entries[E_PACKED], 0, NULL };
    return 0;
}

/* Plan p against reg, check the chosen kernel's name, then check that it
 * computes what dwgen_conv_generic does, in bounds. */
static void plan_and_run(const dwgen_params *p, const dwgen_registry *reg,
                         const char *want_name, int want_specialized)
{
    dwgen_shape s;
    assert_int_equal(dwgen_shape_of(p, &s), DWGEN_OK);
    tu_rng rng;
    tu_rng_seed(&rng, 99);
    float *x = tu_floats(2 * s.input_elems), *f = tu_floats(s.filter_elems);
    float *b = tu_floats(s.bias_elems);
    tu_fill_uniform(&rng, x, 2 * s.input_elems, -2.0f, 2.0f);
    tu_fill_uniform(&rng, f, s.filter_elems, -1.0f, 1.0f);
    tu_fill_uniform(&rng, b, s.bias_elems, -1.0f, 1.0f);

    dwgen_plan_options opt = { reg, 0 };
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(p, f, NULL, &opt, &plan), DWGEN_OK);
    assert_non_null(plan);
    const char *name = dwgen_plan_kernel_name(plan);
    assert_non_null(name);
    if (want_name != NULL)
        assert_string_equal(name, want_name);
    assert_int_equal(dwgen_plan_is_specialized(plan), want_specialized);

    tu_guarded out, ref;
    tu_guarded_init(&out, 2 * s.output_elems);
    tu_guarded_init(&ref, 2 * s.output_elems);
    assert_int_equal(dwgen_plan_run(plan, 2, x, out.out), DWGEN_OK);
    assert_int_equal(dwgen_conv_generic(p, 2, x, f, NULL, ref.out), DWGEN_OK);
    tu_guarded_check(&out, name, tu_output_dims(&s));
    tu_assert_allclose(name, tu_output_dims(&s), ref.out, out.out, out.count, 0, 0);
    dwgen_plan_destroy(plan);

    /* With a bias too, and the caller's weights overwritten after creation. */
    assert_int_equal(dwgen_plan_create(p, f, b, &opt, &plan), DWGEN_OK);
    assert_int_equal(dwgen_conv_generic(p, 2, x, f, b, ref.out), DWGEN_OK);
    memset(f, 0, s.filter_elems * sizeof(float));
    memset(b, 0, s.bias_elems * sizeof(float));
    tu_guarded_reset(&out);
    assert_int_equal(dwgen_plan_run(plan, 2, x, out.out), DWGEN_OK);
    tu_guarded_check(&out, name, tu_output_dims(&s));
    tu_assert_allclose(name, tu_output_dims(&s), ref.out, out.out, out.count, 0, 0);
    dwgen_plan_destroy(plan);

    tu_guarded_free(&out);
    tu_guarded_free(&ref);
    free(x); free(f); free(b);
}

static void test_exact_hit(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    plan_and_run(&p, &reg_exact_only, "test_exact_6x5x3_relu", 1);
    assert_true(seen.calls > 0);
    assert_int_equal(seen.null_bias, 0);  /* plans pass zeros, never NULL */
}

static void test_config_hit(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    p.in_h = 9;
    p.in_w = 4;
    p.channels = 7;
    plan_and_run(&p, &reg_config_only, "test_config_k3x3_relu", 1);
    plan_and_run(&p, &reg_both, "test_config_k3x3_relu", 1);  /* the exact key misses */
    assert_true(seen.calls > 0);
    assert_int_equal(seen.null_bias, 0);
}

static void test_exact_preferred(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    plan_and_run(&p, &reg_both, "test_exact_6x5x3_relu", 1);
    assert_ptr_equal(dwgen_registry_lookup(&reg_both, &p), &entries[E_EXACT]);
    p.in_w = 11;
    assert_ptr_equal(dwgen_registry_lookup(&reg_both, &p), &entries[E_CONFIG]);
}

/* Any config difference misses: the generic kernel runs instead. */
static void test_miss_falls_back(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    p.activation = DWGEN_ACT_RELU6;
    plan_and_run(&p, &reg_both, NULL, 0);
    p = exact_key();
    p.stride_w = 2;
    plan_and_run(&p, &reg_both, NULL, 0);
    p = exact_key();
    p.multiplier = 1;
    plan_and_run(&p, &reg_both, NULL, 0);
    assert_int_equal(seen.calls, 0);  /* no test kernel ran */
    plan_and_run(&p, &dwgen_registry_empty, NULL, 0);
    plan_and_run(&p, NULL, NULL, 0);  /* options without a registry */
}

static void test_no_fallback(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    float f[3 * 3 * 3 * 2] = { 0 };
    const dwgen_registry *regs[] = { &reg_both, &dwgen_registry_empty, NULL };
    p.kernel_w = 5;  /* in none of them */
    for (size_t k = 0; k < sizeof regs / sizeof regs[0]; k++) {
        dwgen_plan_options opt = { regs[k], DWGEN_PLAN_NO_FALLBACK };
        dwgen_plan *plan = (dwgen_plan *)&plan;  /* non-NULL: must be reset */
        assert_int_equal(dwgen_plan_create(&p, f, NULL, &opt, &plan), DWGEN_ERR_NO_KERNEL);
        assert_null(plan);
    }
    /* A hit with the flag is fine. */
    p = exact_key();
    dwgen_plan_options opt = { &reg_exact_only, DWGEN_PLAN_NO_FALLBACK };
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, f, NULL, &opt, &plan), DWGEN_OK);
    assert_int_equal(dwgen_plan_is_specialized(plan), 1);
    dwgen_plan_destroy(plan);
}

static void test_pack_used(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    plan_and_run(&p, &reg_packed, "test_packed_6x5x3_relu", 1);
    assert_true(seen.pack_calls > 0);
    assert_true(seen.calls > 0);
    assert_int_equal(seen.magic_seen, seen.calls);
}

static void test_lookup_edges(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    assert_null(dwgen_registry_lookup(NULL, &p));
    assert_null(dwgen_registry_lookup(&reg_both, NULL));
    assert_null(dwgen_registry_lookup(NULL, NULL));
    assert_null(dwgen_registry_lookup(&dwgen_registry_empty, &p));
    assert_int_equal(dwgen_registry_empty.count, 0);
    assert_ptr_equal(dwgen_registry_lookup(&reg_exact_only, &p), &entries[E_EXACT]);
    /* A key with any size field fixed matches only that size. */
    p.channels = 4;
    assert_null(dwgen_registry_lookup(&reg_exact_only, &p));
}

/* A bit no CPU reports: a kernel that needs it can never run here. */
#define ISA_NOWHERE 0x80000000u

/* A kernel that needs an instruction set the CPU lacks is passed over:
 * the lookup falls back to what else matches, then to the generic kernel. */
static void test_isa_gate(void **state)
{
    (void)state;
    dwgen_params p = exact_key();
    dwgen_kernel_entry gated[2] = { entries[E_CONFIG], entries[E_EXACT] };
    gated[1].isa = ISA_NOWHERE;
    dwgen_registry reg = { "gated", 2, gated, 0, NULL };
    assert_ptr_equal(dwgen_registry_lookup(&reg, &p), &gated[0]);
    plan_and_run(&p, &reg, "test_config_k3x3_relu", 1);

    /* Only the gated kernel: the generic one runs, or with NO_FALLBACK none. */
    dwgen_registry only = { "gated-only", 1, &gated[1], 0, NULL };
    assert_null(dwgen_registry_lookup(&only, &p));
    seen.calls = 0;
    plan_and_run(&p, &only, NULL, 0);
    assert_int_equal(seen.calls, 0);
    float f[3 * 3 * 3 * 2] = { 0 };
    dwgen_plan_options opt = { &only, DWGEN_PLAN_NO_FALLBACK };
    dwgen_plan *plan = NULL;
    assert_int_equal(dwgen_plan_create(&p, f, NULL, &opt, &plan), DWGEN_ERR_NO_KERNEL);
    assert_null(plan);

    /* What the CPU has is enough. */
    gated[1].isa = dwgen_cpu_isa();
    assert_ptr_equal(dwgen_registry_lookup(&reg, &p), &gated[1]);
}

/* dwgen_cpu_isa agrees with the flags Linux reports for the CPU. */
static void test_cpu_isa_matches_cpuinfo(void **state)
{
    (void)state;
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        skip();
    char line[8192];
    unsigned want = 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        found = 1;
        for (char *w = strtok(strchr(line, ':') + 1, " \t\n"); w != NULL; w = strtok(NULL, " \t\n")) {
            if (strcmp(w, "avx2") == 0)
                want |= DWGEN_ISA_AVX2;
            else if (strcmp(w, "fma") == 0)
                want |= DWGEN_ISA_FMA;
            else if (strcmp(w, "avx512f") == 0)
                want |= DWGEN_ISA_AVX512F;
        }
    }
    fclose(f);
    if (!found)
        skip();
    assert_int_equal(dwgen_cpu_isa(), want);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_exact_hit, setup),
        cmocka_unit_test_setup(test_config_hit, setup),
        cmocka_unit_test_setup(test_exact_preferred, setup),
        cmocka_unit_test_setup(test_miss_falls_back, setup),
        cmocka_unit_test_setup(test_no_fallback, setup),
        cmocka_unit_test_setup(test_pack_used, setup),
        cmocka_unit_test_setup(test_lookup_edges, setup),
        cmocka_unit_test_setup(test_isa_gate, setup),
        cmocka_unit_test_setup(test_cpu_isa_matches_cpuinfo, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
