/*
 * peer_onednn.c - oneDNN's convolution as a peer.
 *
 * A depthwise layer is a grouped convolution with C groups of one input
 * and M output channels: weights dims {C, M, 1, KH, KW}, whose tag hwigo is
 * exactly TensorFlow's [KH, KW, C, M]; oneDNN's dilation counts the gaps,
 * so it is rate - 1. Input and output stay NHWC (tag nhwc) as the other
 * implementations get them; the weights are declared "any" so oneDNN picks
 * its favourite layout and they are reordered once at setup, as a real
 * deployment would. The activation is a post-op: relu, clip (relu6 and
 * clamp) or hardswish. The note reports the implementation oneDNN picked.
 *
 * oneDNN here runs on OpenMP, which reads OMP_NUM_THREADS when it loads,
 * before main: the benchmark must be started with OMP_NUM_THREADS=1
 * (make bench does), and init fails loudly otherwise.
 *
 * Built only with -DHAVE_ONEDNN (peers.mk sets it when the header exists)
 * and only against the 2.x C API; otherwise the peer reports itself skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_impl.h"

#ifdef HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#endif

#if defined(HAVE_ONEDNN) && DNNL_VERSION_MAJOR == 2

typedef struct onednn_state {
    dnnl_primitive_t conv;
    dnnl_memory_t src, weights, bias, dst;
    dnnl_exec_arg_t args[4];
} onednn_state;

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static bench_ready init_onednn(char *why, size_t len)
{
    const dnnl_version_t *v = dnnl_version();
    const char *omp = getenv("OMP_NUM_THREADS");
    dnnl_status_t st;

    if (v->cpu_runtime == DNNL_RUNTIME_OMP && (omp == NULL || strcmp(omp, "1") != 0)) {
        snprintf(why, len, "oneDNN runs on OpenMP and OMP_NUM_THREADS is %s%s%s, not 1: "
                 "start the benchmark with OMP_NUM_THREADS=1 (make bench does)",
                 omp ? "\"" : "", omp ? omp : "unset", omp ? "\"" : "");
        return BENCH_FAIL;
    }
    if (v->cpu_runtime != DNNL_RUNTIME_OMP && v->cpu_runtime != DNNL_RUNTIME_SEQ) {
        snprintf(why, len, "oneDNN's CPU runtime (%u) cannot be held to one thread here",
                 v->cpu_runtime);
        return BENCH_FAIL;
    }
    if ((st = dnnl_engine_create(&engine, dnnl_cpu, 0)) != dnnl_success ||
        (st = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags)) != dnnl_success) {
        snprintf(why, len, "oneDNN engine/stream: %s", dnnl_status2str(st));
        return BENCH_FAIL;
    }
    return BENCH_READY;
}

static void fini_onednn(void)
{
    if (stream != NULL)
        dnnl_stream_destroy(stream);
    if (engine != NULL)
        dnnl_engine_destroy(engine);
    stream = NULL;
    engine = NULL;
}

static void destroy_onednn(void *state)
{
    onednn_state *s = state;
    if (s == NULL)
        return;
    if (s->conv != NULL)
        dnnl_primitive_destroy(s->conv);
    dnnl_memory_t mem[4] = { s->src, s->weights, s->bias, s->dst };
    for (int i = 0; i < 4; i++)
        if (mem[i] != NULL)
            dnnl_memory_destroy(mem[i]);
    free(s);
}

static int run_onednn(void *state)
{
    onednn_state *s = state;
    if (dnnl_primitive_execute(s->conv, stream, 4, s->args) != dnnl_success)
        return -1;
    return dnnl_stream_wait(stream) != dnnl_success;
}

/* The layer's activation as post-ops in attr. */
static dnnl_status_t set_activation(dnnl_primitive_attr_t attr, const dwgen_params *p)
{
    dnnl_post_ops_t ops;
    dnnl_status_t st;

    if (p->activation == DWGEN_ACT_NONE)
        return dnnl_success;
    if ((st = dnnl_post_ops_create(&ops)) != dnnl_success)
        return st;
    switch (p->activation) {
    case DWGEN_ACT_RELU:
        st = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        break;
    case DWGEN_ACT_RELU6:
        st = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_clip, 0.0f, 6.0f);
        break;
    case DWGEN_ACT_CLAMP:
        st = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_clip, p->clamp_min,
                                          p->clamp_max);
        break;
    case DWGEN_ACT_HSWISH:
        st = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_hardswish, 0.0f, 0.0f);
        break;
    case DWGEN_ACT_NONE:
        break;
    }
    if (st == dnnl_success)
        st = dnnl_primitive_attr_set_post_ops(attr, ops);
    dnnl_post_ops_destroy(ops);
    return st;
}

/* What set_activation appended, for the note. */
static void describe_activation(const dwgen_params *p, char *buf, size_t len)
{
    switch (p->activation) {
    case DWGEN_ACT_NONE: snprintf(buf, len, "no post-op"); return;
    case DWGEN_ACT_RELU: snprintf(buf, len, "post-op relu"); return;
    case DWGEN_ACT_RELU6: snprintf(buf, len, "post-op clip [0, 6]"); return;
    case DWGEN_ACT_CLAMP:
        snprintf(buf, len, "post-op clip [%g, %g]", p->clamp_min, p->clamp_max);
        return;
    case DWGEN_ACT_HSWISH: snprintf(buf, len, "post-op hardswish"); return;
    }
    snprintf(buf, len, "?");
}

/* The convolution's primitive descriptor for the layer (weights layout "any"). */
static dnnl_status_t describe(const bench_layer *layer, dnnl_primitive_desc_t *pd)
{
    const dwgen_params *p = &layer->info->params;
    const dwgen_shape *sh = &layer->shape;
    const dnnl_dims_t src_dims = { 1, p->channels, p->in_h, p->in_w };
    const dnnl_dims_t w_dims = { p->channels, p->multiplier, 1, p->kernel_h, p->kernel_w };
    const dnnl_dims_t b_dims = { sh->out_c };
    const dnnl_dims_t dst_dims = { 1, sh->out_c, sh->out_h, sh->out_w };
    const dnnl_dims_t strides = { p->stride_h, p->stride_w };
    const dnnl_dims_t dilates = { p->rate_h - 1, p->rate_w - 1 };
    const dnnl_dims_t pad_l = { sh->pad_top, sh->pad_left };
    const dnnl_dims_t pad_r = { sh->pad_bottom, sh->pad_right };
    dnnl_memory_desc_t src_md, w_md, b_md, dst_md;
    dnnl_convolution_desc_t cd;
    dnnl_primitive_attr_t attr;
    dnnl_status_t st;

    if ((st = dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_f32, dnnl_nhwc)) ||
        (st = dnnl_memory_desc_init_by_tag(&w_md, 5, w_dims, dnnl_f32, dnnl_format_tag_any)) ||
        (st = dnnl_memory_desc_init_by_tag(&b_md, 1, b_dims, dnnl_f32, dnnl_a)) ||
        (st = dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_f32, dnnl_nhwc)))
        return st;
    if ((st = dnnl_dilated_convolution_forward_desc_init(
             &cd, dnnl_forward_inference, dnnl_convolution_direct, &src_md, &w_md, &b_md,
             &dst_md, strides, dilates, pad_l, pad_r)))
        return st;
    if ((st = dnnl_primitive_attr_create(&attr)))
        return st;
    if ((st = set_activation(attr, p)) == dnnl_success)
        st = dnnl_primitive_desc_create(pd, &cd, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

/* Copy the layer's filter (hwigo) into weights memory in the layout pd wants. */
static dnnl_status_t load_weights(const bench_layer *layer, const dnnl_memory_desc_t *want,
                                  dnnl_memory_t *weights, int *reordered)
{
    const dwgen_params *p = &layer->info->params;
    const dnnl_dims_t w_dims = { p->channels, p->multiplier, 1, p->kernel_h, p->kernel_w };
    dnnl_memory_desc_t user_md;
    dnnl_memory_t user = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_status_t st;

    if ((st = dnnl_memory_desc_init_by_tag(&user_md, 5, w_dims, dnnl_f32, dnnl_hwigo)))
        return st;
    *reordered = !dnnl_memory_desc_equal(&user_md, want);
    if (!*reordered)
        return dnnl_memory_create(weights, &user_md, engine, layer->filter);
    if ((st = dnnl_memory_create(&user, &user_md, engine, layer->filter)) ||
        (st = dnnl_memory_create(weights, want, engine, DNNL_MEMORY_ALLOCATE)) ||
        (st = dnnl_reorder_primitive_desc_create(&rpd, &user_md, engine, want, engine, NULL)) ||
        (st = dnnl_primitive_create(&reorder, rpd)))
        goto done;
    dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, user }, { DNNL_ARG_TO, *weights } };
    if (!(st = dnnl_primitive_execute(reorder, stream, 2, args)))
        st = dnnl_stream_wait(stream);
done:
    if (reorder != NULL)
        dnnl_primitive_destroy(reorder);
    if (rpd != NULL)
        dnnl_primitive_desc_destroy(rpd);
    if (user != NULL)
        dnnl_memory_destroy(user);
    return st;
}

/* Memory objects for the layer's buffers in the layouts pd asked for. */
static dnnl_status_t bind_memory(dnnl_primitive_desc_t pd, const bench_layer *layer,
                                 onednn_state *s, int *reordered)
{
    const dnnl_memory_desc_t *src = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *b = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1);
    const dnnl_memory_desc_t *dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    dnnl_status_t st;

    if ((st = load_weights(layer, w, &s->weights, reordered)) ||
        (st = dnnl_memory_create(&s->src, src, engine, layer->input)) ||
        (st = dnnl_memory_create(&s->bias, b, engine, layer->bias)) ||
        (st = dnnl_memory_create(&s->dst, dst, engine, layer->output)))
        return st;
    s->args[0] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, s->src };
    s->args[1] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, s->weights };
    s->args[2] = (dnnl_exec_arg_t){ DNNL_ARG_BIAS, s->bias };
    s->args[3] = (dnnl_exec_arg_t){ DNNL_ARG_DST, s->dst };
    return dnnl_success;
}

static int create_onednn(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    dnnl_primitive_desc_t pd = NULL;
    const char *info = "?";
    char act[60];
    int reordered = 0;
    dnnl_status_t st;

    onednn_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    if ((st = describe(layer, &pd)) ||
        (st = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info)) ||
        (st = bind_memory(pd, layer, s, &reordered)) ||
        (st = dnnl_primitive_create(&s->conv, pd))) {
        snprintf(err, len, "oneDNN refused the layer: %s", dnnl_status2str(st));
        if (pd != NULL)
            dnnl_primitive_desc_destroy(pd);
        destroy_onednn(s);
        return -1;
    }
    /* info belongs to pd: copy it before pd goes. */
    describe_activation(&layer->info->params, act, sizeof act);
    snprintf(impl->note, sizeof impl->note, "impl %s, %s%s", info, act,
             reordered ? ", weights reordered at setup" : "");
    dnnl_primitive_desc_destroy(pd);
    impl->state = s;
    impl->run = run_onednn;
    impl->destroy = destroy_onednn;
    return 0;
}

#else /* no oneDNN 2.x */

static bench_ready init_onednn(char *why, size_t len)
{
#ifdef HAVE_ONEDNN
    snprintf(why, len, "not built: oneDNN %d.%d found, this peer is written for the 2.x C API",
             DNNL_VERSION_MAJOR, DNNL_VERSION_MINOR);
#else
    snprintf(why, len, "not built in: oneapi/dnnl/dnnl.h not found at build time (libdnnl-dev), "
             "or not in BENCH_PEERS");
#endif
    return BENCH_SKIP;
}

static void fini_onednn(void)
{
}

static int create_onednn(const bench_layer *layer, bench_impl *impl, char *err, size_t len)
{
    (void)layer;
    (void)impl;
    snprintf(err, len, "oneDNN not built in");
    return -1;
}

#endif

const bench_impl_kind bench_kind_onednn = {
    .name = "onednn", .threads = 1, .peer = 1,
    .init = init_onednn, .create = create_onednn, .fini = fini_onednn,
};
