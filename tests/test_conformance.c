/*
 * test_conformance.c - the generic kernel on every case of
 * tests/conformance/cases (TensorFlow.js and PyTorch results; see the
 * README there for the format and the pass criterion).
 *
 * All cases are loaded once; each test walks all of them and names the
 * failing case by id. The folder is compiled in as CONFORMANCE_DIR and may
 * be overridden with the environment variable DWGEN_CONFORMANCE_DIR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwgen.h"
#include "testutil.h"

#ifndef CONFORMANCE_DIR
#error "build with -DCONFORMANCE_DIR=\"path/to/tests/conformance/cases\""
#endif

/* The README promises this many; fewer means a broken copy or a wrong path. */
#define CASE_COUNT 205

/* ---- one case -------------------------------------------------------- */

typedef struct conf_case {
    char name[32];               /* "0017": the file name without .json */
    int id, batch, in_h, in_w, channels, kernel_h, kernel_w;
    int stride_h, stride_w, rate_h, rate_w;
    int pad_top, pad_bottom, pad_left, pad_right, multiplier, out_h, out_w;
    int expect_error;
    double tol_abs;
    char source[16], padding[16], note[256];
    float *input, *filter, *expected; /* NULL for expect_error cases */
} conf_case;

enum kind { K_INT, K_BOOL, K_NUM, K_STR };

/* Every key of the format, where it goes; all are required. */
static const struct field {
    const char *key;
    enum kind kind;
    size_t offset, size;
} fields[] = {
#define F(kind, name) { #name, kind, offsetof(conf_case, name), sizeof(((conf_case *)0)->name) }
    F(K_INT, id), F(K_STR, source), F(K_INT, batch), F(K_INT, in_h), F(K_INT, in_w),
    F(K_INT, channels), F(K_INT, kernel_h), F(K_INT, kernel_w), F(K_INT, stride_h),
    F(K_INT, stride_w), F(K_INT, rate_h), F(K_INT, rate_w), F(K_STR, padding),
    F(K_INT, pad_top), F(K_INT, pad_bottom), F(K_INT, pad_left), F(K_INT, pad_right),
    F(K_INT, multiplier), F(K_INT, out_h), F(K_INT, out_w), F(K_NUM, tol_abs),
    F(K_BOOL, expect_error), F(K_STR, note),
#undef F
};
enum { N_FIELDS = sizeof fields / sizeof fields[0] };

/* Read a JSON string starting after its opening quote into dst. */
static const char *parse_string(const char *s, char *dst, size_t size)
{
    size_t n = 0;
    for (; *s != '"'; s++) {
        if (*s == '\0' || *s == '\n')
            return NULL;
        if (*s == '\\' && *++s == '\0')
            return NULL;  /* the escaped character is taken as is */
        if (n + 1 >= size)
            return NULL;
        dst[n++] = *s;
    }
    dst[n] = '\0';
    return s + 1;
}

/* Store one "key": value line; NULL on success, else what is wrong. */
static const char *parse_line(const char *line, conf_case *c, int *seen)
{
    char key[32], sval[256];
    const char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '{' || *s == '}' || *s == '\0')
        return NULL;  /* the object's braces, or a blank line */
    if (*s != '"' || (s = parse_string(s + 1, key, sizeof key)) == NULL || *s++ != ':')
        return "expected \"key\":";
    while (*s == ' ')
        s++;
    int k = 0;
    while (k < N_FIELDS && strcmp(fields[k].key, key) != 0)
        k++;
    if (k == N_FIELDS)
        return "unknown key";
    if (seen[k]++)
        return "duplicate key";
    void *dst = (char *)c + fields[k].offset;
    char *end = NULL;
    switch (fields[k].kind) {
    case K_INT: {
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno != 0 || v < INT32_MIN || v > INT32_MAX)
            return "bad integer";
        *(int *)dst = (int)v;
        break;
    }
    case K_NUM:
        *(double *)dst = strtod(s, &end);
        if (end == s)
            return "bad number";
        break;
    case K_BOOL:
        if (strncmp(s, "true", 4) == 0)
            *(int *)dst = 1, end = (char *)s + 4;
        else if (strncmp(s, "false", 5) == 0)
            *(int *)dst = 0, end = (char *)s + 5;
        else
            return "bad boolean";
        break;
    case K_STR:
        if (*s != '"' || (s = parse_string(s + 1, sval, sizeof sval)) == NULL ||
            strlen(sval) >= fields[k].size)
            return "bad or too long string";
        strcpy(dst, sval);
        end = (char *)s;
        break;
    }
    if (*end == ',')
        end++;
    return *end == '\0' ? NULL : "junk after the value";
}

/* Read a whole file; NULL if it cannot be read. *size gets its length. */
static char *slurp(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *grown = realloc(buf, (cap = cap ? 2 * cap : 4096) + 1);
            if (grown == NULL)
                break;
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
    } while (got > 0);
    fclose(fp);
    if (buf != NULL)
        buf[n] = '\0';
    *size = n;
    return buf;
}

/* Little-endian float32 at p, whatever the host's byte order. */
static float le_float(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static size_t n_input(const conf_case *c)
{
    return (size_t)c->batch * c->in_h * c->in_w * c->channels;
}

static size_t n_filter(const conf_case *c)
{
    return (size_t)c->kernel_h * c->kernel_w * c->channels * c->multiplier;
}

static size_t n_output(const conf_case *c)
{
    return (size_t)c->batch * c->out_h * c->out_w * c->channels * c->multiplier;
}

/* Load dir/name.json and, for data cases, dir/name.bin. Fails the test. */
static void load_case(const char *dir, const char *name, conf_case *c)
{
    char path[4096];
    size_t size;
    int seen[N_FIELDS] = { 0 };
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);

    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    char *text = slurp(path, &size);
    if (text == NULL)
        fail_msg("%s: cannot read", path);
    int lineno = 1;
    for (char *line = text, *next; line != NULL; line = next, lineno++) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        const char *err = parse_line(line, c, seen);
        if (err != NULL)
            fail_msg("%s:%d: %s: %s", path, lineno, err, line);
    }
    free(text);
    for (int k = 0; k < N_FIELDS; k++)
        if (!seen[k])
            fail_msg("%s: missing key \"%s\"", path, fields[k].key);
    if (strtol(name, NULL, 10) != c->id)
        fail_msg("%s: id %d does not match the file name", path, c->id);

    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    unsigned char *bin = (unsigned char *)slurp(path, &size);
    if (c->expect_error) {
        if (bin != NULL)
            fail_msg("%s: an expect_error case has data", path);
        return;
    }
    if (bin == NULL)
        fail_msg("%s: cannot read", path);
    size_t ni = n_input(c), nf = n_filter(c), no = n_output(c);
    if (size != 4 * (ni + nf + no))
        fail_msg("%s: %zu bytes, want 4 * (%zu + %zu + %zu)", path, size, ni, nf, no);
    c->input = tu_floats(ni);
    c->filter = tu_floats(nf);
    c->expected = tu_floats(no);
    for (size_t k = 0; k < ni + nf + no; k++) {
        float v = le_float(bin + 4 * k);
        if (k < ni)
            c->input[k] = v;
        else if (k < ni + nf)
            c->filter[k - ni] = v;
        else
            c->expected[k - ni - nf] = v;
    }
    free(bin);
}

/* The layer a case describes. */
static dwgen_params params_of(const conf_case *c)
{
    dwgen_params p;
    memset(&p, 0, sizeof p);
    p.in_h = c->in_h;
    p.in_w = c->in_w;
    p.channels = c->channels;
    p.kernel_h = c->kernel_h;
    p.kernel_w = c->kernel_w;
    p.stride_h = c->stride_h;
    p.stride_w = c->stride_w;
    p.rate_h = c->rate_h;
    p.rate_w = c->rate_w;
    p.multiplier = c->multiplier;
    p.activation = DWGEN_ACT_NONE;
    p.dtype = DWGEN_F32;
    if (strcmp(c->padding, "VALID") == 0) {
        p.padding = DWGEN_PAD_VALID;
    } else if (strcmp(c->padding, "SAME") == 0) {
        p.padding = DWGEN_PAD_SAME;
    } else if (strcmp(c->padding, "EXPLICIT") == 0) {
        p.padding = DWGEN_PAD_EXPLICIT;
        p.pad_top = c->pad_top;
        p.pad_bottom = c->pad_bottom;
        p.pad_left = c->pad_left;
        p.pad_right = c->pad_right;
    } else {
        fail_msg("case %d: unknown padding \"%s\"", c->id, c->padding);
    }
    return p;
}

/* ---- the cases, loaded once ------------------------------------------ */

typedef struct suite {
    conf_case *cases;
    size_t count;
} suite;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *cases_dir(void)
{
    const char *env = getenv("DWGEN_CONFORMANCE_DIR");
    return env != NULL && env[0] != '\0' ? env : CONFORMANCE_DIR;
}

/* The sorted names "NNNN" of every NNNN.json in dir. */
static char **list_cases(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        fail_msg("cannot open the conformance folder %s (set DWGEN_CONFORMANCE_DIR)", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || len >= 32 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        assert_non_null(grown);
        names = grown;
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        names[n++][len - 5] = '\0';
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

static int load_all(void **state)
{
    suite *st = calloc(1, sizeof *st);
    assert_non_null(st);
    const char *dir = cases_dir();
    size_t n;
    char **names = list_cases(dir, &n);
    st->cases = calloc(n ? n : 1, sizeof *st->cases);
    assert_non_null(st->cases);
    for (size_t k = 0; k < n; k++) {
        load_case(dir, names[k], &st->cases[k]);
        free(names[k]);
    }
    free(names);
    st->count = n;
    *state = st;
    return 0;
}

static int free_all(void **state)
{
    suite *st = *state;
    for (size_t k = 0; k < st->count; k++) {
        free(st->cases[k].input);
        free(st->cases[k].filter);
        free(st->cases[k].expected);
    }
    free(st->cases);
    free(st);
    return 0;
}

/* ---- tests ----------------------------------------------------------- */

static void test_all_cases_present(void **state)
{
    const suite *st = *state;
    if (st->count != CASE_COUNT)
        fail_msg("%zu cases in %s, want %d", st->count, cases_dir(), CASE_COUNT);
    size_t errors = 0;
    for (size_t k = 0; k < st->count; k++)
        errors += st->cases[k].expect_error != 0;
    assert_true(errors > 0 && errors < st->count);
}

/* Output size and effective padding equal the case's; errors are errors. */
static void test_shapes(void **state)
{
    const suite *st = *state;
    for (size_t k = 0; k < st->count; k++) {
        const conf_case *c = &st->cases[k];
        dwgen_params p = params_of(c);
        dwgen_shape s;
        dwgen_status got = dwgen_shape_of(&p, &s);
        if (c->expect_error) {
            if (got == DWGEN_OK)
                fail_msg("case %d (%s): accepted, want an error", c->id, c->note);
            continue;
        }
        if (got != DWGEN_OK)
            fail_msg("case %d (%s): dwgen_shape_of: %s", c->id, c->note,
                     dwgen_status_message(got));
        if (s.out_h != c->out_h || s.out_w != c->out_w ||
            s.out_c != c->channels * c->multiplier)
            fail_msg("case %d (%s): output %dx%dx%d, want %dx%dx%d", c->id, c->note,
                     s.out_h, s.out_w, s.out_c, c->out_h, c->out_w,
                     c->channels * c->multiplier);
        if (s.pad_top != c->pad_top || s.pad_bottom != c->pad_bottom ||
            s.pad_left != c->pad_left || s.pad_right != c->pad_right)
            fail_msg("case %d (%s): pads t%d b%d l%d r%d, want t%d b%d l%d r%d",
                     c->id, c->note, s.pad_top, s.pad_bottom, s.pad_left, s.pad_right,
                     c->pad_top, c->pad_bottom, c->pad_left, c->pad_right);
        if (s.input_elems * (size_t)c->batch != n_input(c) ||
            s.output_elems * (size_t)c->batch != n_output(c) ||
            s.filter_elems != n_filter(c) || s.bias_elems != (size_t)s.out_c)
            fail_msg("case %d (%s): element counts disagree with the case", c->id, c->note);
    }
}

/* Every expect_error case is refused by every entry point, alike. */
static void test_errors_rejected(void **state)
{
    const suite *st = *state;
    float dummy[64] = { 0 };
    tu_guarded out;
    tu_guarded_init(&out, 64);
    for (size_t k = 0; k < st->count; k++) {
        const conf_case *c = &st->cases[k];
        if (!c->expect_error)
            continue;
        dwgen_params p = params_of(c);
        dwgen_status want = dwgen_shape_of(&p, NULL);
        if (want == DWGEN_OK)
            fail_msg("case %d (%s): accepted, want an error", c->id, c->note);
        dwgen_status got = dwgen_conv_generic(&p, 1, dummy, dummy, NULL, out.out);
        if (got != want)
            fail_msg("case %d (%s): dwgen_conv_generic returned %d, dwgen_shape_of %d",
                     c->id, c->note, got, want);
        dwgen_plan *plan = (dwgen_plan *)&plan;  /* non-NULL: must be reset */
        got = dwgen_plan_create(&p, dummy, NULL, NULL, &plan);
        if (got != want || plan != NULL)
            fail_msg("case %d (%s): dwgen_plan_create returned %d (plan %p), want %d",
                     c->id, c->note, got, (void *)plan, want);
    }
    tu_assert_untouched("rejected cases", (tu_dims){ 0, 0, 0 }, out.out, 0, out.count);
    tu_guarded_check_guards(&out, "rejected cases");
    tu_guarded_free(&out);
}

/* Run every data case through dwgen_conv_generic (use_plan 0) or a plan
 * without options (1) and compare within the case's tolerance. */
static void run_cases(const suite *st, int use_plan)
{
    size_t ran = 0;
    for (size_t k = 0; k < st->count; k++) {
        const conf_case *c = &st->cases[k];
        if (c->expect_error)
            continue;
        dwgen_params p = params_of(c);
        dwgen_shape s;
        assert_int_equal(dwgen_shape_of(&p, &s), DWGEN_OK);
        char what[320];
        snprintf(what, sizeof what, "case %d (%s)%s", c->id, c->note,
                 use_plan ? " via a plan" : "");
        tu_guarded out;
        tu_guarded_init(&out, n_output(c));
        dwgen_status got;
        if (use_plan) {
            dwgen_plan *plan = NULL;
            got = dwgen_plan_create(&p, c->filter, NULL, NULL, &plan);
            if (got == DWGEN_OK)
                got = dwgen_plan_run(plan, (size_t)c->batch, c->input, out.out);
            dwgen_plan_destroy(plan);
        } else {
            got = dwgen_conv_generic(&p, (size_t)c->batch, c->input, c->filter, NULL,
                                     out.out);
        }
        if (got != DWGEN_OK)
            fail_msg("%s: %s", what, dwgen_status_message(got));
        tu_guarded_check(&out, what, tu_output_dims(&s));
        tu_assert_allclose(what, tu_output_dims(&s), c->expected, out.out, out.count,
                           c->tol_abs, 0);
        tu_guarded_free(&out);
        ran++;
    }
    assert_true(ran > 0);
}

static void test_generic_cases(void **state)
{
    run_cases(*state, 0);
}

static void test_plan_cases(void **state)
{
    run_cases(*state, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_cases_present),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_errors_rejected),
        cmocka_unit_test(test_generic_cases),
        cmocka_unit_test(test_plan_cases),
    };
    return cmocka_run_group_tests(tests, load_all, free_all);
}
