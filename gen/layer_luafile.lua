-- layer_luafile.lua - read a Lua layer file into raw layers.
--
--   return {
--     { name = "b1", input = {112, 112, 32}, kernel = {3, 3}, stride = 2,
--       rate = 1, padding = "SAME", multiplier = 1, activation = "relu6",
--       count = 1 },
--     ...
--   }
--
-- input = {H, W, C} or {"*", "*", "*"} (any size); kernel, stride, rate =
-- N or {N_h, N_w}; padding = "SAME" | "VALID" | {top, bottom, left, right};
-- activation = "none" | "relu" | "relu6" | "hswish" | {clamp = {min, max}};
-- rate, multiplier, count default to 1 and activation to "none".
--
-- The file is a program, so it runs in the sandbox (sandbox.c): no io, os,
-- require, load or debug, and bounded in instructions, memory and CPU time.
-- Only the plain data it returns comes back. Lua does not say on which line
-- a table was built, so a layer's line is the line of its `name = "..."`,
-- found in the text (best effort; otherwise messages name the layer's index).

local failure = require("failure")
local suggest = require("suggest")
local textfile = require("textfile")
local sandbox = require("dwgen.sandbox")

local luafile = {}

luafile.MAX_INSTRUCTIONS = 10 * 1000 * 1000
luafile.MAX_BYTES = 64 * 1024 * 1024
luafile.MAX_SECONDS = 5             -- of CPU time: no real layer file comes near

luafile.KEYS = { "name", "input", "kernel", "stride", "rate", "padding",
                 "multiplier", "activation", "count" }

local SPELLING = {
  name = "name", in_h = "input", in_w = "input", channels = "input",
  kernel_h = "kernel", kernel_w = "kernel", stride_h = "stride", stride_w = "stride",
  padding = "padding", clamp_min = "clamp minimum", clamp_max = "clamp maximum",
}

-- Lines of the `name = "..."` fields in the text, in order, per name.
-- (Linear time: a pattern starting with [%w_]* would be quadratic in a
-- long word.)
local function name_lines(text)
  local lines, line, last = {}, 1, 1
  for pos, name in text:gmatch("()name%s*=%s*[\"']([^\"'\n]*)[\"']") do
    if pos == 1 or not text:sub(pos - 1, pos - 1):match("[%w_]") then
      local _, nl = text:sub(last, pos):gsub("\n", "")
      line, last = line + nl, pos + 1
      lines[name] = lines[name] or {}
      table.insert(lines[name], line)
    end
  end
  return lines
end

-- Is t a sequence of exactly n values and nothing else?
local function is_tuple(t, n)
  if type(t) ~= "table" or #t ~= n then return false end
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

-- Fill raw from one layer table `t`.
local function convert(t, raw)
  local where = raw.where
  local function set(field, value, label)
    raw.values[field], raw.labels[field] = value, label
  end
  -- N or {N_h, N_w} into two fields.
  local function pair(key, f1, f2)
    local v = t[key]
    if v == nil then return end
    if type(v) == "table" then
      if not is_tuple(v, 2) then
        failure.input(where, "%s must be a number or {%s, %s}", key, f1, f2)
      end
      set(f1, v[1], key .. "[1]")
      set(f2, v[2], key .. "[2]")
    else
      set(f1, v, key)
      set(f2, v, key)
    end
  end

  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then
      failure.input(where, "layer tables have named fields only (found the key %s)", tostring(k))
    end
    keys[#keys + 1] = k
  end
  table.sort(keys)      -- pairs() order varies from run to run; messages must not
  for _, k in ipairs(keys) do
    local known = false
    for _, key in ipairs(luafile.KEYS) do known = known or key == k end
    if not known then
      failure.input(where, "unknown field '%s'%s", k, suggest.hint(k, luafile.KEYS))
    end
  end
  set("name", t.name, "name")
  if t.input == "*" then
    t.input = { "*", "*", "*" }
  end
  if t.input ~= nil then
    if not is_tuple(t.input, 3) then
      failure.input(where, "input must be {height, width, channels}")
    end
    set("in_h", t.input[1], "input[1]")
    set("in_w", t.input[2], "input[2]")
    set("channels", t.input[3], "input[3]")
  end
  pair("kernel", "kernel_h", "kernel_w")
  pair("stride", "stride_h", "stride_w")
  pair("rate", "rate_h", "rate_w")
  if type(t.padding) == "table" then
    if not is_tuple(t.padding, 4) then
      failure.input(where, "padding must be \"SAME\", \"VALID\" or {top, bottom, left, right}")
    end
    set("padding", "explicit", "padding")
    for i, f in ipairs({ "pad_top", "pad_bottom", "pad_left", "pad_right" }) do
      set(f, t.padding[i], ("padding[%d]"):format(i))
    end
  else
    set("padding", t.padding, "padding")
  end
  set("multiplier", t.multiplier, "multiplier")
  set("count", t.count, "count")
  if type(t.activation) == "table" then
    local c = t.activation.clamp
    local only_clamp = next(t.activation, next(t.activation)) == nil
    if not only_clamp or not is_tuple(c, 2) then
      failure.input(where, "activation must be a name or {clamp = {min, max}}")
    end
    set("activation", "clamp", "activation")
    set("clamp_min", c[1], "activation.clamp[1]")
    set("clamp_max", c[2], "activation.clamp[2]")
  else
    set("activation", t.activation, "activation")
  end
end

-- The raw layers of one Lua layer file (see layer_spec.lua).
function luafile.read(path)
  local text = textfile.read(path)
  local list, err, kind = sandbox.run(text, "@" .. path, luafile.MAX_INSTRUCTIONS,
                                      luafile.MAX_BYTES, luafile.MAX_SECONDS)
  if kind == "syntax" or kind == "runtime" then failure.input(nil, "%s", err) end
  if kind then failure.input(path, "%s", err) end
  if type(list) ~= "table" then
    failure.input(path, "the file must return a list of layer tables (it returned %s)",
                  list == nil and "nothing" or "a " .. type(list))
  end
  local n, extra = #list, {}
  for k in pairs(list) do
    if math.type(k) ~= "integer" or k < 1 or k > n then extra[#extra + 1] = tostring(k) end
  end
  table.sort(extra)
  if #extra > 0 then
    failure.input(path, "the returned table must be a plain list of layers (found the key %s)",
                  extra[1])
  end
  if n == 0 then failure.input(path, "no layers (the returned list is empty)") end

  local lines, seen = name_lines(text), {}
  local layers = {}
  for i, t in ipairs(list) do
    local label = ("layer %d"):format(i)
    local line
    if type(t) == "table" and type(t.name) == "string" then
      label = ("layer %d (%s)"):format(i, t.name)
      seen[t.name] = (seen[t.name] or 0) + 1
      line = lines[t.name] and lines[t.name][seen[t.name]]
    end
    local raw = { values = {}, labels = {}, spelling = SPELLING }
    raw.source = line and ("%s:%d"):format(path, line) or ("%s: %s"):format(path, label)
    raw.where = line and ("%s:%d: %s"):format(path, line, label) or raw.source
    if type(t) ~= "table" then
      failure.input(raw.where, "must be a table (got a %s)", type(t))
    end
    convert(t, raw)
    layers[i] = raw
  end
  return layers
end

return luafile
