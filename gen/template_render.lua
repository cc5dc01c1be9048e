-- template_render.lua - render templates/*.in with Penlight's pl.template.
--
-- Template syntax (as in XNNPACK's templates): a line starting with `$` is
-- Lua code, every other line is output with `${expr}` replaced by its value.
-- C's `#` lines stay output. A template sees only the variables its caller
-- passes plus ipairs, pairs, string, table, math, tostring, tonumber,
-- select, type, error and assert; reading any other name is an error
-- (pl.template would print nil as "", which would hide a typo in C).
--
-- Errors name the template file and line. pl.template compiles a template
-- into Lua whose line numbers differ from the template's, so before
-- compiling we tag each code line and each ${...} with a comment holding its
-- template line, and map the compiled chunk's line numbers back through
-- those tags.

local template = require("pl.template")
local host = require("dwgen.host")
local failure = require("failure")

local render = {}

-- The chunk name of every compiled template: short, so that Lua never
-- shortens it to "...tail" in a message (it does past 60 characters, and a
-- template path can be longer); template_error puts the path back.
local CHUNK = "dwgen-template"

local STANDARD = { "ipairs", "pairs", "string", "table", "math", "tostring",
                   "tonumber", "select", "type", "error" }

-- assert, raising at the template line that called it.
local function template_assert(v, msg, ...)
  if not v then error(msg or "assertion failed!", 2) end
  return v, msg, ...
end

-- The template text with a --[[@N]] tag on every code line and in every
-- ${...}, N being the template line. The tags are comments: output is unchanged.
local function tag_lines(text)
  local out, pos, n = {}, 1, 0
  while pos <= #text do
    local e = text:find("\n", pos, true) or #text + 1
    local line = text:sub(pos, e - 1)
    n = n + 1
    local tag = (" --[[@%d]]"):format(n)
    if line:sub(1, 1) == "$" then
      line = line .. tag
    else
      line = line:gsub("%$(%b{})", function(b) return "${" .. b:sub(2, -2) .. tag .. "}" end)
    end
    out[#out + 1] = line .. text:sub(e, e)
    pos = e + 1
  end
  return table.concat(out)
end

-- For each line of the compiled code, the template line it came from.
local function line_map(code)
  local map, current, g = {}, 1, 0
  for line in (code .. "\n"):gmatch("([^\n]*)\n") do
    g = g + 1
    current = tonumber(line:match("%-%-%[%[@(%d+)%]%]")) or current
    map[g] = current
  end
  return map
end

-- A template error as "FILE:LINE: message", with compiled lines mapped back.
local function template_error(path, msg, code)
  msg = type(msg) == "string" and msg or ("error value " .. tostring(msg))
  local map = code and line_map(code) or {}
  local prefix = path:gsub("%p", "%%%0")
  msg = msg:gsub(CHUNK:gsub("%p", "%%%0") .. ":(%d+):", function(g)
    return ("%s:%d:"):format(path, map[tonumber(g)] or tonumber(g))
  end)
  local first, trace = msg:match("^(.-)\nstack traceback:\n(.*)$")
  first = (first or msg):gsub("at line (%d+)%)", function(g)
    return ("at line %d)"):format(map[tonumber(g)] or tonumber(g))
  end)
  if first:sub(1, #path + 1) ~= path .. ":" then
    -- Raised in a helper the template called: name the template line too.
    local frame = (trace or ""):match(prefix .. ":%d+:")
    first = (frame and frame .. " " or path .. ": ") .. first
  end
  failure.other("%s", first)
end

-- Find a template: DIR/FILE when --templates DIR has it, else the built-in.
-- Returns its text and the path messages use.
local function find(file, dir)
  if not file:match("^[%w_.%-]+$") or file:match("^%.") then
    failure.other("bad template name '%s'", file)
  end
  if dir then
    local path = dir .. "/" .. file
    local f = io.open(path, "rb")
    if f then
      local text = f:read("a")
      f:close()
      if text then return text, path end
    end
  end
  local text, path = host.embedded("template:" .. file)
  if not text then failure.other("no template '%s' in dwgen%s", file, dir and " or in " .. dir or "") end
  return text, path
end

-- A function(file, env) -> text that renders templates, looking in `dir`
-- first when given (--templates DIR).
function render.new(dir)
  return function(file, env)
    local text, path = find(file, dir)
    local scope = setmetatable({ assert = template_assert }, {
      __index = function(_, k) error(("undefined name '%s'"):format(tostring(k)), 2) end,
    })
    for _, k in ipairs(STANDARD) do scope[k] = _G[k] end
    for k, v in pairs(env or {}) do scope[k] = v end
    local ct, err, code = template.compile(tag_lines(text), {
      chunk_name = "@" .. CHUNK, escape = "$", inline_escape = "$",
      inline_brackets = "{}", debug = true,
    })
    if not ct then template_error(path, err, code) end
    local out, rerr = ct:render(scope)
    if not out then template_error(path, rerr, ct.code) end
    return out
  end
end

return render
