-- kernel_render.lua - the C source of one specialized kernel.
--
--   local K = require("kernel_render")
--   local text, info = K.source(cfg, ctx)
--
-- cfg is one layer configuration (see check below); ctx gives the names
-- and the template renderer: { name, pack_name, command, version,
-- render = function(template_file, env) -> string }. The layout decisions
-- live in kernel_plan.lua, the band arithmetic in kernel_bands.lua, the C
-- text in templates/kernel_c.c.in; this module checks the configuration,
-- works out which declarations and helpers the kernel needs, and writes
-- the header comment.
--
-- cfg.target picks the target (default "c"):
--   c     portable C99 (templates/kernel_c.c.in, kernel_plan.lua);
--   avx2, avx512  x86-64 SIMD intrinsics (templates/kernel_simd.c.in,
--         kernel_simd_plan.lua, kernel_simd_code.lua, kernel_isa.lua) for
--         shape-specialized kernels, with a pack function; a
--         configuration-specialized (`__any`) kernel of these targets is the
--         portable C body (its header says so).

local Plan = require("kernel_plan")
local Bands = require("kernel_bands")
local SimdPlan = require("kernel_simd_plan")
local SimdCode = require("kernel_simd_code")
local Isa = require("kernel_isa")

local K = {}

-- One template per target.
K.TEMPLATES = { c = "kernel_c.c.in", avx2 = "kernel_simd.c.in", avx512 = "kernel_simd.c.in" }

local ACTIVATIONS = {
    none = "no activation",
    relu = "ReLU max(x, 0)",
    relu6 = "ReLU6 min(max(x, 0), 6)",
    hswish = "hard swish x * relu6(x + 3) / 6",
    clamp = "clamp",
}
local PADDINGS = { same = "SAME", valid = "VALID", explicit = "EXPLICIT" }

-- cfg.key as an integer within [min, max], or an error naming the key.
local function int_field(cfg, key, min, max)
    local v = math.tointeger(cfg[key])
    if v == nil or v < min or (max and v > max) then
        error(string.format("kernel configuration: %s = %s is not an integer in [%d, %s]",
                            key, tostring(cfg[key]), min, max and tostring(max) or "..."), 0)
    end
    return v
end

-- A float as a C literal that reads back as the same float: the value is
-- rounded to float first, then printed with 9 significant digits.
local function float_literal(v)
    v = string.unpack("f", string.pack("f", v))
    if v == math.huge then
        return "INFINITY"
    elseif v == -math.huge then
        return "-INFINITY"
    end
    local s = string.format("%.9g", v)
    if not s:find("[%.eE]") then
        s = s .. ".0"
    end
    return s .. "f"
end
K.float_literal = float_literal

-- A checked copy of cfg with integers as integers and the derived sizes.
local function check(cfg)
    local c = {}
    local INT_MAX = 0x7fffffff
    for _, key in ipairs({ "in_h", "in_w", "channels" }) do
        c[key] = int_field(cfg, key, 0, INT_MAX)
    end
    for _, key in ipairs({ "kernel_h", "kernel_w", "stride_h", "stride_w", "rate_h",
                           "rate_w", "multiplier" }) do
        c[key] = int_field(cfg, key, 1, 0xffff)
    end
    for _, key in ipairs({ "pad_top", "pad_bottom", "pad_left", "pad_right" }) do
        c[key] = int_field(cfg, key, 0, 0xffff)
    end
    c.padding, c.activation, c.dtype = cfg.padding, cfg.activation, cfg.dtype or "f32"
    c.target = cfg.target or "c"
    if not PADDINGS[c.padding] then
        error("kernel configuration: unknown padding " .. tostring(c.padding), 0)
    end
    if not ACTIVATIONS[c.activation] then
        error("kernel configuration: unknown activation " .. tostring(c.activation), 0)
    end
    if c.dtype ~= "f32" then
        error("kernel configuration: unsupported dtype " .. tostring(c.dtype), 0)
    end
    if not K.TEMPLATES[c.target] then
        error("kernel configuration: unknown target " .. tostring(c.target), 0)
    end
    if c.activation == "clamp" then
        c.clamp_min, c.clamp_max = tonumber(cfg.clamp_min), tonumber(cfg.clamp_max)
        if not c.clamp_min or not c.clamp_max or c.clamp_min ~= c.clamp_min or
           c.clamp_max ~= c.clamp_max or c.clamp_min > c.clamp_max then
            error("kernel configuration: clamp needs numbers clamp_min <= clamp_max", 0)
        end
    end
    if c.padding ~= "explicit" then
        -- Only explicit pads are part of a configuration-specialized key.
        if c.in_h == 0 then
            c.pad_top, c.pad_bottom, c.pad_left, c.pad_right = 0, 0, 0, 0
        end
    end
    local fixed = c.in_h > 0
    if fixed ~= (c.in_w > 0) or fixed ~= (c.channels > 0) then
        error("kernel configuration: in_h, in_w and channels must be all fixed or all 0", 0)
    end
    if fixed then
        local oh, pt, pb = Bands.geometry(c.padding, c.in_h, c.kernel_h, c.stride_h,
                                          c.rate_h, c.pad_top, c.pad_bottom)
        local ow, pl, pr = Bands.geometry(c.padding, c.in_w, c.kernel_w, c.stride_w,
                                          c.rate_w, c.pad_left, c.pad_right)
        if not oh or not ow then
            error("kernel configuration: the output would be empty", 0)
        end
        local given = { out_h = oh, out_w = ow, pad_top = pt, pad_bottom = pb,
                        pad_left = pl, pad_right = pr }
        for key, v in pairs(given) do
            local g = math.tointeger(cfg[key])
            if g and g ~= 0 and g ~= v then
                error(string.format("kernel configuration: %s = %d, but the layer gives %d",
                                    key, g, v), 0)
            end
            c[key] = v
        end
        if c.in_h * c.in_w * c.channels * c.multiplier > INT_MAX or
           oh * ow * c.channels * c.multiplier > INT_MAX then
            error("kernel configuration: one image must have fewer than 2^31 elements", 0)
        end
    else
        c.out_h, c.out_w = 0, 0
    end
    return c
end

-- Wrap words into lines of at most width characters.
local function wrap(text, width, lead)
    local lines, line = {}, ""
    for word in text:gmatch("%S+") do
        if line ~= "" and #line + 1 + #word > width then
            lines[#lines + 1] = line
            line = lead .. word
        else
            line = line == "" and word or line .. " " .. word
        end
    end
    lines[#lines + 1] = line
    return lines
end

-- The header comment's description of the layer and the kernel; layout
-- is the text of the last paragraph (the C target's when nil).
local function about(c, plan, layout)
    local taps = c.kernel_h * c.kernel_w
    local act = ACTIVATIONS[c.activation]
    if c.activation == "clamp" then
        act = "clamp to [" .. float_literal(c.clamp_min) .. ", " ..
              float_literal(c.clamp_max) .. "]"
    end
    local pads = PADDINGS[c.padding] .. " padding"
    if c.padding == "explicit" then
        pads = pads .. string.format(" (top %d, bottom %d, left %d, right %d)",
                                     c.pad_top, c.pad_bottom, c.pad_left, c.pad_right)
    end
    local text = {
        string.format("Layer: %dx%d depthwise convolution, stride %dx%d, rate %dx%d, %s, " ..
                      "channel multiplier %d, %s.", c.kernel_h, c.kernel_w, c.stride_h,
                      c.stride_w, c.rate_h, c.rate_w, pads, c.multiplier, act),
    }
    if c.in_h > 0 then
        text[#text + 1] = string.format("Shape: input %dx%dx%d, output %dx%dx%d; effective " ..
                                        "padding top %d, bottom %d, left %d, right %d.",
                                        c.in_h, c.in_w, c.channels, c.out_h, c.out_w,
                                        c.channels * c.multiplier, c.pad_top, c.pad_bottom,
                                        c.pad_left, c.pad_right)
    else
        text[#text + 1] = "Shape: any. Input height, width and channels are read from params " ..
                          "at run time, the output size and effective padding from shape."
    end
    text[#text + 1] = string.format("Cost: %d taps, %d FLOPs per output element (a multiply " ..
                                    "and an add per tap), plus bias and activation.", taps,
                                    2 * taps)
    local layouts = {
        "every row and column band fixed, each with its live taps unrolled",
        "border rows dynamic (live kernel rows found per row), every column band fixed",
        "only the padding-free block fixed; border rows and columns dynamic",
    }
    text[#text + 1] = layout or
                      string.format("Layout %d: %s; %d row bands x %d column bands, cost %d " ..
                                    "(budget %d; rule in the template).", plan.layout,
                                    layouts[plan.layout], #plan.rows, #plan.cols, plan.cost,
                                    Plan.BUDGET)
    local lines = {}
    for i, t in ipairs(text) do
        if i > 1 then
            lines[#lines + 1] = ""
        end
        for _, l in ipairs(wrap(t, 74, "  ")) do
            lines[#lines + 1] = l
        end
    end
    return lines
end

-- Every identifier the kernel body uses, as a set.
local function body_names(plan, act)
    local parts = {}
    local function add(s)
        parts[#parts + 1] = s
    end
    for _, R in ipairs(plan.rows) do
        add(R.clip_first)
        add(R.clip_stop)
        if R.dynamic then
            add("first_tap end_tap " .. R.row_pos .. " " .. plan.d.in_h)
        end
        for _, Q in ipairs(R.blocks) do
            add(Q.first .. " " .. Q.stop .. " y b " .. plan.d.out_w .. " " .. plan.d.out_c)
            if Q.style ~= "none" then
                add("x w " .. plan.d.in_w .. " " .. plan.d.ch)
            end
            for _, key in ipairs({ "xrow", "xcol", "wrow", "wtap", "col_pos" }) do
                add(Q[key] or "")
            end
            for _, t in ipairs(Q.taps or {}) do
                add(t.expr)
            end
            if Q.style == "taps" then
                add("first_tap end_tap " .. plan.d.in_w)
            end
        end
    end
    local set = {}
    for name in table.concat(parts, " "):gmatch("[%a_][%w_]*") do
        set[name] = true
    end
    set.activate = act ~= "none"
    return set
end

-- Declarations at the top of the kernel: { name, text, needs-list }, in
-- order; only those the body (or a later kept declaration) uses are kept.
local function declarations(c, plan)
    local d = plan.d
    local list = {
        { "w", "const float *w = weights;" },
        { "b", "const float *b = bias;" },
        { "x", "const float *x = input;" },
        { "y", "float *y = output;" },
    }
    local function add(name, text)
        list[#list + 1] = { name, text }
    end
    if plan.fixed then
        add("dy", string.format("const ptrdiff_t dy = %d; /* input step between kernel rows */",
                                c.rate_h * c.in_w * c.channels))
        add("dx", string.format("const ptrdiff_t dx = %d; /* input step between kernel " ..
                                "columns */", c.rate_w * c.channels))
    else
        add("in_h", "const int in_h = params->in_h;")
        add("in_w", "const int in_w = params->in_w;")
        add("ch", "const int ch = params->channels;")
        add("out_h", "const int out_h = shape->out_h;")
        add("out_w", "const int out_w = shape->out_w;")
        add("out_c", "const int out_c = shape->out_c;")
        add("pad_top", "const int pad_top = shape->pad_top;")
        add("pad_left", "const int pad_left = shape->pad_left;")
        add("dy", string.format("const ptrdiff_t dy = (ptrdiff_t)%s; /* input step between " ..
                                "kernel rows */", Plan.lin({ { c.rate_h, "in_w * ch" } })))
        add("dx", string.format("const ptrdiff_t dx = %s; /* input step between kernel " ..
                                "columns */", Plan.lin({ { c.rate_w, "ch" } })))
        -- The padding-free outputs of each axis: [*_full_begin, *_full_end).
        for _, axis in ipairs({ { plan.row_vars, d.pad_top, c.stride_h, c.rate_h, c.kernel_h,
                                  "in_h", "out_h" },
                                { plan.col_vars, d.pad_left, c.stride_w, c.rate_w, c.kernel_w,
                                  "in_w", "out_w" } }) do
            local vars, pad, s, r, k, size, out = table.unpack(axis)
            if vars.begin then
                add(vars.begin, string.format("const int %s = full_begin(%s, %d, %s);",
                                              vars.begin, pad, s, out))
            end
            if vars.stop then
                add(vars.stop, string.format("const int %s = full_end(%s, %s, %d, %d, %d, %s, %s);",
                                             vars.stop, size, pad, s, r, k, out, vars.first))
            end
        end
    end
    return list
end

-- The environment the template sees.
local function environment(c, ctx, plan)
    local d = plan.d
    local m = c.multiplier
    local oc = d.oc
    local function activate(expr)
        if c.activation == "none" then
            return expr
        end
        return "activate(" .. expr .. ")"
    end
    -- "y += b;" or "y = activate(y + b);": the last step of an accumulated output.
    local function finish(target, bias)
        if c.activation == "none" then
            return target .. " += " .. bias
        end
        return target .. " = activate(" .. target .. " + " .. bias .. ")"
    end
    -- Row loops start at row_begin and end at row_end, clipped to the band.
    for _, R in ipairs(plan.rows) do
        R.clip_first = R.first == "0" and "row_begin" or "imax(row_begin, " .. R.first .. ")"
        R.clip_stop = R.stop == d.out_h and "row_end" or "imin(row_end, " .. R.stop .. ")"
    end
    local used = body_names(plan, c.activation)
    -- Keep the declarations used, walking backwards so a kept declaration
    -- keeps what it uses.
    local decls = declarations(c, plan)
    local keep = {}
    for k = #decls, 1, -1 do
        local name, text = decls[k][1], decls[k][2]
        if used[name] then
            keep[k] = true
            local value = text:gsub("/%*.-%*/", ""):gsub("^[^=]*=", "")
            for n in value:gmatch("[%a_][%w_]*") do
                used[n] = true
            end
        end
    end
    local preamble = {}
    for k, decl in ipairs(decls) do
        if keep[k] then
            preamble[#preamble + 1] = decl[2]
        end
    end
    local unused = {}
    for _, p in ipairs({ "params", "shape", "weights", "input" }) do
        if not used[p] then
            unused[#unused + 1] = p
        end
    end
    local uses = {
        imin = used.imin, imax = used.imax, first_tap = used.first_tap,
        full_begin = used.full_begin, full_end = used.full_end,
    }
    local clamp_min, clamp_max
    if c.activation == "clamp" then
        clamp_min, clamp_max = float_literal(c.clamp_min), float_literal(c.clamp_max)
    end
    return {
        target = c.target, dtype = c.dtype, version = ctx.version, name = ctx.name,
        command = wrap("Command: " .. (ctx.command or ""):gsub("%*/", "* /"), 74, "    "),
        about = about(c, plan), plan = plan, d = d, M = m, oc = oc,
        oc_count = m == 1 and d.ch or d.out_c,
        more = m == 1 and "" or "    ", -- the extra indent inside the multiplier loop
        yo = m == 1 and "yp[c]" or "yc[m]", -- the output and bias inside that loop
        bo = m == 1 and "b[c]" or "bc[m]",
        act = c.activation, activate = activate, finish = finish,
        clamp_min = clamp_min, clamp_max = clamp_max,
        uses_infinity = clamp_min ~= nil and (clamp_min .. clamp_max):find("INFINITY") ~= nil,
        uses = uses, preamble = preamble, unused = unused,
    }
end

-- The header paragraph of a SIMD kernel: its plan in words.
local function simd_words(plan, target)
    local ch, k = plan.ch, plan.knobs
    local orders = {
        row = "for each output row, each tile group with its weights in registers, then " ..
              "the row's pixel blocks",
        tile = "for each tile group, its weights in registers, every row's pixel blocks",
        pixel = "for each output row and pixel block, every tile group in turn",
    }
    local layouts = { "every row and column band fixed", "border rows dynamic",
                      "border rows and columns dynamic" }
    local tail = ch.tiles - ch.count * ch.L
    local isa = plan.isa.words
    if plan.isa.name ~= target then
        isa = isa .. " (measured faster for this layer than the " .. target ..
              " set's own vectors: gen/kernel_" .. target .. "_wisdom.lua)"
    end
    return string.format("Target %s: %s, %d tiles (%d groups of %d in a loop%s). Loop order %s " ..
                         "(%s): %s%s; blocks of %d output pixels, %d tile%s per block; weights " ..
                         "%s.%s Layout %d: %s; %d row bands x %d column bands, %d FMA " ..
                         "statements (budget %d).", target, isa, ch.tiles,
                         ch.count, ch.L,
                         tail > 0 and string.format(", %d more unrolled", tail) or "",
                         k.order, k.from == "rule" and "default rule" or "from the wisdom file",
                         orders[k.order],
                         (k.rows or 1) > 1 and string.format(", each unit for %d output rows " ..
                         "in turn (rows stacked)", k.rows) or "", k.P, ch.G, ch.G > 1 and "s" or "",
                         plan.resident and "and bias held in registers per tile group" or
                         "loaded where used",
                         plan.shifted and " A second body, for input and output 16 bytes " ..
                         "past a 32-byte boundary, shifts the tiles by 4 channels so its " ..
                         "vectors are aligned." or "", plan.layout, layouts[plan.layout], #plan.rows,
                         #plan.cols, plan.cost, plan.isa.budget)
end

-- The environment of templates/kernel_simd.c.in.
local function simd_environment(c, ctx, plan)
    local clamp_min, clamp_max
    if c.activation == "clamp" then
        clamp_min, clamp_max = float_literal(c.clamp_min), float_literal(c.clamp_max)
    end
    local code = SimdCode.body(plan, c.activation, clamp_min, clamp_max)
    local uses = code.uses
    local text = table.concat(code.lines, "\n")
    local function mentions(name)
        return text:find("%f[%w_]" .. name .. "%f[^%w_]") ~= nil
    end
    uses.x, uses.w = mentions("x"), mentions("w")
    local unused = { "params", "shape" }
    if not uses.x then
        unused[#unused + 1] = "input"
    end
    if not uses.w then
        unused[#unused + 1] = "weights"
    end
    return {
        target = c.target, dtype = c.dtype, version = ctx.version, name = ctx.name,
        pack_name = ctx.pack_name,
        command = wrap("Command: " .. (ctx.command or ""):gsub("%*/", "* /"), 74, "    "),
        about = about(c, plan, simd_words(plan, c.target)), d = plan.d, tiles = plan.ch.tiles,
        isa = plan.isa, V = plan.V,
        shift_tiles = plan.shifted and plan.shifted.tiles or 0,
        -- the alignment pad, the tiles, then the shifted body's 8-float tiles
        total = plan.V + (plan.ch.tiles * plan.V +
                          (plan.shifted and plan.shifted.tiles * 8 or 0)) * plan.d.taps,
        consts = code.consts, body = code.lines, uses = uses, unused = unused,
    }
end

-- The text of the kernel's .c file and what the generator records about it.
function K.source(cfg, ctx)
    local c = check(cfg)
    local taps = c.kernel_h * c.kernel_w
    if Isa.of(c.target) and c.in_h > 0 then
        local plan = SimdPlan.make(c)
        local text = ctx.render(K.TEMPLATES[c.target], simd_environment(c, ctx, plan))
        return text, { pack = true, taps = taps, flops_per_output = 2 * taps,
                       layout = plan.layout, cost = plan.cost, isa = plan.isa.cpu_bits }
    end
    local plan = Plan.make(c)
    local env = environment(c, ctx, plan)
    if c.target ~= "c" then
        -- A configuration-specialized kernel of another target: the
        -- portable C body, said so in its header.
        env.target = "c"
        env.about[#env.about + 1] = ""
        for _, l in ipairs(wrap("Target " .. c.target .. ": configuration-specialized " ..
                                "kernels of this target are the portable C body of " ..
                                "templates/kernel_c.c.in (only shape-specialized kernels " ..
                                "use the " .. c.target .. " template).", 74, "  ")) do
            env.about[#env.about + 1] = l
        end
    end
    local text = ctx.render(K.TEMPLATES.c, env)
    return text, { pack = false, taps = taps, flops_per_output = 2 * taps,
                   layout = plan.layout, cost = plan.cost }
end

return K
