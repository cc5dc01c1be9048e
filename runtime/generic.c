/*
 * generic.c - the generic depthwise convolution: the oracle.
 *
 * Written to be obviously right, not fast: it is the formula of the README
 * as loops, one output element at a time. Every specialized kernel is tested
 * against it, and it is tested against TensorFlow.js and PyTorch results.
 * Sums run in float in tap order (row-major over the kernel), then the bias
 * is added and the activation applied, as TensorFlow's conv, bias_add and
 * activation ops do. Indices are computed in long long / size_t so layers
 * larger than INT_MAX elements index correctly.
 */
#include <math.h>

#include "dwgen.h"

static float activate(const dwgen_params *p, float x)
{
    switch (p->activation) {
    case DWGEN_ACT_RELU:
        return fmaxf(x, 0.0f);
    case DWGEN_ACT_RELU6:
        return fminf(fmaxf(x, 0.0f), 6.0f);
    case DWGEN_ACT_HSWISH:
        return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case DWGEN_ACT_CLAMP:
        return fminf(fmaxf(x, p->clamp_min), p->clamp_max);
    case DWGEN_ACT_NONE:
        break;
    }
    return x;
}

/* One output element: out[i, j, c*M + m] of one image. */
static float output_at(const dwgen_params *p, const dwgen_shape *s,
                       const float *filter, const float *input,
                       long long i, long long j, long long c, long long m)
{
    const long long C = p->channels, M = p->multiplier;
    float acc = 0.0f;

    for (long long di = 0; di < p->kernel_h; di++) {
        long long y = i * p->stride_h + di * p->rate_h - s->pad_top;
        if (y < 0 || y >= p->in_h)
            continue; /* padding reads 0 */
        for (long long dj = 0; dj < p->kernel_w; dj++) {
            long long x = j * p->stride_w + dj * p->rate_w - s->pad_left;
            if (x < 0 || x >= p->in_w)
                continue;
            float in = input[(size_t)((y * p->in_w + x) * C + c)];
            float w = filter[(size_t)(((di * p->kernel_w + dj) * C + c) * M + m)];
            acc += in * w;
        }
    }
    return acc;
}

void dwgen_generic_rows(const dwgen_params *p, const dwgen_shape *s,
                        const float *filter, const float *bias,
                        const float *input, float *output,
                        int row_begin, int row_end)
{
    const long long C = p->channels, M = p->multiplier;

    for (long long i = row_begin; i < row_end; i++) {
        for (long long j = 0; j < s->out_w; j++) {
            float *out = output + (size_t)((i * s->out_w + j) * s->out_c);
            for (long long c = 0; c < C; c++) {
                for (long long m = 0; m < M; m++) {
                    float v = output_at(p, s, filter, input, i, j, c, m);
                    if (bias != NULL)
                        v += bias[c * M + m];
                    out[c * M + m] = activate(p, v);
                }
            }
        }
    }
}

dwgen_status dwgen_conv_generic(const dwgen_params *params, size_t batch,
                                const float *input, const float *filter,
                                const float *bias, float *output)
{
    dwgen_shape s;
    dwgen_status st;
    size_t bytes;

    if (params == NULL || input == NULL || filter == NULL || output == NULL)
        return DWGEN_ERR_NULL;
    if ((st = dwgen_shape_of(params, &s)) != DWGEN_OK)
        return st;
    /* The caller's buffers must be addressable: reject batches whose size overflows. */
    if ((st = dwgen_batch_bytes(params, batch, s.input_elems, &bytes)) != DWGEN_OK ||
        (st = dwgen_batch_bytes(params, batch, s.output_elems, &bytes)) != DWGEN_OK)
        return st;
    for (size_t n = 0; n < batch; n++)
        dwgen_generic_rows(params, &s, filter, bias, input + n * s.input_elems,
                           output + n * s.output_elems, 0, s.out_h);
    return DWGEN_OK;
}
