-- layer_spec.lua - one layer: from what a reader found to a checked,
-- normalized configuration.
--
-- Each reader (layer_tsv, layer_luafile, layer_arg) turns its own syntax
-- into a raw layer:
--   { where  = "FILE:LINE",           for messages
--     source = "FILE:LINE",           for the registry, when not `where`
--     values = { FIELD = value },     a string (TSV cell, option text) or a
--                                     Lua value (layer file), "*" for any size
--     labels = { FIELD = "stride" },  how the user spelt the field given
--     spelling = { FIELD = "..." } }  how to ask for a field that is missing
-- with FIELD one of spec.FIELDS. This module checks them all the same way,
-- with the rules and limits of runtime/shape.c, so every layer dwgen accepts
-- is one dwgen_shape_of accepts.

local failure = require("failure")
local suggest = require("suggest")

local spec = {}

local INT_MAX = 2147483647
local FLT_MAX = 3.4028234663852886e38
local MAX_ELEMS = math.maxinteger // 4      -- fp32 element counts whose byte size fits

spec.FIELDS = {
  "name", "in_h", "in_w", "channels", "kernel_h", "kernel_w",
  "stride_h", "stride_w", "rate_h", "rate_w", "padding",
  "pad_top", "pad_bottom", "pad_left", "pad_right",
  "multiplier", "activation", "clamp_min", "clamp_max", "count",
}

spec.PADDINGS = { "same", "valid", "explicit" }
spec.ACTIVATIONS = { "none", "relu", "relu6", "hswish", "clamp" }

-- Field accessors bound to one raw layer; they raise input errors at its place.
local function reader(raw)
  local r = {}
  local where = raw.where

  local function label(f) return raw.labels[f] or f end
  local function missing(f)
    failure.input(where, "missing %s", raw.spelling[f] or f)
  end

  function r.given(f) return raw.values[f] ~= nil end

  -- An integer field >= min, or default when absent (error if no default).
  function r.int(f, min, default)
    local v = raw.values[f]
    if v == nil then
      if default == nil then missing(f) end
      return default
    end
    local n
    if type(v) == "string" then
      if not v:match("^[+-]?%d+$") then
        failure.input(where, "%s must be an integer (got '%s')", label(f), v)
      end
      local digits = v:gsub("^[+-]", ""):gsub("^0+(%d)", "%1")
      if #digits > 10 or tonumber(digits) > INT_MAX then
        failure.input(where, "%s = %s does not fit an int (at most %d)", label(f), v, INT_MAX)
      end
      n = math.tointeger(tonumber(v))
    elseif type(v) == "number" then
      n = math.tointeger(v)
      if n == nil then
        if v == math.floor(v) and v == v then
          failure.input(where, "%s = %g does not fit an int (at most %d)", label(f), v, INT_MAX)
        end
        failure.input(where, "%s must be an integer (got %s)", label(f), tostring(v))
      end
      if n > INT_MAX or n < -INT_MAX then
        failure.input(where, "%s = %d does not fit an int (at most %d)", label(f), n, INT_MAX)
      end
    else
      failure.input(where, "%s must be an integer (got a %s)", label(f), type(v))
    end
    if n < min then
      failure.input(where, "%s must be at least %d (got %d)", label(f), min, n)
    end
    return n
  end

  -- An input size: an integer >= 1, or "*" (any size) as 0.
  function r.size(f)
    if raw.values[f] == "*" then return 0 end
    return r.int(f, 1)
  end

  -- A finite number that fits a float, rounded to float precision.
  function r.float(f)
    local v = raw.values[f]
    if v == nil then missing(f) end
    local x = v
    if type(v) == "string" then
      -- A decimal numeral: Lua's own syntax (tonumber) restricted to these
      -- characters, which leaves out hex, inf, nan and blanks. (Patterns
      -- such as "^%d+%.?%d*[eE]" take quadratic time on long digit runs.)
      x = v:match("^[%d.eE+-]+$") and tonumber(v) or nil
      if x == nil then failure.input(where, "%s must be a number (got '%s')", label(f), v) end
    elseif type(v) ~= "number" then
      failure.input(where, "%s must be a number (got a %s)", label(f), type(v))
    end
    if x ~= x or x == math.huge or x == -math.huge then
      failure.input(where, "%s must be a finite number (got %s)", label(f), tostring(v))
    end
    if math.abs(x) > FLT_MAX then
      failure.input(where, "%s = %s does not fit a float", label(f), tostring(v))
    end
    x = string.unpack("f", string.pack("f", x))
    if x == 0 then x = 0.0 end          -- -0 and 0 are one kernel
    return x
  end

  -- One of a list of words, case-insensitive; returned in lower case.
  function r.word(f, words, default)
    local v = raw.values[f]
    if v == nil then
      if default == nil then missing(f) end
      return default
    end
    if type(v) ~= "string" then
      failure.input(where, "%s must be a string (got a %s)", label(f), type(v))
    end
    local w = v:lower()
    for _, ok in ipairs(words) do
      if w == ok then return w end
    end
    failure.input(where, "%s: unknown value '%s'%s (expected %s)", label(f), v,
                  suggest.hint(w, words), suggest.alternatives(words))
  end

  -- The layer's name: non-empty printable text.
  function r.name()
    local v = raw.values.name
    if v == nil then missing("name") end
    if type(v) ~= "string" then
      failure.input(where, "%s must be a string (got a %s)", label("name"), type(v))
    end
    if v == "" or v:find("[%c\127]") or #v > 256 then
      failure.input(where, "%s must be 1 to 256 printable characters", label("name"))
    end
    return v
  end

  -- A field that only applies to some layers must be absent from the others.
  function r.refuse(f, why)
    if raw.values[f] ~= nil then
      failure.input(where, "%s is given but %s", label(f), why)
    end
  end

  return r
end

-- One axis, as runtime/shape.c computes it: output size, pad before, after;
-- or nil and what went wrong.
local function axis(padding, size, k, stride, rate, before, after)
  local eff = (k - 1) * rate + 1          -- the dilated kernel extent
  local pb, pa = before, after
  if padding == "valid" then
    pb, pa = 0, 0
  elseif padding == "same" then
    local out = (size + stride - 1) // stride
    local total = math.max((out - 1) * stride + eff - size, 0)
    pb = total // 2
    pa = total - pb
  end
  if size + pb + pa < eff then
    return nil, ("the output would be empty: the padded input (%d) is smaller than the"
                 .. " dilated kernel (%d)"):format(size + pb + pa, eff)
  end
  local out = (size + pb + pa - eff) // stride + 1
  if out > INT_MAX or pb > INT_MAX or pa > INT_MAX then
    return nil, "the output size or padding does not fit an int"
  end
  return out, pb, pa
end

-- a*b*c*d fp32 elements, or nil when the byte count would not fit.
local function elements(a, b, c, d)
  local n = 1
  for _, x in ipairs({ a, b, c, d }) do
    if x ~= 0 and n > MAX_ELEMS // x then return nil end
    n = n * x
  end
  return n
end

-- Check a raw layer; return { name, source, count, cfg } where cfg is the
-- normalized configuration handed to the kernel module (see driver.lua).
function spec.normalize(raw)
  local r = reader(raw)
  local where = raw.where
  local cfg = { dtype = "f32" }

  local name = r.name()
  cfg.in_h, cfg.in_w, cfg.channels = r.size("in_h"), r.size("in_w"), r.size("channels")
  if (cfg.in_h == 0) ~= (cfg.in_w == 0) or (cfg.in_h == 0) ~= (cfg.channels == 0) then
    failure.input(where, "input height, width and channels must be all '*' (any size) or all fixed")
  end
  local any = cfg.in_h == 0
  cfg.kernel_h, cfg.kernel_w = r.int("kernel_h", 1), r.int("kernel_w", 1)
  cfg.stride_h, cfg.stride_w = r.int("stride_h", 1), r.int("stride_w", 1)
  cfg.rate_h, cfg.rate_w = r.int("rate_h", 1, 1), r.int("rate_w", 1, 1)
  local pads_given = r.given("pad_top") or r.given("pad_bottom") or r.given("pad_left")
                     or r.given("pad_right")
  cfg.padding = r.word("padding", spec.PADDINGS, pads_given and "explicit" or nil)
  if cfg.padding == "explicit" then
    cfg.pad_top, cfg.pad_bottom = r.int("pad_top", 0), r.int("pad_bottom", 0)
    cfg.pad_left, cfg.pad_right = r.int("pad_left", 0), r.int("pad_right", 0)
  else
    for _, f in ipairs({ "pad_top", "pad_bottom", "pad_left", "pad_right" }) do
      r.refuse(f, "padding is " .. cfg.padding:upper() .. " (explicit pads need EXPLICIT)")
    end
    cfg.pad_top, cfg.pad_bottom, cfg.pad_left, cfg.pad_right = 0, 0, 0, 0
  end
  cfg.multiplier = r.int("multiplier", 1, 1)
  cfg.activation = r.word("activation", spec.ACTIVATIONS, "none")
  if cfg.activation == "clamp" then
    cfg.clamp_min, cfg.clamp_max = r.float("clamp_min"), r.float("clamp_max")
    if cfg.clamp_min > cfg.clamp_max then
      failure.input(where, "clamp minimum %g is above the maximum %g", cfg.clamp_min, cfg.clamp_max)
    end
  else
    r.refuse("clamp_min", "the activation is " .. cfg.activation .. ", not clamp")
    r.refuse("clamp_max", "the activation is " .. cfg.activation .. ", not clamp")
  end
  local count = r.int("count", 1, 1)

  if cfg.channels * cfg.multiplier > INT_MAX then
    failure.input(where, "channels x multiplier = %d does not fit an int", cfg.channels * cfg.multiplier)
  end
  if not elements(cfg.kernel_h, cfg.kernel_w, cfg.channels, cfg.multiplier) then
    failure.input(where, "the filter has too many elements")
  end
  cfg.out_h, cfg.out_w = 0, 0
  if not any then
    local oh, ph1, ph2 = axis(cfg.padding, cfg.in_h, cfg.kernel_h, cfg.stride_h, cfg.rate_h,
                              cfg.pad_top, cfg.pad_bottom)
    if not oh then failure.input(where, "height: %s", ph1) end
    local ow, pw1, pw2 = axis(cfg.padding, cfg.in_w, cfg.kernel_w, cfg.stride_w, cfg.rate_w,
                              cfg.pad_left, cfg.pad_right)
    if not ow then failure.input(where, "width: %s", pw1) end
    if not elements(cfg.in_h, cfg.in_w, cfg.channels, 1)
       or not elements(oh, ow, cfg.channels * cfg.multiplier, 1) then
      failure.input(where, "the input or output has too many elements")
    end
    cfg.out_h, cfg.out_w = oh, ow
    cfg.pad_top, cfg.pad_bottom, cfg.pad_left, cfg.pad_right = ph1, ph2, pw1, pw2
  else
    -- Still reject what no input size can make valid.
    for _, a in ipairs({ { "height", cfg.kernel_h, cfg.rate_h, cfg.pad_top, cfg.pad_bottom },
                         { "width", cfg.kernel_w, cfg.rate_w, cfg.pad_left, cfg.pad_right } }) do
      if (a[2] - 1) * a[3] + 1 > INT_MAX or a[4] + a[5] > INT_MAX then
        failure.input(where, "%s: the dilated kernel or the padding does not fit an int", a[1])
      end
    end
  end
  return { name = name, source = raw.source or where, count = count, cfg = cfg }
end

-- The configuration-specialized version of a configuration: any input
-- size, so no output size and, unless explicit, no padding either.
function spec.any_shape(cfg)
  local c = spec.copy(cfg)
  c.in_h, c.in_w, c.channels, c.out_h, c.out_w = 0, 0, 0, 0, 0
  if c.padding ~= "explicit" then
    c.pad_top, c.pad_bottom, c.pad_left, c.pad_right = 0, 0, 0, 0
  end
  return c
end

-- A shallow copy (a configuration holds only numbers and strings).
function spec.copy(cfg)
  local c = {}
  for k, v in pairs(cfg) do c[k] = v end
  return c
end

return spec
