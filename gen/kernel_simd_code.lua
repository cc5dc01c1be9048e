-- kernel_simd_code.lua - the C statements of a SIMD kernel's body (targets
-- avx2 and avx512).
--
--   local Code = require("kernel_simd_code")
--   local body = Code.body(plan, act, clamp)
--
-- plan comes from kernel_simd_plan.lua, and its isa (kernel_isa.lua) names
-- the vector type and the intrinsics. The result holds the body's lines
-- (indented for the function body), the vector constants it uses (masks,
-- permutations, activation constants) and the helpers it calls; the
-- template (templates/kernel_simd.c.in) prints them. Every offset is
-- folded to a number here, so each load in an unrolled unit has a constant
-- displacement from one pointer.

local Plan = require("kernel_simd_plan")

local Code = {}

local INDENT = "    "

-- An affine C expression from { coefficient, atom } terms (shared with the
-- portable target): lin({ {2, "i"}, {-1, 1} }, 3) == "2 * i + 2".
local lin = require("kernel_plan").lin
Code.lin = lin

-- "p + 12", "p" or "p - 3".
local function at(ptr, off)
    off = math.tointeger(tonumber(off)) or off
    if type(off) == "number" then
        if off == 0 then
            return ptr
        end
        return ptr .. (off < 0 and " - " or " + ") .. math.abs(off)
    end
    return ptr .. " + " .. off
end

-- " + expr", or "" when expr is 0.
local function plus(expr)
    if tonumber(expr) == 0 then
        return ""
    end
    return " + " .. expr
end

-- An int expression widened to ptrdiff_t, its first operand cast (shared
-- with the portable target): wide("i - 1") == "((ptrdiff_t)i - 1)".
local wide = require("kernel_plan").wide

-- A line writer with indentation.
local Writer = {}
Writer.__index = Writer

local function writer(level)
    return setmetatable({ lines = {}, level = level or 1 }, Writer)
end

function Writer:put(text)
    self.lines[#self.lines + 1] = string.rep(INDENT, self.level) .. text
end

function Writer:open(text)
    self:put(text .. " {")
    self.level = self.level + 1
end

function Writer:blank()
    self.lines[#self.lines + 1] = ""
end

function Writer:block()
    self:put("{")
    self.level = self.level + 1
end

function Writer:close()
    self.level = self.level - 1
    self:put("}")
end

function Writer:append(other)
    for _, l in ipairs(other.lines) do
        self.lines[#self.lines + 1] = l
    end
end

-- The emitter: plan, activation, and what the body uses.
local E = {}
E.__index = E

-- A named vector constant, declared once at the top of the kernel.
function E:const(name, text)
    if not self.consts[name] then
        self.consts[name] = true
        self.const_list[#self.const_list + 1] = { name = name, text = text }
    end
    return name
end

-- The mask of the first `lanes` lanes: an integer vector for avx2's
-- vmaskmovps, a mask register constant for avx512.
function E:mask(lanes)
    local isa = self.isa
    if isa.masks == "kmask" then
        return self:const("mask" .. lanes, string.format(
            "const __mmask16 mask%d = (__mmask16)0x%04x; /* lanes 0..%d */",
            lanes, (1 << lanes) - 1, lanes - 1))
    end
    local v = {}
    for l = 1, isa.V do
        v[l] = l <= lanes and "-1" or "0"
    end
    return self:const("mask" .. lanes, "const " .. isa.ivec .. " mask" .. lanes ..
                      " = " .. isa.pre .. "setr_epi32(" .. table.concat(v, ", ") .. ");")
end

function E:perm(idx)
    local key = table.concat(idx, ", ")
    local name = self.perm_names[key]
    if not name then
        self.nperm = self.nperm + 1
        name = "perm" .. self.nperm
        self.perm_names[key] = name
        self:const(name, "const " .. self.isa.ivec .. " " .. name .. " = " .. self.isa.pre ..
                   "setr_epi32(" .. key .. ");")
    end
    return name
end

-- v permuted by the constant lane indices idx.
function E:permute(v, idx)
    if self.isa.name == "avx512" then
        return "_mm512_permutexvar_ps(" .. self:perm(idx) .. ", " .. v .. ")"
    end
    return "_mm256_permutevar8x32_ps(" .. v .. ", " .. self:perm(idx) .. ")"
end

-- An intrinsic of the vector width: op("fmadd_ps") == "_mm512_fmadd_ps".
function E:op(name)
    return self.isa.pre .. name
end

-- The vector load at address addr of a load description (plan's choose_load).
function E:load(ld, addr, hi)
    local isa = self.isa
    if ld.kind == "full" then
        return isa.pre .. "loadu_ps(" .. addr .. ")"
    elseif ld.kind == "half" then
        if isa.name == "avx512" then
            return "_mm512_castps256_ps512(_mm256_loadu_ps(" .. addr .. "))"
        end
        return "_mm256_castps128_ps256(_mm_loadu_ps(" .. addr .. "))"
    elseif ld.kind == "bcast" then
        if isa.name == "avx512" then
            return "_mm512_set1_ps(*(" .. addr .. "))"
        end
        return "_mm256_broadcast_ss(" .. addr .. ")"
    elseif ld.kind == "pair" then
        assert(isa.name == "avx2", "pair tiles are avx2's")
        return "_mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(" .. addr ..
               ")), _mm_loadu_ps(" .. hi .. "), 1)"
    end
    return self:vec(addr, ld.lanes)
end

-- The vector of tile t at ptr + off + t.oc (bias or output layout): a
-- load, a masked load, or the two halves of a pair tile.
function E:tile_vec(ptr, off, t)
    local addr = at(ptr, lin({ { 1, off } }, t.oc))
    if t.pair then
        return self:load(t.load, addr, at(ptr, lin({ { 1, off } }, t.pair)))
    end
    return self:vec(addr, t.lanes)
end

-- Load, or masked load, of the `lanes` floats at addr.
function E:vec(addr, lanes)
    if lanes == self.isa.V then
        return self:op("loadu_ps(") .. addr .. ")"
    elseif self.isa.masks == "kmask" then
        return "_mm512_maskz_loadu_ps(" .. self:mask(lanes) .. ", " .. addr .. ")"
    end
    return "_mm256_maskload_ps(" .. addr .. ", " .. self:mask(lanes) .. ")"
end

-- The statements that apply the activation to variable v.
function E:activate(w, v)
    local act = self.act
    if act == "none" then
        return
    end
    local vt, pre = self.isa.vec, self.isa.pre
    local function set1(name, value)
        return self:const(name, "const " .. vt .. " " .. name .. " = " .. pre .. "set1_ps(" ..
                          value .. ");")
    end
    local function f(op, a, b)
        return pre .. op .. "_ps(" .. a .. ", " .. b .. ")"
    end
    local zero = "zero"
    if act ~= "clamp" then
        self:const("zero", "const " .. vt .. " zero = " .. pre .. "setzero_ps();")
    end
    if act == "relu" then
        w:put(v .. " = " .. f("max", v, zero) .. ";")
    elseif act == "relu6" then
        local six = set1("six", "6.0f")
        w:put(v .. " = " .. f("min", f("max", v, zero), six) .. ";")
    elseif act == "hswish" then
        local six = set1("six", "6.0f")
        local three = set1("three", "3.0f")
        local sixth = set1("sixth", "1.0f / 6.0f")
        w:put(v .. " = " .. f("mul", f("mul", v, f("min", f("max", f("add", v, three), zero),
              six)), sixth) .. ";")
    elseif act == "clamp" then
        local lo = set1("lo", self.clamp_min)
        local hi = set1("hi", self.clamp_max)
        w:put(v .. " = " .. f("min", f("max", v, lo), hi) .. ";")
    end
end

-- Store vector variable v as tile t at ptr + off + t.oc.
function E:store_tile(w, ptr, off, v, t)
    if t.pair then
        w:put("_mm_storeu_ps(" .. at(ptr, off + t.oc) .. ", _mm256_castps256_ps128(" .. v .. "));")
        w:put("_mm_storeu_ps(" .. at(ptr, off + t.pair) .. ", _mm256_extractf128_ps(" .. v ..
              ", 1));")
        return
    end
    self:store(w, at(ptr, off + t.oc), v, t.lanes)
end

-- Store vector variable v to the `lanes` floats at addr.
function E:store(w, addr, v, lanes)
    if lanes == self.isa.V then
        w:put(self:op("storeu_ps(") .. addr .. ", " .. v .. ");")
    elseif self.isa.masks == "kmask" then
        w:put("_mm512_mask_storeu_ps(" .. addr .. ", " .. self:mask(lanes) .. ", " .. v .. ");")
    else
        w:put("_mm256_maskstore_ps(" .. addr .. ", " .. self:mask(lanes) .. ", " .. v .. ");")
    end
end

-- Where the channels of unit U start: input channel, output channel and
-- weights. main is the super-tile index ("s" or 0) for the looped
-- super-tiles, nil in the tail (numbers).
function E:bases(U, main)
    local d, ch = self.d, self.plan.ch
    local tw = d.taps * self.isa.V
    if main then
        local function num(v)
            return math.tointeger(tonumber(v)) or v
        end
        return { x = num(lin({ { ch.CS, main } }, ch.xbase)),
                 y = num(lin({ { self.isa.V * ch.L, main } }, ch.ybase)),
                 w = num(lin({ { ch.L * tw, main } }, U.rel * tw + ch.wmain)) }
    end
    return { x = 0, y = 0, w = U.first * tw + ch.wtail }
end

-- The bias vector of tile g of unit U: a register hoisted by the caller
-- (ctx.resident) or a load.
function E:bias(ctx, U, g, base)
    local t = U.tiles[g]
    if ctx.resident then
        ctx.refs["bias" .. (g - 1)] = true
        return "bias" .. (g - 1)
    end
    return self:tile_vec("b", base.y, t)
end

-- The weight vector of tile g, tap `tap` (a number), from the registers
-- hoisted by the caller or loaded through wp.
function E:weight(ctx, g, tap)
    local d = self.d
    if ctx.resident then
        local name = "w" .. (g - 1) .. "_" .. tap
        ctx.refs[name] = true
        return name
    end
    ctx.refs.wp = true
    return self:op("loadu_ps(") .. at("wp", ((g - 1) * d.taps + tap) * self.isa.V) .. ")"
end

-- The input vectors of every tile of unit U at address xp + off (off a
-- number or an expression): one load shared by the unit, or one per tile.
-- Returns the variable names, one per tile.
function E:inputs(w, U, ptr, off)
    local M = self.d.m
    self.nv = self.nv + 1
    local v = "v" .. self.nv
    local names = {}
    if U.shared then
        w:put("const " .. self.isa.vec .. " " .. v .. " = " ..
              self:load(U.shared, at(ptr, lin({ { 1, off } }, U.shared.base))) .. ";")
        for g, t in ipairs(U.tiles) do
            names[g] = v .. "_" .. (g - 1)
            w:put("const " .. self.isa.vec .. " " .. names[g] .. " = " .. self:permute(v, t.idx) ..
                  ";")
        end
        return names
    end
    for g, t in ipairs(U.tiles) do
        names[g] = #U.tiles == 1 and v or v .. "_" .. (g - 1)
        local expr = self:load(t.load, at(ptr, lin({ { 1, off } }, t.load.base)),
                               t.load.hi and at(ptr, lin({ { 1, off } }, t.load.hi)))
        if M > 1 and t.load.kind ~= "bcast" then
            expr = self:permute(expr, t.idx)
        end
        w:put("const " .. self.isa.vec .. " " .. names[g] .. " = " .. expr .. ";")
    end
    return names
end

-- The input columns of a block: for each column offset (in input pixels
-- from the block's first live column) the (pixel, kernel column) pairs
-- that read it, in increasing order.
function E:columns(Q, width)
    local d = self.d
    local by = {}
    for p = 0, width - 1 do
        for dj = Q.lo, Q.hi - 1 do
            local k = p * d.sw + (dj - Q.lo) * d.rw
            by[k] = by[k] or {}
            by[k][#by[k] + 1] = { p = p, dj = dj }
        end
    end
    local list = {}
    for k, pairs_ in pairs(by) do
        list[#list + 1] = { k = k, pairs = pairs_ }
    end
    table.sort(list, function(a, b) return a.k < b.k end)
    return list
end

-- One unit: block of `width` pixels starting at column j (a C expression
-- or a number), row i, tiles of U.
function E:unit(w, ctx, U, R, Q, width, j, main)
    if self.stacked then
        -- a stacked row band: the unit once for each of the pass's rows, so
        -- the input rows they share are still in L1 for the next one
        w:open("for (int i = i0; i < i1; i++)")
        self:unit_once(w, ctx, U, R, Q, width, j, main)
        w:close()
    else
        self:unit_once(w, ctx, U, R, Q, width, j, main)
    end
end

-- One unit for output row i.
function E:unit_once(w, ctx, U, R, Q, width, j, main)
    local d, V = self.d, self.isa.V
    local style = Plan.style(R, Q, width, #U.tiles)
    local base = self:bases(U, main)
    local G = #U.tiles
    w:block()
    -- Weights come from registers the group hoisted (ctx.resident), or
    -- through wp: the group's pointer when resident (the rows and taps
    -- styles index kernel rows at run time), else the unit's own.
    local outer_wp = ctx.refs.wp
    ctx.refs.wp = nil
    local inner = writer(w.level)
    local yp = "y + (" .. lin({ { d.out_w, "(ptrdiff_t)i" }, { 1, j } }) .. ") * " .. d.oc
    if base.y ~= 0 then
        yp = yp .. " + " .. base.y
    end
    inner:put("float *yp = " .. yp .. ";")
    if style == "none" then
        for g, t in ipairs(U.tiles) do
            local o = "o" .. (g - 1)
            inner:put(self.isa.vec .. " " .. o .. " = " .. self:bias(ctx, U, g, base) .. ";")
            self:activate(inner, o)
            for p = 0, width - 1 do
                self:store_tile(inner, "yp", p * d.oc, o, t)
            end
        end
        ctx.refs.wp = outer_wp
        w:append(inner)
        w:close()
        return
    end
    -- accumulators start at the bias
    for g = 1, G do
        local b0 = self:bias(ctx, U, g, base)
        if width == 1 then
            inner:put(self.isa.vec .. " a0_" .. (g - 1) .. " = " .. b0 .. ";")
        else
            local bname = "bias" .. (g - 1)
            if not ctx.resident then
                inner:put("const " .. self.isa.vec .. " " .. bname .. " = " .. b0 .. ";")
            end
            for p = 0, width - 1 do
                inner:put(self.isa.vec .. " a" .. p .. "_" .. (g - 1) .. " = " .. bname .. ";")
            end
        end
    end
    local row_step = d.rh * d.in_w * d.ch
    local col0
    if not Q.dynamic then
        col0 = lin({ { d.sw, j }, { -1, d.pl } }, Q.lo * d.rw)
    end
    local function fma(body, names, p, g, wv)
        local a = "a" .. p .. "_" .. (g - 1)
        body:put(a .. " = " .. self:op("fmadd_ps(") .. names[g] .. ", " .. wv .. ", " .. a ..
                 ");")
    end
    if style == "unrolled" then
        local row0 = lin({ { d.sh, "i" }, { -1, d.pt } }, R.lo * d.rh)
        inner:put("const float *xp = x + (" .. wide(row0) .. " * " .. d.in_w .. plus(col0) ..
                  ") * " .. d.ch .. plus(base.x) .. ";")
        local cols = self:columns(Q, width)
        for di = R.lo, R.hi - 1 do
            for _, col in ipairs(cols) do
                local names = self:inputs(inner, U, "xp", (di - R.lo) * row_step + col.k * d.ch)
                for _, pr in ipairs(col.pairs) do
                    for g = 1, G do
                        fma(inner, names, pr.p, g, self:weight(ctx, g, di * d.kw + pr.dj))
                    end
                end
            end
        end
    elseif style == "rows" then
        ctx.refs.wp = true
        local first = R.dynamic and "d0" or tostring(R.lo)
        local stop = R.dynamic and "d1" or tostring(R.hi)
        inner:open("for (int di = " .. first .. "; di < " .. stop .. "; di++)")
        local row = lin({ { d.sh, "i" }, { d.rh, "di" }, { -1, d.pt } })
        inner:put("const float *xp = x + (" .. wide(row) .. " * " .. d.in_w .. plus(col0) ..
                  ") * " .. d.ch .. plus(base.x) .. ";")
        inner:put("const float *wr = wp + di * " .. d.kw * V .. ";")
        for _, col in ipairs(self:columns(Q, width)) do
            local names = self:inputs(inner, U, "xp", col.k * d.ch)
            for _, pr in ipairs(col.pairs) do
                for g = 1, G do
                    fma(inner, names, pr.p, g, self:op("loadu_ps(") ..
                        at("wr", ((g - 1) * d.taps + pr.dj) * V) .. ")")
                end
            end
        end
        inner:close()
    else -- taps: dynamic columns, one pixel
        ctx.refs.wp = true
        self.uses.first_tap = true
        local pos = lin({ { d.sw, j }, { -1, d.pl } })
        inner:put("const int e0 = first_tap(" .. pos .. ", " .. d.rw .. ");")
        inner:put("const int e1 = end_tap(" .. pos .. ", " .. d.rw .. ", " .. d.in_w .. ", " ..
                  d.kw .. ");")
        local first = R.dynamic and "d0" or tostring(R.lo)
        local stop = R.dynamic and "d1" or tostring(R.hi)
        inner:open("for (int di = " .. first .. "; di < " .. stop .. "; di++)")
        inner:open("for (int dj = e0; dj < e1; dj++)")
        local row = lin({ { d.sh, "i" }, { d.rh, "di" }, { -1, d.pt } })
        local col = lin({ { d.sw, j }, { d.rw, "dj" }, { -1, d.pl } })
        inner:put("const float *xp = x + (" .. wide(row) .. " * " .. d.in_w .. plus(col) ..
                  ") * " .. d.ch .. plus(base.x) .. ";")
        inner:put("const float *wt = wp + (di * " .. d.kw .. " + dj) * " .. V .. ";")
        local names = self:inputs(inner, U, "xp", 0)
        for g = 1, G do
            fma(inner, names, 0, g, self:op("loadu_ps(") .. at("wt", (g - 1) * d.taps * V) .. ")")
        end
        inner:close()
        inner:close()
    end
    for p = 0, width - 1 do
        for g, t in ipairs(U.tiles) do
            local a = "a" .. p .. "_" .. (g - 1)
            self:activate(inner, a)
            self:store_tile(inner, "yp", p * d.oc, a, t)
        end
    end
    if ctx.resident then
        ctx.refs.wp = ctx.refs.wp or outer_wp
    else
        if ctx.refs.wp then
            w:put("const float *wp = " .. at("w", base.w) .. ";")
        end
        ctx.refs.wp = outer_wp
    end
    w:append(inner)
    w:close()
end

-- The pixel blocks of every column band of row i for unit U.
function E:columns_of_row(w, ctx, U, R, main)
    self:row_blocks(w, function(w2, Q, blk, j)
        self:unit(w2, ctx, U, R, Q, blk.width, j, main)
    end)
end

-- for (int i = ...) over row band R, clipped to [row_begin, row_end);
-- with the knob rows = n > 1, a fixed band of at least two rows instead
-- runs in passes of n rows (for i0 ... { i1 = ...), and E:unit loops
-- over the pass's rows i0..i1-1 around each unit.
function E:row_loop(w, R)
    local d = self.d
    local n = self.plan.knobs.rows or 1
    self.stacked = n > 1 and not R.dynamic and R.lo < R.hi and R.stop - R.first >= 2
    local first, stop = "row_begin", "row_end"
    if R.first ~= 0 then
        first = "imax(row_begin, " .. R.first .. ")"
        self.uses.imax = true
    end
    if R.stop ~= d.out_h then
        stop = "imin(row_end, " .. R.stop .. ")"
        self.uses.imin = true
    end
    local words
    if R.dynamic then
        words = "rows " .. R.first .. ".." .. (R.stop - 1) .. ": live kernel rows [d0, d1) per row"
    elseif R.lo == R.hi then
        words = "rows " .. R.first .. ".." .. (R.stop - 1) .. ": no kernel row live"
    else
        words = "rows " .. R.first .. ".." .. (R.stop - 1) .. ": kernel rows " .. R.lo .. ".." ..
                (R.hi - 1) .. " live"
    end
    w:blank()
    if self.stacked then
        self.uses.imin = true
        w:put("/* " .. words .. ", " .. n .. " rows a pass */")
        w:open("for (int i0 = " .. first .. "; i0 < " .. stop .. "; i0 += " .. n .. ")")
        w:put("const int i1 = imin(i0 + " .. n .. ", " .. stop .. ");")
        return
    end
    w:put("/* " .. words .. " */")
    w:open("for (int i = " .. first .. "; i < " .. stop .. "; i++)")
    if R.dynamic then
        self.uses.first_tap = true
        local pos = lin({ { d.sh, "i" }, { -1, d.pt } })
        w:put("const int d0 = first_tap(" .. pos .. ", " .. d.rh .. ");")
        w:put("const int d1 = end_tap(" .. pos .. ", " .. d.rh .. ", " .. d.in_h .. ", " ..
              d.kh .. ");")
    end
end

-- The hoisted registers of unit U (weights and bias), then `inner`, which
-- the caller filled while ctx.refs recorded what it used.
function E:hoisted(w, ctx, U, main, inner)
    local d = self.d
    local base = self:bases(U, main)
    local need_wp = false
    for name in pairs(ctx.refs) do
        need_wp = need_wp or name == "wp" or name:match("^w%d") ~= nil
    end
    if need_wp then
        w:put("const float *wp = " .. at("w", base.w) .. ";")
    end
    for g, t in ipairs(U.tiles) do
        local name = "bias" .. (g - 1)
        if ctx.refs[name] then
            w:put("const " .. self.isa.vec .. " " .. name .. " = " .. self:tile_vec("b", base.y, t) ..
                  ";")
        end
    end
    for g = 1, #U.tiles do
        for tap = 0, d.taps - 1 do
            local name = "w" .. (g - 1) .. "_" .. tap
            if ctx.refs[name] then
                w:put("const " .. self.isa.vec .. " " .. name .. " = " .. self:op("loadu_ps(") ..
                      at("wp", ((g - 1) * d.taps + tap) * self.isa.V) .. ");")
            end
        end
    end
    w:append(inner)
end

-- The units of the looped super-tiles (in `for s`, over [first, stop):
-- numbers or C expressions, all of them by default) and, unless tail is
-- false, of the tail, each through fn(w, U, main).
function E:each_group(w, fn, first, stop, tail)
    local ch = self.plan.ch
    first, stop = first or 0, stop or ch.count
    if first ~= stop then
        if type(first) == "number" and type(stop) == "number" and stop - first == 1 then
            w:block()
            for _, U in ipairs(ch.main) do
                fn(w, U, first)
            end
        else
            if type(first) == "number" then
                w:put("/* input channels " .. first * ch.CS + ch.xbase .. ".." ..
                      (stop * ch.CS + ch.xbase - 1) .. ": groups of " .. ch.CS .. " */")
            end
            w:open("for (int s = " .. first .. "; s < " .. stop .. "; s++)")
            for _, U in ipairs(ch.main) do
                fn(w, U, "s")
            end
        end
        w:close()
    end
    if tail == false then
        return
    end
    for _, U in ipairs(ch.tail) do
        local t1, t2 = U.tiles[1], U.tiles[#U.tiles]
        w:put("/* output channels " .. t1.oc .. ".." .. (t2.oc + t2.lanes - 1) .. " */")
        fn(w, U, nil)
    end
end

-- Open the loop over the blocks blk (see kernel_avx2_plan's blocks) and
-- return the C expression of the block's first column: "j" inside a loop
-- (the caller closes it), else a number.
function E:block_loop(w, blk)
    local P = blk.width
    if blk.count == 1 then
        return blk.first
    elseif blk.overlap then
        w:open("for (int j0 = " .. blk.first .. "; j0 < " .. blk.stop .. "; j0 += " .. P .. ")")
        w:put("const int j = j0 < " .. blk.stop - P .. " ? j0 : " .. blk.stop - P ..
              "; /* the last block ends at " .. blk.stop .. " */")
    else
        w:open("for (int j = " .. blk.first .. "; j < " .. blk.first + blk.count * P ..
               "; j += " .. P .. ")")
    end
    return "j"
end

-- One output row's pixel blocks, every column band's in turn, each run
-- through units(w, Q, blk, j) inside its block loop (j: the block's first
-- column, see block_loop).
function E:row_blocks(w, units)
    for _, Q in ipairs(self.plan.cols) do
        for _, blk in ipairs(Q.blocks) do
            local j = self:block_loop(w, blk)
            units(w, Q, blk, j)
            if j == "j" then
                w:close()
            end
        end
    end
end

-- A tile group with its weights in registers: { hoisted; body(ctx) }.
function E:group_block(w, U, main, body)
    local ctx = { resident = self.plan.resident, refs = {} }
    w:block()
    local inner = writer(w.level)
    body(inner, ctx)
    self:hoisted(w, ctx, U, main, inner)
    w:close()
end

-- The whole body in the plan's loop order.
function E:body()
    local w = writer(0)
    local order = self.plan.knobs.order
    if order == "row" then
        for _, R in ipairs(self.plan.rows) do
            self:row_loop(w, R)
            self:each_group(w, function(w2, U, main)
                self:group_block(w2, U, main, function(inner, ctx)
                    self:columns_of_row(inner, ctx, U, R, main)
                end)
            end)
            w:close()
        end
    elseif order == "tile" then
        self:each_group(w, function(w2, U, main)
            self:group_block(w2, U, main, function(inner, ctx)
                for _, R in ipairs(self.plan.rows) do
                    self:row_loop(inner, R)
                    self:columns_of_row(inner, ctx, U, R, main)
                    inner:close()
                end
            end)
        end)
    else -- pixel, over channel groups of NG super-tiles when NG is set
        local ch, NG = self.plan.ch, self.plan.knobs.NG
        local function units(R, first, stop, tail)
            return function(w2, Q, blk, j)
                self:each_group(w2, function(w3, U, main)
                    self:unit(w3, { resident = false, refs = {} }, U, R, Q, blk.width, j, main)
                end, first, stop, tail)
            end
        end
        for _, R in ipairs(self.plan.rows) do
            self:row_loop(w, R)
            if NG and NG < ch.count then
                local full = ch.count - ch.count % NG
                w:put("/* input channels " .. ch.xbase .. ".." .. (full * ch.CS + ch.xbase - 1) ..
                      " in groups of " .. NG * ch.CS .. " */")
                w:open("for (int sg = 0; sg < " .. full .. "; sg += " .. NG .. ")")
                self:row_blocks(w, units(R, "sg", "sg + " .. NG, false))
                w:close()
                if full < ch.count then
                    self:row_blocks(w, units(R, full, ch.count, false))
                end
                if #ch.tail > 0 then
                    self:row_blocks(w, units(R, 0, 0, true))
                end
            else
                self:row_blocks(w, units(R))
            end
            w:close()
        end
    end
    return w.lines
end

-- The body of the kernel of plan: { lines, consts = { {name, text} },
-- uses = { imin, imax, first_tap } }.
function Code.body(plan, act, clamp_min, clamp_max)
    local e = setmetatable({ plan = plan, d = plan.d, isa = plan.isa, act = act,
                             clamp_min = clamp_min,
                             clamp_max = clamp_max, consts = {}, const_list = {},
                             perm_names = {}, nperm = 0, nv = 0, uses = {} }, E)
    local lines = e:body()
    if plan.shifted then
        -- The shifted body first, for input and output 16 bytes off a
        -- 32-byte boundary; the normal body for every other alignment.
        local normal = lines
        local ch = plan.ch
        plan.ch = plan.shifted
        local shifted = e:body()
        plan.ch = ch
        lines = {
            "/*",
            " * Input and output 16 bytes past a 32-byte boundary (as malloc leaves",
            " * large buffers): tiles from channel 4 on, so every vector is aligned.",
            " */",
            "if (((uintptr_t)x & 31) == 16 && ((uintptr_t)y & 31) == 16) {",
        }
        for _, l in ipairs(shifted) do
            lines[#lines + 1] = l == "" and "" or INDENT .. l
        end
        lines[#lines + 1] = INDENT .. "return;"
        lines[#lines + 1] = "}"
        for _, l in ipairs(normal) do
            lines[#lines + 1] = l
        end
    end
    return { lines = lines, consts = e.const_list, uses = e.uses }
end

return Code
