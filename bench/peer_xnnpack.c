/*
 * peer_xnnpack.c - XNNPACK's depthwise convolution as a peer.
 *
 * xnn_create_convolution2d_nhwc_f32 with XNN_FLAG_DEPTHWISE_CONVOLUTION
 * takes TensorFlow's filter [KH, KW, C, M] as it is (C groups of one input
 * channel and M outputs each, so output channel c*M+m), explicit padding in
 * the order top, right, bottom, left, dilation = TensorFlow's rate, and a
 * NULL threadpool (one thread). relu, relu6 and clamp become the
 * operator's output_min/output_max. XNNPACK (2022) has no fused hswish:
 * a separate hardswish operator runs after the convolution when the
 * library has one (HAVE_XNN_HARDSWISH, detected by peers.mk), else plain C
 * does it; both are timed as part of the layer and the note says which.
 *
 * Built only with -DHAVE_XNNPACK (peers.mk sets it when xnnpack.h exists);
 * without it the peer reports itself skipped.
 */
#include <stdio.h>

#include "bench_impl.h"

#ifdef HAVE_XNNPACK

#include <math.h>
#include <stdlib.h>

#include <xnnpack.h>

typedef struct xnn_state {
    xnn_operator_t conv;
    xnn_operator_t hswish;       /* NULL unless the layer's activation is hswish */
    float *conv_out;             /* the convolution's output when hswish follows */
    float *output;
    size_t output_elems;
    int plain_hswish;            /* no hardswish operator: apply it in C */
} xnn_state;

static const char *status_name(enum xnn_status st)
{
    switch (st) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
    }
    return "unknown status";
}

static bench_ready init_xnnpack(char *why, size_t len)
{
    enum xnn_status st = xnn_initialize(NULL);
    if (st != xnn_status_success) {
        snprintf(why, len, "xnn_initialize: %s", status_name(st));
        return BENCH_FAIL;
    }
    return BENCH_READY;
}

static void fini_xnnpack(void)
{
    xnn_deinitialize();
}

static void destroy_xnnpack(void *state)
{
    xnn_state *s = state;
    if (s == NULL)
        return;
    if (s->conv != NULL)
        xnn_delete_operator(s->conv);
    if (s->hswish != NULL)
        xnn_delete_operator(s->hswish);
    free(s->conv_out);
    free(s);
}

/* x * relu6(x + 3) / 6, the same formula as the generic kernel. */
static void hswish_in_c(const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float r = fminf(fmaxf(in[i] + 3.0f, 0.0f), 6.0f);
        out[i] = in[i] * r / 6.0f;
    }
}

static int run_xnnpack(void *state)
{
    xnn_state *s = state;
    if (xnn_run_operator(s->conv, NULL) != xnn_status_success)
        return -1;
    if (s->hswish != NULL)
        return xnn_run_operator(s->hswish, NULL) != xnn_status_success;
    if (s->plain_hswish)
        hswish_in_c(s->conv_out, s->output, s->output_elems);
    return 0;
}

/* The layer's activation as output bounds; 0 when it is not a clamp. */
static int clamp_bounds(const dwgen_params *p, float *lo, float *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    switch (p->activation) {
    case DWGEN_ACT_NONE: return 1;
    case DWGEN_ACT_RELU: *lo = 0; return 1;
    case DWGEN_ACT_RELU6: *lo = 0; *hi = 6; return 1;
    case DWGEN_ACT_CLAMP: *lo = p->clamp_min; *hi = p->clamp_max; return 1;
    case DWGEN_ACT_HSWISH: return 0;
    }
    return 0;
}

/* The hardswish step after the convolution: an operator, or plain C. */
static enum xnn_status setup_hswish(xnn_state *s, const bench_layer *layer, char *how, size_t len)
{
#ifdef HAVE_XNN_HARDSWISH
    size_t channels = (size_t)layer->shape.out_c;
    size_t pixels = (size_t)layer->shape.out_h * layer->shape.out_w;
    enum xnn_status st = xnn_create_hardswish_nc_f32(channels, channels, channels, 0, &s->hswish);
    if (st == xnn_status_success)
        st = xnn_setup_hardswish_nc_f32(s->hswish, pixels, s->conv_out, s->output, NULL);
    snprintf(how, len, "hswish: separate xnn hardswish operator (no fused hswish)");
    return st;
#else
    (void)layer;
    s->plain_hswish = 1;
    snprintf(how, len, "hswish: plain C after the conv (no fused hswish, no hardswish operator)");
    return xnn_status_success;
#endif
}

static int create_xnnpack(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    const dwgen_params *p = &layer->info->params;
    const dwgen_shape *sh = &layer->shape;
    float lo, hi;
    int fused = clamp_bounds(p, &lo, &hi);
    enum xnn_status st;
    char how[120] = "";

    xnn_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    s->output = layer->output;
    s->output_elems = sh->output_elems;
    if (!fused && (s->conv_out = malloc(sh->output_elems * sizeof(float))) == NULL) {
        snprintf(err, len, "out of memory");
        destroy_xnnpack(s);
        return -1;
    }
    st = xnn_create_convolution2d_nhwc_f32(
        (uint32_t)sh->pad_top, (uint32_t)sh->pad_right, (uint32_t)sh->pad_bottom,
        (uint32_t)sh->pad_left, (uint32_t)p->kernel_h, (uint32_t)p->kernel_w,
        (uint32_t)p->stride_h, (uint32_t)p->stride_w, (uint32_t)p->rate_h, (uint32_t)p->rate_w,
        (uint32_t)p->channels, 1, (size_t)p->multiplier, (size_t)p->channels, (size_t)sh->out_c,
        layer->filter, layer->bias, lo, hi, XNN_FLAG_DEPTHWISE_CONVOLUTION, &s->conv);
    if (st == xnn_status_success)
        st = xnn_setup_convolution2d_nhwc_f32(s->conv, 1, (size_t)p->in_h, (size_t)p->in_w,
                                              layer->input, fused ? s->output : s->conv_out,
                                              NULL);
    if (st == xnn_status_success && !fused)
        st = setup_hswish(s, layer, how, sizeof how);
    else if (p->activation != DWGEN_ACT_NONE)
        snprintf(how, sizeof how, "activation fused as output_min %g, output_max %g", lo, hi);
    if (st != xnn_status_success) {
        snprintf(err, len, "XNNPACK refused the layer: %s", status_name(st));
        destroy_xnnpack(s);
        return -1;
    }
    impl->state = s;
    impl->run = run_xnnpack;
    impl->destroy = destroy_xnnpack;
    snprintf(impl->note, sizeof impl->note, "%s", how);
    return 0;
}

#else /* !HAVE_XNNPACK */

static bench_ready init_xnnpack(char *why, size_t len)
{
    snprintf(why, len, "not built in: xnnpack.h not found at build time (libxnnpack-dev), "
             "or not in BENCH_PEERS");
    return BENCH_SKIP;
}

static void fini_xnnpack(void)
{
}

static int create_xnnpack(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    (void)layer;
    (void)impl;
    snprintf(err, len, "XNNPACK not built in");
    return -1;
}

#endif

const bench_impl_kind bench_kind_xnnpack = {
    .name = "xnnpack", .threads = 1, .peer = 1,
    .init = init_xnnpack, .create = create_xnnpack, .fini = fini_xnnpack,
};
