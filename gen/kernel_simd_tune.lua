-- kernel_simd_tune.lua - measure a SIMD target's loop orders on this
-- machine and write its wisdom file (gen/kernel_TARGET_wisdom.lua).
--
--   make tune TUNE_TARGET=avx512 MODELS="models/a.tsv ..."   (bench/peers.mk)
--   lua5.4 gen/kernel_simd_tune.lua [--target avx2|avx512] [--dir D] [--cc CC]
--       [--cflags F] [--lib LIBDWGEN] [--include RUNTIME_DIR] [--templates DIR]
--       [--rounds N] [--min-gain G] [--offset BYTES] [--out WISDOM] LAYER_FILE.tsv...
--
-- A standalone script (plain lua5.4 with Penlight; LUA_PATH must find
-- gen/), not used by dwgen itself. For each distinct shape-specialized
-- configuration of the layer files it renders the kernel with every
-- candidate (order, P, G), the default rule's choice first; compiles them
-- with one harness (templates/kernel_simd_tune.c.in) that checks each
-- against the generic kernel and times them interleaved, round by round;
-- and keeps a candidate when the median of its same-round speedups over
-- the rule's choice is at least 1 + min-gain (default 0.05). The wisdom
-- file is rewritten with the kept choices (entries of configurations not
-- measured in this run are kept as they were), sorted by key, each with
-- its measured gain and the CPU as a comment: generation stays
-- deterministic, the measurement is a separate, explicit step.

local K = require("kernel_render")
local A = require("kernel_simd_plan")
local Isa = require("kernel_isa")
local tsv = require("layer_tsv")
local spec = require("layer_spec")
local emit = require("registry_emit")
local failure = require("failure")

-- offset: bytes past a 64-byte boundary at which the harness places the
-- input and output (0, as the benchmark does by default).
local opt = { target = "avx2", dir = "", cc = "cc", cflags = "-O3 -march=native", lib =
              "build/lib/libdwgen.a", include = "runtime", templates = "templates",
              rounds = 15, min_gain = 0.05, offset = 0, out = "", files = {} }

local i = 1
while i <= #arg do
    local a = arg[i]
    local key = a:match("^%-%-([%w-]+)$")
    if key then
        key = key:gsub("-", "_")
        if opt[key] == nil or key == "files" then
            io.stderr:write("kernel_simd_tune: unknown option " .. a .. "\n")
            os.exit(2)
        end
        i = i + 1
        opt[key] = type(opt[key]) == "number" and tonumber(arg[i]) or arg[i]
    else
        opt.files[#opt.files + 1] = a
    end
    i = i + 1
end

local isa = Isa.of(opt.target)
if not isa then
    io.stderr:write("kernel_simd_tune: --target must be avx2 or avx512, not " .. opt.target .. "\n")
    os.exit(2)
end
if opt.dir == "" then
    opt.dir = "build/tune-" .. isa.name
end
if opt.out == "" then
    opt.out = "gen/kernel_" .. isa.name .. "_wisdom.lua"
end
local Wisdom = A.wisdom(isa)

-- Paths handed to the compiler run in a subfolder: made absolute.
local function absolute(path)
    if path:sub(1, 1) == "/" then
        return path
    end
    return (os.getenv("PWD") or ".") .. "/" .. path
end
opt.include, opt.lib, opt.dir = absolute(opt.include), absolute(opt.lib), absolute(opt.dir)

-- The candidates per target: (order, P, G) and maybe NG and rows (see
-- kernel_simd_plan); G = 2 with M > 1 means a whole super-tile per unit,
-- sharing its input loads. avx512 has twice the registers, so wider blocks.
local CANDIDATES = {
    avx2 = {
        { order = "pixel", P = 5, G = 1 }, { order = "pixel", P = 4, G = 2 },
        { order = "pixel", P = 5, G = 1, NG = 8 }, { order = "pixel", P = 4, G = 2, NG = 4 },
        { order = "row", P = 5, G = 1 }, { order = "row", P = 4, G = 2 },
        { order = "row", P = 8, G = 1 }, { order = "tile", P = 4, G = 1 },
        { order = "tile", P = 4, G = 2 },
        { order = "pixel", P = 5, G = 1, rows = 2 }, { order = "pixel", P = 4, G = 2, rows = 2 },
        { order = "row", P = 5, G = 1, rows = 3 },
    },
    avx512 = {
        { order = "pixel", P = 4, G = 1 }, { order = "pixel", P = 8, G = 1 },
        { order = "pixel", P = 4, G = 2 }, { order = "pixel", P = 8, G = 1, NG = 4 },
        { order = "row", P = 4, G = 1 }, { order = "row", P = 6, G = 1 },
        { order = "row", P = 8, G = 1 }, { order = "row", P = 12, G = 1 },
        { order = "row", P = 4, G = 2 }, { order = "tile", P = 4, G = 1 },
        { order = "tile", P = 8, G = 1 }, { order = "tile", P = 4, G = 2 },
        { order = "pixel", P = 4, G = 1, rows = 2 }, { order = "pixel", P = 4, G = 1, rows = 4 },
        { order = "row", P = 8, G = 1, rows = 2 }, { order = "row", P = 12, G = 1, rows = 4 },
        { order = "row", P = 4, G = 1, rows = 4 }, { order = "tile", P = 4, G = 1, rows = 4 },
        { order = "tile", P = 4, G = 2, rows = 2 },
    },
}

-- The knobs of k alone (a candidate, a plan's knobs or a wisdom entry).
local function knobs_of(k)
    local copy = {}
    for _, key in ipairs(A.KNOBS) do
        copy[key] = k[key]
    end
    return copy
end
-- A target also tries the candidates of the sets its CPUs also have
-- (kernel_isa's `also`: avx512 tries avx2's), marked with isa.
for _, name in ipairs(isa.also or {}) do
    for _, k in ipairs(CANDIDATES[name]) do
        local c = { isa = name }
        for key, v in pairs(k) do
            c[key] = v
        end
        table.insert(CANDIDATES[isa.name], c)
    end
end

local function label(k)
    return (k.isa and k.isa .. ":" or "") .. string.format("%s,%d,%d", k.order, k.P, k.G) ..
           (k.NG and "," .. k.NG or "") .. ((k.rows or 1) > 1 and ",r" .. k.rows or "")
end

local function sh(cmd)
    local ok = os.execute(cmd)
    if not ok then
        error("command failed: " .. cmd, 0)
    end
end

local function read(path)
    local f = assert(io.open(path, "rb"))
    local text = f:read("a")
    f:close()
    return text
end

local function write(path, text)
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
end

-- Templates rendered the way dwgen does ("$" lines, ${expr}).
local render = require("template_plain").new(opt.templates)

-- The distinct shape-specialized configurations of the layer files.
local function configurations()
    local list, seen = {}, {}
    for _, file in ipairs(opt.files) do
        local ok, raws = pcall(tsv.read, file)
        if not ok then
            error(failure.is(raws) and raws.message or raws, 0)
        end
        for _, raw in ipairs(raws) do
            local layer = spec.normalize(raw)
            local cfg = layer.cfg
            local key = cfg.in_h > 0 and A.key(cfg)
            if key and not seen[key] then
                seen[key] = true
                list[#list + 1] = { key = key, cfg = cfg, where = layer.source }
            end
        end
    end
    return list
end

-- Measure every candidate of configuration c; returns the results in
-- candidate order, the rule's choice first.
local function measure(c, n)
    local dir = string.format("%s/%03d", opt.dir, n)
    sh("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "'")
    local saved = Wisdom[c.key]
    Wisdom[c.key] = nil
    local rule = A.knobs(c.cfg, isa)
    local list = { knobs_of(rule) }
    list[1].isa = nil -- the rule's isa is the target's own set (a table, not a name)
    for _, k in ipairs(CANDIDATES[isa.name]) do
        if label(k) ~= label(list[1]) then
            list[#list + 1] = k
        end
    end
    local variants = {}
    for v, k in ipairs(list) do
        Wisdom[c.key] = knobs_of(k)
        local name = string.format("tune_%03d_v%d", n, v)
        local cfg = spec.copy(c.cfg)
        cfg.target = isa.name
        local text = K.source(cfg, { name = name, pack_name = name .. "_pack",
                                     command = "kernel_simd_tune.lua " .. label(k),
                                     version = "tune", render = render })
        write(dir .. "/" .. name .. ".c", text)
        variants[v] = { name = name, label = label(k), knobs = k }
    end
    Wisdom[c.key] = saved
    write(dir .. "/harness.c", render("kernel_simd_tune.c.in", {
        key = c.key, variants = variants, rounds = opt.rounds, min_s = "0.002",
        offset = math.tointeger(opt.offset) or 0,
        p = emit.params(c.cfg),
    }))
    local cc = opt.cc .. " -std=c99 " .. opt.cflags .. " -I" .. opt.include
    sh("cd '" .. dir .. "' && ls tune_*.c | xargs -P 2 -n 4 " .. cc .. " -c")
    sh(cc .. " -o '" .. dir .. "/tune' '" .. dir .. "/harness.c' '" .. dir .. "'/tune_*.o " ..
       opt.lib .. " -lm")
    local p = assert(io.popen("'" .. dir .. "/tune'"))
    local results = {}
    for line in p:lines() do
        local lab, speedup, ns = line:match("^(%S+) (%S+) (%S+)$")
        if not lab then
            error("harness: " .. line, 0)
        end
        results[#results + 1] = { label = lab, speedup = tonumber(speedup), ns = tonumber(ns) }
    end
    p:close()
    for v, r in ipairs(results) do
        r.knobs = variants[v].knobs
    end
    return results
end

local function cpu_model()
    local f = io.open("/proc/cpuinfo")
    local model = "unknown CPU"
    if f then
        for line in f:lines() do
            local m = line:match("^model name%s*:%s*(.+)$")
            if m then
                model = m
                break
            end
        end
        f:close()
    end
    return model
end

-- The entries already in the wisdom file, with their comments.
local entries = {}
local notes, last = {}, nil
for line in read(opt.out):gmatch("[^\n]+") do
    local key = line:match('^%s*%["([^"]+)"%]')
    if key then
        notes[key], last = last, nil
    else
        last = line:match("^    %-%- (.+)$")
    end
end
for key, e in pairs(Wisdom) do
    entries[key] = knobs_of(e)
    entries[key].note = notes[key]
end
local cpu = cpu_model()
sh("mkdir -p '" .. opt.dir .. "'")
for n, c in ipairs(configurations()) do
    local results = measure(c, n)
    local best = results[1]
    for _, r in ipairs(results) do
        if r.speedup > best.speedup then
            best = r
        end
    end
    local line = { string.format("%-36s", c.key) }
    for _, r in ipairs(results) do
        line[#line + 1] = string.format("%s %.2f", r.label, r.speedup)
    end
    io.write(table.concat(line, "  "), "\n")
    if best ~= results[1] and best.speedup >= 1 + opt.min_gain then
        entries[c.key] = knobs_of(best.knobs)
        entries[c.key].note = string.format("%.2fx over the rule's %s (%s)", best.speedup,
                                            results[1].label, cpu)
        io.write(string.format("  -> %s (%.2fx)\n", best.label, best.speedup))
    else
        entries[c.key] = nil
    end
end
-- the file's head comment kept, the entries rewritten
write(opt.out, A.wisdom_source(read(opt.out):match("^(.-\n)return {") or "", entries))
io.write("wrote " .. opt.out .. "\n")
