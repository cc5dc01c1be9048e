-- template_plain.lua - render templates the way the dwgen host does, from
-- plain lua5.4 with Penlight (no dwgen host, no line mapping in errors):
-- for scripts that run outside dwgen, the SIMD tuner
-- (gen/kernel_simd_tune.lua) and the torture test's fallback when
-- build/bin/dwgen is not built, and for trying a template without
-- rebuilding dwgen.
--
--   local render = require("template_plain").new("templates")
--   local text = render("kernel_c.c.in", env)
--
-- Same rules as gen/template_render.lua: "$" starts a Lua line, ${expr} is
-- substituted, and reading a name the environment lacks is an error.
local template = require("pl.template")

local R = {}

local STANDARD = { "ipairs", "pairs", "string", "table", "math", "tostring",
                   "tonumber", "select", "type", "error", "assert" }

function R.new(dir)
    local cache = {}
    return function(file, env)
        local text = cache[file]
        if not text then
            local f = assert(io.open(dir .. "/" .. file, "rb"))
            text = f:read("a")
            f:close()
            cache[file] = text
        end
        local scope = setmetatable({}, {
            __index = function(_, k) error(("undefined name '%s'"):format(tostring(k)), 2) end,
        })
        for _, k in ipairs(STANDARD) do
            scope[k] = _G[k]
        end
        for k, v in pairs(env) do
            scope[k] = v
        end
        local ct, err = template.compile(text, { chunk_name = "@" .. dir .. "/" .. file,
                                                 escape = "$", inline_escape = "$",
                                                 inline_brackets = "{}" })
        if not ct then
            error(err, 0)
        end
        local out, rerr = ct:render(scope)
        if not out then
            error(rerr, 0)
        end
        return out
    end
end

return R
