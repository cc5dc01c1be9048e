-- registry_emit.lua - the two files around the kernels: dwgen_kernels.h
-- (prototypes and the registry's declaration) and dwgen_registry.c (the
-- kernel table, the layer table and the dwgen_registry object).
--
-- The layout lives in templates/registry.c.in and templates/kernels.h.in;
-- this module only turns configurations into C spellings for them.

local emit = {}

emit.HEADER = "dwgen_kernels.h"
emit.REGISTRY = "dwgen_registry.c"

local PADDING = { same = "DWGEN_PAD_SAME", valid = "DWGEN_PAD_VALID", explicit = "DWGEN_PAD_EXPLICIT" }
local ACTIVATION = { none = "DWGEN_ACT_NONE", relu = "DWGEN_ACT_RELU", relu6 = "DWGEN_ACT_RELU6",
                     hswish = "DWGEN_ACT_HSWISH", clamp = "DWGEN_ACT_CLAMP" }

-- A C string literal. '?' is escaped too: "??=" would be a trigraph.
function emit.c_string(s)
  return '"' .. s:gsub('[%c"\\?\127-\255]', function(c)
    if c == '"' or c == "\\" or c == "?" then return "\\" .. c end
    return ("\\%03o"):format(c:byte())
  end) .. '"'
end

-- A float literal that gives back exactly the float x.
function emit.c_float(x)
  local s = ("%.9g"):format(x)
  if not s:find("[.e]") then s = s .. ".0" end
  return s .. "f"
end

-- A configuration as the text of dwgen_params fields. Pads and clamp
-- bounds are 0 where the runtime does not read them (registry.c compares
-- pads only for EXPLICIT and bounds only for CLAMP).
function emit.params(cfg)
  local explicit, clamp = cfg.padding == "explicit", cfg.activation == "clamp"
  local p = {}
  for _, f in ipairs({ "in_h", "in_w", "channels", "kernel_h", "kernel_w", "stride_h",
                       "stride_w", "rate_h", "rate_w", "multiplier" }) do
    p[f] = tostring(cfg[f])
  end
  for _, f in ipairs({ "pad_top", "pad_bottom", "pad_left", "pad_right" }) do
    p[f] = explicit and tostring(cfg[f]) or "0"
  end
  p.padding = PADDING[cfg.padding]
  p.activation = ACTIVATION[cfg.activation]
  p.clamp_min = clamp and emit.c_float(cfg.clamp_min) or "0.0f"
  p.clamp_max = clamp and emit.c_float(cfg.clamp_max) or "0.0f"
  return p
end

-- The files, as { name = text }: kernels is the list of
-- { name, cfg, pack = bool, isa = C expression or nil }, layers the normalized input layers with
-- their shape-level cfg; meta = { registry, version, command }.
function emit.files(render, kernels, layers, meta)
  local entries, infos = {}, {}
  for i, k in ipairs(kernels) do
    entries[i] = { name = k.name, key = emit.params(k.cfg), has_pack = k.pack,
                   pack = k.pack and k.name .. "_pack" or "NULL", isa = k.isa or "0" }
  end
  for i, l in ipairs(layers) do
    infos[i] = { name = l.name, source = l.source, count = l.count, params = emit.params(l.cfg) }
  end
  local env = {
    registry = meta.registry, version = meta.version, command = meta.command,
    header = emit.HEADER, entries = entries, layers = infos,
    guard = "DWGEN_KERNELS_" .. meta.registry:upper() .. "_H",
    c_string = emit.c_string,
  }
  return {
    [emit.HEADER] = render("kernels.h.in", env),
    [emit.REGISTRY] = render("registry.c.in", env),
  }
end

return emit
