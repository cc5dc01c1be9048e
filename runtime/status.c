/* status.c - human-readable messages for dwgen_status values. */
#include "dwgen.h"

const char *dwgen_status_message(dwgen_status status)
{
    switch (status) {
    case DWGEN_OK:              return "success";
    case DWGEN_ERR_NULL:        return "a required pointer argument is NULL";
    case DWGEN_ERR_SHAPE:       return "input height, width and channels must be at least 1";
    case DWGEN_ERR_KERNEL:      return "kernel height and width must be at least 1";
    case DWGEN_ERR_STRIDE:      return "stride must be at least 1";
    case DWGEN_ERR_RATE:        return "rate (dilation) must be at least 1";
    case DWGEN_ERR_MULTIPLIER:  return "channel multiplier must be at least 1";
    case DWGEN_ERR_PADDING:     return "unknown padding kind or negative explicit padding";
    case DWGEN_ERR_OUTPUT_SIZE: return "output height or width would be below 1";
    case DWGEN_ERR_OVERFLOW:    return "a size or element count is too large to represent";
    case DWGEN_ERR_ACTIVATION:  return "unknown activation, or clamp bounds NaN or min > max";
    case DWGEN_ERR_DTYPE:       return "unsupported element type";
    case DWGEN_ERR_ROWS:        return "row range must satisfy 0 <= begin <= end <= out_h";
    case DWGEN_ERR_NO_KERNEL:   return "no specialized kernel for this layer and fallback was refused";
    case DWGEN_ERR_NOMEM:       return "out of memory";
    }
    return "unknown dwgen status";
}
