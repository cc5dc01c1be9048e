/*
 * dwgen.h - depthwise convolution with TensorFlow semantics.
 *
 * The one public header of the dwgen runtime library. It offers:
 *   - dwgen_params: the description of one depthwise layer;
 *   - dwgen_shape_of: validation plus TensorFlow's output-size and padding rules;
 *   - dwgen_conv_generic: the plain reference kernel (the oracle);
 *   - dwgen_plan_*: plans that pick a specialized kernel from a registry of
 *     generated kernels and fall back to the generic one.
 *
 * Layouts (TensorFlow's tf.nn.depthwise_conv2d):
 *   input  [N, H, W, C]        NHWC, dense
 *   filter [KH, KW, C, M]      M = channel multiplier
 *   bias   [C * M]             optional
 *   output [N, OH, OW, C * M]  output channel c*M + m
 *
 *   out[n,i,j,c*M+m] = act(bias[c*M+m] + sum over di<KH, dj<KW of
 *       x[n, i*sh + di*rh - pad_top, j*sw + dj*rw - pad_left, c] * f[di,dj,c,m])
 * Positions outside the input read 0.
 */
#ifndef DWGEN_H
#define DWGEN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DWGEN_VERSION "0.1.0"

/* Every public function that can fail returns one of these. */
typedef enum dwgen_status {
    DWGEN_OK = 0,
    DWGEN_ERR_NULL = -1,        /* a required pointer is NULL */
    DWGEN_ERR_SHAPE = -2,       /* input height, width or channels below 1 */
    DWGEN_ERR_KERNEL = -3,      /* kernel height or width below 1 */
    DWGEN_ERR_STRIDE = -4,      /* stride below 1 */
    DWGEN_ERR_RATE = -5,        /* rate (dilation) below 1 */
    DWGEN_ERR_MULTIPLIER = -6,  /* channel multiplier below 1 */
    DWGEN_ERR_PADDING = -7,     /* unknown padding kind or negative explicit padding */
    DWGEN_ERR_OUTPUT_SIZE = -8, /* output height or width would be below 1 */
    DWGEN_ERR_OVERFLOW = -9,    /* a size or element/byte count does not fit */
    DWGEN_ERR_ACTIVATION = -10, /* unknown activation, or clamp bounds NaN or min > max */
    DWGEN_ERR_DTYPE = -11,      /* unsupported element type */
    DWGEN_ERR_ROWS = -12,       /* row range not within [0, out_h] or begin > end */
    DWGEN_ERR_NO_KERNEL = -13,  /* no specialized kernel and fallback was refused */
    DWGEN_ERR_NOMEM = -14       /* memory allocation failed */
} dwgen_status;

/* A fixed message for any status value (never NULL; unknown values get one too). */
const char *dwgen_status_message(dwgen_status status);

typedef enum dwgen_padding {
    DWGEN_PAD_VALID = 0,    /* no padding */
    DWGEN_PAD_SAME = 1,     /* out = ceil(in / stride); odd extra goes bottom/right */
    DWGEN_PAD_EXPLICIT = 2  /* pad_top, pad_bottom, pad_left, pad_right as given */
} dwgen_padding;

typedef enum dwgen_activation {
    DWGEN_ACT_NONE = 0,
    DWGEN_ACT_RELU = 1,    /* max(x, 0) */
    DWGEN_ACT_RELU6 = 2,   /* min(max(x, 0), 6) */
    DWGEN_ACT_HSWISH = 3,  /* x * relu6(x + 3) / 6 */
    DWGEN_ACT_CLAMP = 4    /* min(max(x, clamp_min), clamp_max) */
} dwgen_activation;

/* Element type. Only fp32 exists today; the field keeps the API stable for int8. */
typedef enum dwgen_dtype {
    DWGEN_F32 = 0
} dwgen_dtype;

/*
 * One depthwise layer. Zero-initialize, then set the fields you need:
 * strides and rates of 0 are invalid, so set them (usually to 1).
 */
typedef struct dwgen_params {
    int in_h, in_w, channels;    /* input height, width, channels C */
    int kernel_h, kernel_w;      /* filter size KH x KW */
    int stride_h, stride_w;      /* >= 1 */
    int rate_h, rate_w;          /* dilation, >= 1 (1 = dense) */
    dwgen_padding padding;
    int pad_top, pad_bottom, pad_left, pad_right; /* read for EXPLICIT only */
    int multiplier;              /* channel multiplier M >= 1 */
    dwgen_activation activation; /* applied after the bias */
    float clamp_min, clamp_max;  /* read for DWGEN_ACT_CLAMP only */
    dwgen_dtype dtype;
} dwgen_params;

/* Everything derived from a valid dwgen_params. Counts are per image. */
typedef struct dwgen_shape {
    int out_h, out_w, out_c;     /* out_c = channels * multiplier */
    int pad_top, pad_bottom, pad_left, pad_right; /* effective padding */
    size_t input_elems;          /* in_h * in_w * channels */
    size_t output_elems;         /* out_h * out_w * out_c */
    size_t filter_elems;         /* kernel_h * kernel_w * channels * multiplier */
    size_t bias_elems;           /* out_c */
} dwgen_shape;

/*
 * Validate params and compute the output shape and padding with
 * TensorFlow's rules (see README "Semantics"). Every product is checked
 * before it is formed: no input causes undefined behaviour.
 * shape may be NULL to validate only.
 */
dwgen_status dwgen_shape_of(const dwgen_params *params, dwgen_shape *shape);

/* *bytes = batch * elems * element size, or DWGEN_ERR_OVERFLOW. */
dwgen_status dwgen_batch_bytes(const dwgen_params *params, size_t batch,
                               size_t elems, size_t *bytes);

/*
 * The signature every kernel implements: compute output rows
 * [row_begin, row_end) of one image. Inputs are already validated.
 *   weights: the filter as the kernel's pack function left it, or
 *            [KH,KW,C,M] when the kernel has no pack function;
 *   bias:    [C*M], never NULL for a kernel run by a plan (zeros when the
 *            layer has none);
 *   input:   one image [H,W,C]; output: one image [OH,OW,C*M].
 */
typedef void (*dwgen_kernel_fn)(const dwgen_params *params, const dwgen_shape *shape,
                                const float *weights, const float *bias,
                                const float *input, float *output,
                                int row_begin, int row_end);

/*
 * Repack the filter for a kernel. Returns the number of floats the packed
 * weights take; writes them to dst when dst is not NULL.
 */
typedef size_t (*dwgen_pack_fn)(const dwgen_params *params, const float *filter,
                                float *dst);

/*
 * Instruction sets a kernel needs, as bits of dwgen_kernel_entry.isa. The
 * generator's avx2 target needs AVX2 and FMA, its avx512 target AVX-512F
 * (or AVX2 and FMA for a layer it writes with 256-bit vectors); the
 * portable c target needs none (0).
 */
#define DWGEN_ISA_AVX2    0x1u
#define DWGEN_ISA_FMA     0x2u
#define DWGEN_ISA_AVX512F 0x4u

/*
 * The DWGEN_ISA_* bits this CPU (and the OS, which must save the wider
 * registers) supports: detected once on x86 with GCC or clang, 0 on other
 * CPUs and compilers.
 */
unsigned dwgen_cpu_isa(void);

/*
 * One specialized kernel. The key is a dwgen_params in which in_h, in_w and
 * channels may be 0, meaning "any" (a configuration-specialized kernel).
 * isa: the DWGEN_ISA_* bits it needs (0: none); the lookup skips a kernel
 * whose bits the CPU lacks, so a set built for a wider CPU falls back
 * instead of stopping on an illegal instruction.
 */
typedef struct dwgen_kernel_entry {
    dwgen_params key;
    dwgen_kernel_fn fn;
    dwgen_pack_fn pack;          /* NULL: weights stay [KH,KW,C,M] */
    const char *name;
    unsigned isa;                /* DWGEN_ISA_* bits needed; last, so older tables mean 0 */
} dwgen_kernel_entry;

/* One layer of the model set a registry was generated from. */
typedef struct dwgen_layer_info {
    const char *name;            /* the layer's name in its layer file */
    const char *source;          /* "FILE:LINE" it came from */
    dwgen_params params;
    int count;                   /* how many layers of the model share it */
} dwgen_layer_info;

/*
 * A table of kernels, as the generator writes it, plus the layers it was
 * generated for (tests and the benchmark walk those, so every kernel is
 * checked from the same list that fills the registry).
 */
typedef struct dwgen_registry {
    const char *name;
    size_t count;
    const dwgen_kernel_entry *entries;
    size_t layer_count;
    const dwgen_layer_info *layers;
} dwgen_registry;

/* A registry with no kernels: every lookup misses. */
extern const dwgen_registry dwgen_registry_empty;

/*
 * Find the kernel for params: the entry whose key equals params exactly
 * (shape-specialized) wins over one whose in_h, in_w and channels are 0
 * (configuration-specialized). Entries whose instruction sets this CPU
 * lacks (isa, dwgen_cpu_isa) are passed over. NULL when nothing matches or
 * an argument is NULL.
 */
const dwgen_kernel_entry *dwgen_registry_lookup(const dwgen_registry *registry,
                                                const dwgen_params *params);

/*
 * The generic kernel over a whole batch: validates, then computes
 * output [batch, OH, OW, C*M]. bias may be NULL. batch 0 does nothing.
 * Clear, not fast: it is the oracle for every specialized kernel.
 */
dwgen_status dwgen_conv_generic(const dwgen_params *params, size_t batch,
                                const float *input, const float *filter,
                                const float *bias, float *output);

/* The generic kernel as a dwgen_kernel_fn (weights in [KH,KW,C,M], bias may be NULL). */
void dwgen_generic_rows(const dwgen_params *params, const dwgen_shape *shape,
                        const float *weights, const float *bias,
                        const float *input, float *output,
                        int row_begin, int row_end);

/* Plan creation flags. */
enum {
    DWGEN_PLAN_NO_FALLBACK = 1  /* fail with DWGEN_ERR_NO_KERNEL instead of using the generic kernel */
};

typedef struct dwgen_plan_options {
    const dwgen_registry *registry; /* kernels to search; NULL: generic only */
    unsigned flags;                 /* DWGEN_PLAN_* */
} dwgen_plan_options;

typedef struct dwgen_plan dwgen_plan;

/*
 * Create a plan for one layer. The plan keeps its own (possibly repacked)
 * copy of filter [KH,KW,C,M] and bias [C*M] (bias may be NULL), so the
 * caller may free them afterwards. options may be NULL (generic kernel).
 * On failure *plan is set to NULL.
 */
dwgen_status dwgen_plan_create(const dwgen_params *params, const float *filter,
                               const float *bias, const dwgen_plan_options *options,
                               dwgen_plan **plan);

/* Run the plan on input [batch,H,W,C] into output [batch,OH,OW,C*M]. */
dwgen_status dwgen_plan_run(const dwgen_plan *plan, size_t batch,
                            const float *input, float *output);

/*
 * Compute only output rows [row_begin, row_end) of every image: threads
 * that split [0, out_h) between them together produce dwgen_plan_run's result.
 */
dwgen_status dwgen_plan_run_rows(const dwgen_plan *plan, size_t batch,
                                 const float *input, float *output,
                                 int row_begin, int row_end);

/* The kernel the plan uses: its name, and 1 if specialized, 0 if generic. */
const char *dwgen_plan_kernel_name(const dwgen_plan *plan);
int dwgen_plan_is_specialized(const dwgen_plan *plan);

/* The plan's params and derived shape (NULL for a NULL plan). */
const dwgen_params *dwgen_plan_params(const dwgen_plan *plan);
const dwgen_shape *dwgen_plan_shape(const dwgen_plan *plan);

/* Free a plan. NULL is allowed and does nothing. */
void dwgen_plan_destroy(dwgen_plan *plan);

#ifdef __cplusplus
}
#endif

#endif /* DWGEN_H */
