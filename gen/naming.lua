-- naming.lua - the name of a kernel, from its configuration.
--
-- A name spells out everything the kernel is specialized for, so people
-- and tools can read it back; it is the kernel's C function name and its
-- file name (NAME.c), and layers with equal names share one kernel:
--
--   PREFIX_f32_k{KH}x{KW}_s{SH}x{SW}_r{RH}x{RW}_{PAD}_m{M}__{SHAPE}_{ACT}[__{TARGET}]
--
--   PREFIX  "dwconv" unless --prefix says otherwise
--   PAD     same | valid | pad{T}_{B}_{L}_{R} (explicit: top, bottom, left, right)
--   SHAPE   {H}x{W}x{C}, or "any" for a configuration-specialized kernel
--   ACT     none | relu | relu6 | hswish | clamp{MIN}_{MAX}
--   TARGET  the generator target (cfg.target) when it is not the portable
--           "c", so sets of different targets can be linked together
--
-- Clamp bounds are written with %g ('-' -> 'n', '.' -> 'p', '+' dropped),
-- with more digits (up to %.9g) only when %g would not give back the same
-- float, so two different bounds never share a name.
-- Example: dwconv_f32_k3x3_s2x2_r1x1_same_m1__112x112x32_relu6
--          dwconv_f32_k3x3_s1x1_r1x1_same_m1__56x56x144_relu6__avx2

local naming = {}

-- A float value as name characters: -1.5 -> "n1p5", 1e+20 -> "1e20".
function naming.number(x)
  local text
  for _, fmt in ipairs({ "%g", "%.7g", "%.8g", "%.9g" }) do
    text = fmt:format(x)
    if string.unpack("f", string.pack("f", tonumber(text))) == x then break end
  end
  return (text:gsub("%-", "n"):gsub("%.", "p"):gsub("%+", ""))
end

-- The kernel name for a normalized configuration (see layer_spec.lua).
function naming.kernel(prefix, cfg)
  local pad = cfg.padding
  if pad == "explicit" then
    pad = ("pad%d_%d_%d_%d"):format(cfg.pad_top, cfg.pad_bottom, cfg.pad_left, cfg.pad_right)
  end
  local shape = "any"
  if cfg.in_h ~= 0 then shape = ("%dx%dx%d"):format(cfg.in_h, cfg.in_w, cfg.channels) end
  local act = cfg.activation
  if act == "clamp" then
    act = ("clamp%s_%s"):format(naming.number(cfg.clamp_min), naming.number(cfg.clamp_max))
  end
  local target = ""
  if cfg.target and cfg.target ~= "c" then target = "__" .. cfg.target end
  return ("%s_%s_k%dx%d_s%dx%d_r%dx%d_%s_m%d__%s_%s%s"):format(prefix, cfg.dtype,
    cfg.kernel_h, cfg.kernel_w, cfg.stride_h, cfg.stride_w, cfg.rate_h, cfg.rate_w,
    pad, cfg.multiplier, shape, act, target)
end

return naming
