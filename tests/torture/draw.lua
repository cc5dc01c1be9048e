-- draw.lua - draw random layer configurations for the torture test.
--
--   lua5.4 tests/torture/draw.lua SEED N OUTDIR [dwgen|lua] [TARGET]
--
-- Writes into OUTDIR:
--   cases.c   the drawn cases (tests/torture/torture.h), each with a second
--             input size that only the configuration-specialized kernel serves;
--   dwgen.sh  (mode dwgen) runs "dwgen -o DIR --registry torture_registry"
--             with two --layer options per case: the shape-specialized and
--             the configuration-specialized ("in=*x*x*") kernel;
--   kernels/  (mode lua) the same kernels rendered directly through
--             gen/kernel_render.lua, plus kernels/registry.c;
--   wisdom/   (SIMD targets) kernel_TARGET_wisdom.lua: random loop-order
--             knobs for half the shape-specialized kernels, which dwgen
--             reads through --modules (mode lua: in place of the file).
-- TARGET is the generator's target (c, the default, avx2 or avx512): dwgen's
-- --target, or cfg.target in mode lua. For targets other than c, one draw
-- in 4 has M = 1 and a multiple of 8 channels (the draws for c are as
-- they always were).
-- The same SEED and N always draw the same cases (Lua 5.4's generator).

local seed, n, outdir, mode = tonumber(arg[1]), tonumber(arg[2]), arg[3], arg[4] or "dwgen"
local target = arg[5] or "c"
if not seed or not n or not outdir or not target:match("^[%w_]+$") then
    io.stderr:write("usage: draw.lua SEED N OUTDIR [dwgen|lua] [TARGET]\n")
    os.exit(2)
end
math.randomseed(seed)

local Bands = require("kernel_bands")

local PADDINGS = { "same", "valid", "explicit" }
local ACTIVATIONS = { "none", "relu", "relu6", "hswish", "clamp" }
local C_PADDING = { same = "DWGEN_PAD_SAME", valid = "DWGEN_PAD_VALID",
                    explicit = "DWGEN_PAD_EXPLICIT" }
local C_ACT = { none = "DWGEN_ACT_NONE", relu = "DWGEN_ACT_RELU", relu6 = "DWGEN_ACT_RELU6",
                hswish = "DWGEN_ACT_HSWISH", clamp = "DWGEN_ACT_CLAMP" }

local function pick(list)
    return list[math.random(#list)]
end

-- Output height and width of c at its size, or nil when one is below 1.
local function output_size(c)
    local oh = Bands.geometry(c.padding, c.in_h, c.kernel_h, c.stride_h, c.rate_h,
                              c.pad_top, c.pad_bottom)
    local ow = Bands.geometry(c.padding, c.in_w, c.kernel_w, c.stride_w, c.rate_w,
                              c.pad_left, c.pad_right)
    return oh and ow and oh >= 1 and ow >= 1
end

-- One configuration: kernel 1..9 per axis (one draw in 20: 10..31, with few
-- channels so the generic kernel stays quick), stride 1..3, rate 1..3,
-- every padding kind (explicit 0..4 per side), multiplier 1..4, C 1..70,
-- H and W 1..40, every activation (clamp bounds are multiples of 1/64, exact
-- in float and in decimal).
local function draw()
    while true do
        local big = math.random(20) == 1
        local c = {
            kernel_h = big and math.random(10, 31) or math.random(9),
            kernel_w = big and math.random(10, 31) or math.random(9),
            stride_h = math.random(3), stride_w = math.random(3),
            rate_h = math.random(3), rate_w = math.random(3),
            padding = pick(PADDINGS),
            pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0,
            multiplier = big and math.random(2) or math.random(4),
            activation = pick(ACTIVATIONS),
            in_h = math.random(40), in_w = math.random(40),
            channels = big and math.random(8) or math.random(70),
        }
        if target ~= "c" and math.random(4) == 1 then
            -- SIMD targets treat whole 8- or 16-channel tiles with M = 1
            -- specially (avx2: a second, shifted body for misaligned buffers)
            c.multiplier, c.channels = 1, 8 * math.random(big and 1 or 8)
        end
        if c.padding == "explicit" then
            c.pad_top, c.pad_bottom = math.random(0, 4), math.random(0, 4)
            c.pad_left, c.pad_right = math.random(0, 4), math.random(0, 4)
        end
        if c.activation == "clamp" then
            c.clamp_min = math.random(-192, 64) / 64
            c.clamp_max = c.clamp_min + math.random(0, 192) / 64
        end
        if output_size(c) then
            -- A second size for the configuration-specialized kernel.
            for _ = 1, 100 do
                local o = { in_h = math.random(40), in_w = math.random(40),
                            channels = big and math.random(8) or math.random(70) }
                setmetatable(o, { __index = c })
                if output_size(o) then
                    c.other = { in_h = o.in_h, in_w = o.in_w, channels = o.channels }
                    break
                end
            end
            c.other = c.other or { in_h = c.in_h, in_w = c.in_w, channels = c.channels }
            return c
        end
    end
end

-- The layer as dwgen's --layer option spells it; size "*" for any.
local function spec(c, any)
    local size = any and "*x*x*" or string.format("%dx%dx%d", c.in_h, c.in_w, c.channels)
    local pad = c.padding
    if pad == "explicit" then
        pad = string.format("%d,%d,%d,%d", c.pad_top, c.pad_bottom, c.pad_left, c.pad_right)
    end
    local act = c.activation
    if act == "clamp" then
        act = string.format("clamp:%.17g:%.17g", c.clamp_min, c.clamp_max)
    end
    return string.format("in=%s k=%dx%d s=%dx%d r=%dx%d pad=%s m=%d act=%s", size,
                         c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.rate_h, c.rate_w,
                         pad, c.multiplier, act)
end

-- A float constant in C: exact here, since the bounds are multiples of 1/64.
local function cfloat(v)
    local s = string.format("%.17g", v)
    if not s:find("[%.e]") then
        s = s .. ".0"
    end
    return s .. "f"
end

-- A dwgen_params initializer for c at size s (s.in_h == 0: any size).
local function params(c, s)
    local fields = {
        string.format(".in_h = %d, .in_w = %d, .channels = %d", s.in_h, s.in_w, s.channels),
        string.format(".kernel_h = %d, .kernel_w = %d", c.kernel_h, c.kernel_w),
        string.format(".stride_h = %d, .stride_w = %d", c.stride_h, c.stride_w),
        string.format(".rate_h = %d, .rate_w = %d", c.rate_h, c.rate_w),
        string.format(".padding = %s", C_PADDING[c.padding]),
        string.format(".pad_top = %d, .pad_bottom = %d, .pad_left = %d, .pad_right = %d",
                      c.pad_top, c.pad_bottom, c.pad_left, c.pad_right),
        string.format(".multiplier = %d, .activation = %s", c.multiplier, C_ACT[c.activation]),
    }
    if c.activation == "clamp" then
        fields[#fields + 1] = string.format(".clamp_min = %s, .clamp_max = %s",
                                            cfloat(c.clamp_min), cfloat(c.clamp_max))
    end
    fields[#fields + 1] = ".dtype = DWGEN_F32"
    return "{ " .. table.concat(fields, ",\n          ") .. " }"
end

local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
end

local cases = {}
for i = 1, n do
    cases[i] = draw()
end

-- SIMD targets: half the shape-specialized kernels take random loop-order
-- knobs (kernel_simd_plan's A.knobs) from a wisdom file of this draw
-- rather than the rule, so every order, block width, group, stacked rows
-- and (avx512) avx2's vectors meet odd shapes and row ranges. Drawn after
-- the cases, so a seed draws the same cases as before.
local wisdom = {}
if target ~= "c" then
    local A = require("kernel_simd_plan")
    local Isa = require("kernel_isa")
    for _, c in ipairs(cases) do
        if math.random(2) == 1 then
            local isa = Isa.of(target)
            local k = { order = pick({ "row", "tile", "pixel" }), G = math.random(2) }
            if isa.also and math.random(4) == 1 then
                k.isa = pick(isa.also)
                isa = Isa.of(k.isa)
            end
            k.P = math.random(isa.P_max)
            if k.order == "pixel" and math.random(3) == 1 then
                k.NG = math.random(4)
            end
            if math.random(2) == 1 then
                k.rows = math.random(2, 5)
            end
            wisdom[A.key(c)] = k
        end
    end
    os.execute("mkdir -p '" .. outdir .. "/wisdom'")
    write(outdir .. "/wisdom/kernel_" .. target .. "_wisdom.lua", A.wisdom_source(
          "-- Drawn by tests/torture/draw.lua " .. seed .. " " .. n .. ". Do not edit.\n", wisdom))
end

-- cases.c
local out = { "/* Drawn by tests/torture/draw.lua " .. seed .. " " .. n .. ". Do not edit. */",
              "#include \"torture.h\"", "",
              "const unsigned torture_seed = " .. seed .. "u;", "",
              "const torture_case torture_cases[] = {" }
for i, c in ipairs(cases) do
    out[#out + 1] = string.format("    { %d, \"%s\",\n      %s,\n      %s },", i, spec(c),
                                  params(c, c), params(c, c.other))
end
out[#out + 1] = "};"
out[#out + 1] = ""
out[#out + 1] = "const size_t torture_case_count = " .. n .. ";"
write(outdir .. "/cases.c", table.concat(out, "\n") .. "\n")

if mode == "dwgen" then
    -- One dwgen run for every kernel; the registry it writes lists them.
    local sh = { "#!/bin/sh", "# Drawn by tests/torture/draw.lua " .. seed .. " " .. n .. ".",
                 "# usage: dwgen.sh DWGEN OUTDIR", "exec \"$1\" -o \"$2\" --registry torture_registry \\" }
    if target ~= "c" then
        sh[#sh + 1] = "    --target " .. target .. " --modules \"$2/../wisdom\" \\"
    end
    for _, c in ipairs(cases) do
        sh[#sh + 1] = "    --layer '" .. spec(c) .. "' \\"
        sh[#sh + 1] = "    --layer '" .. spec(c, true) .. "' \\"
    end
    sh[#sh] = sh[#sh]:gsub(" \\$", "")
    write(outdir .. "/dwgen.sh", table.concat(sh, "\n") .. "\n")
else
    -- Without the dwgen binary: render the kernels here, and a registry.
    package.loaded["kernel_" .. target .. "_wisdom"] = wisdom
    local K = require("kernel_render")
    local render = require("template_plain").new("templates")
    local entries, protos = {}, {}
    for i, c in ipairs(cases) do
        for _, any in ipairs({ false, true }) do
            local cfg = setmetatable({ target = target }, { __index = c })
            local name = string.format("torture_%04d_%s", i, any and "any" or "shape")
            if any then
                cfg.in_h, cfg.in_w, cfg.channels = 0, 0, 0
            end
            local text, info = K.source(cfg, { name = name, pack_name = name .. "_pack",
                                               command = "draw.lua " .. spec(c, any),
                                               version = "torture", render = render })
            write(outdir .. "/kernels/" .. name .. ".c", text)
            local size = any and { in_h = 0, in_w = 0, channels = 0 } or c
            protos[#protos + 1] = "void " .. name .. "(const dwgen_params *, const dwgen_shape *, " ..
                                  "const float *, const float *, const float *, float *, int, int);"
            if info.pack then
                protos[#protos + 1] = "size_t " .. name .. "_pack(const dwgen_params *, " ..
                                      "const float *, float *);"
            end
            entries[#entries + 1] = string.format("    { %s, %s, %s, \"%s\", %s },",
                                                  params(c, size), name,
                                                  info.pack and name .. "_pack" or "NULL", name,
                                                  info.isa or "0")
        end
    end
    write(outdir .. "/kernels/registry.c", table.concat({
        "/* Written by tests/torture/draw.lua (mode lua). Do not edit. */",
        "#include \"dwgen.h\"", "", table.concat(protos, "\n"), "",
        "static const dwgen_kernel_entry entries[] = {", table.concat(entries, "\n"), "};", "",
        "const dwgen_registry torture_registry = { \"torture\", " .. #entries ..
        ", entries, 0, NULL };", "" }, "\n"))
end
