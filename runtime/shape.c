/*
 * shape.c - parameter validation and TensorFlow's output-size rules.
 *
 * All geometry is computed in long long (at least 64 bits): every int
 * input is below 2^31, so (k-1)*rate+1 and in+pads cannot overflow it.
 * Results that must fit an int or a size_t are range-checked before they
 * are stored or multiplied, so no input reaches undefined behaviour.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "dwgen.h"

/* *out = a * b, or 0 when the product does not fit size_t. */
static int mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* Elements a*b*c*d that also fit in bytes of fp32; 0 on overflow. */
static int count4(long long a, long long b, long long c, long long d, size_t *out)
{
    size_t n = 1;
    return mul_size(n, (size_t)a, &n) && mul_size(n, (size_t)b, &n) &&
           mul_size(n, (size_t)c, &n) && mul_size(n, (size_t)d, &n) &&
           n <= SIZE_MAX / sizeof(float) && (*out = n, 1);
}

/*
 * One spatial axis: output size and padding before/after.
 * Returns DWGEN_OK or the error for this axis.
 */
static dwgen_status axis(dwgen_padding padding, long long in, long long k,
                         long long stride, long long rate,
                         long long explicit_before, long long explicit_after,
                         int *out, int *before, int *after)
{
    long long eff = (k - 1) * rate + 1; /* effective (dilated) kernel extent */
    long long o, pad_total, pb, pa;

    switch (padding) {
    case DWGEN_PAD_VALID:
        pb = pa = 0;
        break;
    case DWGEN_PAD_SAME:
        o = (in + stride - 1) / stride;
        pad_total = (o - 1) * stride + eff - in;
        if (pad_total < 0)
            pad_total = 0;
        pb = pad_total / 2;
        pa = pad_total - pb;
        break;
    case DWGEN_PAD_EXPLICIT:
        pb = explicit_before;
        pa = explicit_after;
        break;
    default:
        return DWGEN_ERR_PADDING;
    }
    /* For SAME this equals ceil(in / stride): the pads were chosen so. */
    if (in + pb + pa < eff)
        return DWGEN_ERR_OUTPUT_SIZE;
    o = (in + pb + pa - eff) / stride + 1;
    if (o > INT_MAX || pb > INT_MAX || pa > INT_MAX)
        return DWGEN_ERR_OVERFLOW;
    *out = (int)o;
    *before = (int)pb;
    *after = (int)pa;
    return DWGEN_OK;
}

/* Field checks that need no arithmetic, in a fixed, documented order. */
static dwgen_status check_fields(const dwgen_params *p)
{
    if (p->dtype != DWGEN_F32)
        return DWGEN_ERR_DTYPE;
    if (p->in_h < 1 || p->in_w < 1 || p->channels < 1)
        return DWGEN_ERR_SHAPE;
    if (p->kernel_h < 1 || p->kernel_w < 1)
        return DWGEN_ERR_KERNEL;
    if (p->stride_h < 1 || p->stride_w < 1)
        return DWGEN_ERR_STRIDE;
    if (p->rate_h < 1 || p->rate_w < 1)
        return DWGEN_ERR_RATE;
    if (p->multiplier < 1)
        return DWGEN_ERR_MULTIPLIER;
    if (p->padding != DWGEN_PAD_VALID && p->padding != DWGEN_PAD_SAME &&
        p->padding != DWGEN_PAD_EXPLICIT)
        return DWGEN_ERR_PADDING;
    if (p->padding == DWGEN_PAD_EXPLICIT &&
        (p->pad_top < 0 || p->pad_bottom < 0 || p->pad_left < 0 || p->pad_right < 0))
        return DWGEN_ERR_PADDING;
    switch (p->activation) {
    case DWGEN_ACT_NONE: case DWGEN_ACT_RELU: case DWGEN_ACT_RELU6: case DWGEN_ACT_HSWISH:
        break;
    case DWGEN_ACT_CLAMP:
        if (isnan(p->clamp_min) || isnan(p->clamp_max) || p->clamp_min > p->clamp_max)
            return DWGEN_ERR_ACTIVATION;
        break;
    default:
        return DWGEN_ERR_ACTIVATION;
    }
    return DWGEN_OK;
}

dwgen_status dwgen_shape_of(const dwgen_params *p, dwgen_shape *shape)
{
    dwgen_shape s;
    dwgen_status st;
    long long out_c;

    if (p == NULL)
        return DWGEN_ERR_NULL;
    if ((st = check_fields(p)) != DWGEN_OK)
        return st;
    st = axis(p->padding, p->in_h, p->kernel_h, p->stride_h, p->rate_h,
              p->pad_top, p->pad_bottom, &s.out_h, &s.pad_top, &s.pad_bottom);
    if (st != DWGEN_OK)
        return st;
    st = axis(p->padding, p->in_w, p->kernel_w, p->stride_w, p->rate_w,
              p->pad_left, p->pad_right, &s.out_w, &s.pad_left, &s.pad_right);
    if (st != DWGEN_OK)
        return st;
    out_c = (long long)p->channels * p->multiplier;
    if (out_c > INT_MAX)
        return DWGEN_ERR_OVERFLOW;
    s.out_c = (int)out_c;
    if (!count4(p->in_h, p->in_w, p->channels, 1, &s.input_elems) ||
        !count4(s.out_h, s.out_w, s.out_c, 1, &s.output_elems) ||
        !count4(p->kernel_h, p->kernel_w, p->channels, p->multiplier, &s.filter_elems))
        return DWGEN_ERR_OVERFLOW;
    s.bias_elems = (size_t)s.out_c;
    if (shape != NULL)
        *shape = s;
    return DWGEN_OK;
}

dwgen_status dwgen_batch_bytes(const dwgen_params *params, size_t batch,
                               size_t elems, size_t *bytes)
{
    size_t n;

    if (params == NULL || bytes == NULL)
        return DWGEN_ERR_NULL;
    if (params->dtype != DWGEN_F32)
        return DWGEN_ERR_DTYPE;
    if (!mul_size(batch, elems, &n) || !mul_size(n, sizeof(float), &n))
        return DWGEN_ERR_OVERFLOW;
    *bytes = n;
    return DWGEN_OK;
}
