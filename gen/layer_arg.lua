-- layer_arg.lua - one layer from the command line (--layer SPEC).
--
--   --layer 'in=112x112x32 k=3x3 s=2 r=1 pad=same m=1 act=relu6 name=b1'
--
-- in=HxWxC (or *x*x*: any size), k=KH[xKW], s=S[xS_w], r=R[xR_w] (default 1),
-- pad=same|valid|T,B,L,R (explicit: top, bottom, left, right),
-- m=M (default 1), act=none|relu|relu6|hswish|clamp:MIN:MAX (default none),
-- name=NAME (default layerN), count=N (default 1).
-- Messages name the layer "<command-line>:N", N counting --layer options.

local failure = require("failure")
local suggest = require("suggest")

local arg = {}

arg.KEYS = { "in", "k", "s", "r", "pad", "m", "act", "name", "count" }

-- Long words people may type for the short keys, for "did you mean".
local LONG = { input = "in", kernel = "k", stride = "s", strides = "s", rate = "r",
               dilation = "r", padding = "pad", multiplier = "m", activation = "act" }

local function hint(key)
  local words = {}
  for w in pairs(LONG) do words[#words + 1] = w end
  table.sort(words)
  local h = suggest.hint(key, arg.KEYS)
  if h == "" then
    local long = suggest.hint(key, words):match("'(.*)'")
    if long then h = (" (did you mean '%s'?)"):format(LONG[long]) end
  end
  return h
end

local SPELLING = {
  in_h = "in=HxWxC", in_w = "in=HxWxC", channels = "in=HxWxC",
  kernel_h = "k=KHxKW", kernel_w = "k=KHxKW", stride_h = "s=S", stride_w = "s=S",
  padding = "pad=same|valid|T,B,L,R", clamp_min = "clamp minimum", clamp_max = "clamp maximum",
}

-- Split text on a separator character (keeping empty pieces).
local function split(text, sep)
  local parts = {}
  for piece in (text .. sep):gmatch("(.-)" .. sep) do parts[#parts + 1] = piece end
  return parts
end

-- The raw layer (see layer_spec.lua) of the index-th --layer option.
function arg.read(spec, index)
  local where = ("<command-line>:%d"):format(index)
  local raw = { where = where, values = {}, labels = {}, spelling = SPELLING }
  local function set(field, value, label)
    raw.values[field], raw.labels[field] = value, label
  end
  -- "A" or "AxB" into two fields.
  local function pair(key, value, f1, f2)
    local p = split(value, "x")
    if #p == 1 then p[2] = p[1] end
    if #p ~= 2 then failure.input(where, "%s must be N or NxN (got '%s')", key, value) end
    set(f1, p[1], key)
    set(f2, p[2], key)
  end

  local seen = {}
  for token in spec:gmatch("%S+") do
    local key, value = token:match("^([^=]*)=(.*)$")
    if not key then
      failure.input(where, "'%s' is not KEY=VALUE (keys: %s)", token, table.concat(arg.KEYS, " "))
    end
    local known = false
    for _, k in ipairs(arg.KEYS) do known = known or k == key end
    if not known then
      failure.input(where, "unknown key '%s'%s (keys: %s)", key, hint(key),
                    table.concat(arg.KEYS, " "))
    end
    if seen[key] then failure.input(where, "%s= is given twice", key) end
    seen[key] = true
    if value == "" then failure.input(where, "%s= has no value", key) end

    if key == "in" then
      local p = split(value, "x")
      if #p ~= 3 then failure.input(where, "in must be HxWxC (got '%s')", value) end
      set("in_h", p[1], "in (height)")
      set("in_w", p[2], "in (width)")
      set("channels", p[3], "in (channels)")
    elseif key == "k" then
      pair("k", value, "kernel_h", "kernel_w")
    elseif key == "s" then
      pair("s", value, "stride_h", "stride_w")
    elseif key == "r" then
      pair("r", value, "rate_h", "rate_w")
    elseif key == "pad" then
      local p = split(value, ",")
      if #p == 4 then
        set("padding", "explicit", "pad")
        for i, f in ipairs({ "pad_top", "pad_bottom", "pad_left", "pad_right" }) do
          set(f, p[i], ("pad (%s)"):format(f:sub(5)))
        end
      elseif #p == 1 then
        set("padding", value, "pad")
      else
        failure.input(where, "pad must be same, valid or T,B,L,R (got '%s')", value)
      end
    elseif key == "act" then
      local p = split(value, ":")
      if p[1]:lower() == "clamp" and #p == 3 then
        set("activation", "clamp", "act")
        set("clamp_min", p[2], "act (clamp minimum)")
        set("clamp_max", p[3], "act (clamp maximum)")
      elseif #p == 1 and value:lower() ~= "clamp" then
        set("activation", value, "act")
      else
        failure.input(where, "act must be none, relu, relu6, hswish or clamp:MIN:MAX (got '%s')", value)
      end
    elseif key == "m" then
      set("multiplier", value, "m")
    else
      set(key, value, key)
    end
  end
  if raw.values.name == nil then set("name", ("layer%d"):format(index), "name") end
  return raw
end

return arg
