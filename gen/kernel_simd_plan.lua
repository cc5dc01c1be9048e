-- kernel_simd_plan.lua - the layout of one x86-64 SIMD kernel (targets
-- avx2 and avx512; kernel_isa.lua says what differs between them).
--
-- Works on a checked, shape-specialized configuration (kernel_render's
-- check). The kernel computes V output channels at a time in one vector
-- register (a "tile": V = 8 floats in a ymm register for avx2, 16 in a zmm
-- register for avx512), for P adjacent output pixels of a row at once (a
-- "block": for stride 1, neighbouring outputs read the same input columns,
-- so each loaded input vector feeds several FMAs). A "unit" is the code for
-- one block of P pixels and G tiles: P*G accumulators, each input column
-- loaded once per kernel row and fed to every (pixel, kernel column) pair
-- that reads it.
--
-- Channels. With multiplier M, output channel oc = c*M + m reads input
-- channel c = oc // M. Output tiles are grouped into super-tiles of L tiles
-- that together read CS consecutive input channels, so the load pattern of
-- every super-tile is the same, shifted by CS channels:
--   M = 1: L = G tiles, CS = V*G channels (G = 1 or 2: one or two V-channel
--          tiles per unit; two avx2 tiles use whole 64-byte lines);
--   M <= V: L = M tiles read CS = V channels (one vector load);
--   M > V:  L = M/gcd(M,V) tiles read CS = V/gcd(M,V) channels.
-- With M > 1 a tile's input vector is its input channels loaded once and
-- spread over the V lanes by a constant permutation (vpermps), or a
-- broadcast when the tile reads one channel. The super-tiles that lie
-- wholly inside the channels run in a loop with unmasked loads and stores;
-- the remaining tiles ("tail") are unrolled with masked loads and stores
-- where a vector would cross the end of the channels, so nothing is read
-- or written past a buffer.
--
-- Loop order (a per-kernel choice, see A.knobs; every order computes each
-- output row the same way, so a row never depends on the row range):
--   row    for each output row, for each tile group, the weights of the
--          group are loaded into registers, then the row's pixel blocks;
--   tile   for each tile group (weights in registers), for every row, for
--          the row's pixel blocks: the weights load once per call;
--   pixel  for each output row, for each pixel block, every tile group in
--          turn, loading its weights (an output pixel's channels are
--          written together, the input is read in memory order).
-- Any order may stack rows (knob rows = n): the rows of a fixed row band
-- run in passes of n, and each unit runs for the pass's n rows in turn,
-- so the kernel rows they share are read from L1 rather than from L2
-- (a 3x3 kernel on a row sweep larger than L1 reads each input line once
-- per pass plus twice more, not three times).
--
-- Borders use the band grid of kernel_bands.lua: every (row band, column
-- band) pair has a fixed set of live taps, so border code drops the taps
-- that would read padding and no inner loop tests for padding. When the
-- unrolled code would pass isa.budget FMA statements (large kernels on small
-- inputs), the border rows, then the border columns, become dynamic bands:
-- their live taps are computed per row or column at run time and looped.

local B = require("kernel_bands")
local Isa = require("kernel_isa")

local A = {}

A.UNROLL_MAX = 256    -- FMA statements of one unit with its kernel rows unrolled

-- The wisdom table of a target: gen/kernel_TARGET_wisdom.lua.
function A.wisdom(isa)
    return require("kernel_" .. isa.name .. "_wisdom")
end

local function gcd(a, b)
    while b ~= 0 do
        a, b = b, a % b
    end
    return a
end

-- The knobs a wisdom entry may set (kernel_avx2_wisdom.lua), in the order
-- wisdom files list them.
A.KNOBS = { "isa", "order", "P", "G", "NG", "rows" }

-- Knobs k as a wisdom file writes them: '{ order = "row", P = 8, G = 1 }'.
local function knobs_text(k)
    local fields = {}
    for _, name in ipairs(A.KNOBS) do
        local v = k[name]
        if v ~= nil then
            fields[#fields + 1] = name .. " = " .. (type(v) == "string" and '"' .. v .. '"' or
                                                    tostring(v))
        end
    end
    return "{ " .. table.concat(fields, ", ") .. " }"
end

-- The text of a wisdom file: head (its comment lines, each ending in a
-- newline), then the entries { key = knobs } sorted by key, each after
-- its comment when it has a note.
function A.wisdom_source(head, entries)
    local keys = {}
    for key in pairs(entries) do
        keys[#keys + 1] = key
    end
    table.sort(keys)
    local out = { head .. "return {" }
    for _, key in ipairs(keys) do
        local e = entries[key]
        if e.note then
            out[#out + 1] = "    -- " .. e.note
        end
        out[#out + 1] = string.format('    ["%s"] = %s,', key, knobs_text(e))
    end
    out[#out + 1] = "}"
    return table.concat(out, "\n") .. "\n"
end

-- The key of a configuration in the wisdom table (kernel_avx2_wisdom.lua).
function A.key(c)
    return string.format("%dx%dx%d k%dx%d s%dx%d r%dx%d m%d", c.in_h, c.in_w, c.channels,
                         c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.rate_h, c.rate_w,
                         c.multiplier)
end

-- The L1 sets (of 64, 64-byte lines, 4 KiB per way) that the same channels
-- of consecutive pixels fall into, for a pixel stride of `bytes`: few when
-- the stride has a large power-of-two factor (C = 512: 2 sets).
local function l1_sets(bytes)
    if bytes % 64 ~= 0 then
        return 64
    end
    return math.min(64, 4096 // gcd(bytes, 4096))
end

-- The default choice of loop order, block width P and tiles per unit G,
-- from measurements of the shipped layers on a 2-core Xeon (L1 48 KiB
-- 12-way, L2 2 MiB per core; `make tune-avx2` prints them). The orders
-- trade weight reloads against cache behaviour:
--   * pixel order reads the input in memory order and writes whole output
--     pixels, but reloads a tile's weights for every block and needs the
--     block's input (KH rows x P+KW-1 columns x all C channels) to stay in
--     L1 for the next block: fine up to 24 KiB (half of L1);
--   * row and tile order sweep one tile across a row (or the image),
--     touching 32 bytes of every pixel: the sweep's lines must stay in L1
--     until the next tile uses their other half. When the pixel stride has
--     a large power-of-two factor they crowd into few L1 sets (C = 512: 2
--     sets, 24 lines) and thrash, so a sweep must fit 12 * l1_sets lines;
--     when it does not, G = 2 (whole 64-byte lines) helps;
--   * so: tile order for stride 1 and rows of at most 8 outputs whose
--     whole image fits the sets; row order for kernels of more than 9
--     taps, for rows of at most 16 outputs that fit the sets, when pixel
--     order's block outgrows L1 and the row fits the sets or is at most 12
--     outputs wide; pixel order else;
--   * P = 5 with the 9 weights of a 3x3 kernel in registers (9 + 5
--     accumulators + 1 input = 15 of 16 ymm registers); larger kernels
--     load weights from memory and need 8 independent accumulators to
--     hide the FMA latency: P = 8, or G = 2 x P = 4 when the row sweep
--     does not fit the sets; rows of at most 8 outputs: P = 8, one block;
--   * G = 2 and P = 4 in pixel order for at most 32 output channels.
-- Measured choices in kernel_avx2_wisdom.lua override this rule.
local function avx2_knobs(c)
    local oc = c.channels * c.multiplier
    local taps = c.kernel_h * c.kernel_w
    local eff_h = (c.kernel_h - 1) * c.rate_h + 1
    local eff_w = (c.kernel_w - 1) * c.rate_w + 1
    local cap = 12 * l1_sets(4 * c.channels)
    local row_fits = eff_h * c.in_w + c.out_w <= cap
    local tile_fits = c.in_h * c.in_w + c.out_h * c.out_w <= cap
    local block_fits = eff_h * (4 * c.stride_w + eff_w) * 4 * c.channels <= 24 * 1024
    local knobs = { order = "pixel", P = 5, G = 1 }
    if c.stride_w == 1 and c.out_w <= 8 and tile_fits then
        knobs.order, knobs.P = "tile", 4
    elseif taps > 9 or (row_fits and (c.out_w <= 16 or not block_fits)) or
           (not block_fits and c.out_w <= 12) then
        knobs.order = "row"
        if c.out_w <= 8 then
            knobs.P = 8                   -- the whole row in one block
        elseif not row_fits and c.multiplier == 1 then
            knobs.P, knobs.G = 4, 2
        elseif taps > 9 then
            knobs.P = 8
        end
    elseif oc <= 32 and c.multiplier == 1 then
        knobs.P, knobs.G = 4, 2
    end
    return knobs
end

-- The avx512 rule, from `make tune-avx512` on the shipped layers (2-core
-- Xeon, buffers 64-byte aligned). A 16-float tile is a whole 64-byte line,
-- so sweeping one tile across a row or the image uses every line it
-- touches and avx2's half-line L1 trouble does not arise; 32 registers
-- hold a 3x3 kernel's 9 weights (or two tiles' 18) beside the
-- accumulators. What won:
--   * wide images (at least 32 outputs a row): pixel order, P = 4 - the
--     block's input stays in L1 for the next block and the output is
--     written in memory order, which is what the L2-L3 bound layers need;
--     with stride 1 and at most 9 taps, rows stacked by 4 (the block's
--     input rows serve 4 output rows from L1: 1.04-1.28x on 13 of the 17
--     such shipped layers, 0.94-0.97x on the other 4);
--   * 3x3 on mid-sized rows (10..31 outputs): tile order, G = 2, P = 4 -
--     both tiles' weights stay in registers for the whole call;
--   * larger kernels on mid-sized rows: tile order, G = 1, P = 4;
--   * rows of at most 12 outputs: row order, the whole row in one block.
-- Multipliers above 1 keep row order, P = 8. Measured choices in
-- kernel_avx512_wisdom.lua override this rule.
local function avx512_knobs(c)
    local taps = c.kernel_h * c.kernel_w
    if c.multiplier > 1 then
        return { order = "row", P = 8, G = 1 }
    elseif c.out_w >= 32 then
        return { order = "pixel", P = 4, G = 1,
                 rows = c.stride_h == 1 and taps <= 9 and 4 or nil }
    elseif c.out_w > 12 then
        return { order = "tile", P = 4, G = taps <= 9 and 2 or 1 }
    end
    return { order = "row", P = c.out_w, G = 1 }
end

-- The default choice of loop order, block width P and tiles per unit G.
function A.default_knobs(c, isa)
    if isa.name == "avx512" then
        return avx512_knobs(c)
    end
    return avx2_knobs(c)
end

-- The knobs of c for the target isa: the wisdom entry when there is one,
-- else the rule. k.isa is the instruction set the kernel is written in:
-- the target's own, or one the target's CPUs also have (isa.also) when the
-- wisdom entry names it (isa = "avx2": 256-bit vectors measured faster for
-- this layer on an AVX-512 machine); the rule of that set then fills in
-- what the entry leaves out of order, P and G (NG and rows are the
-- entry's alone).
function A.knobs(c, isa)
    local w = A.wisdom(isa)[A.key(c)]
    local uses = isa
    if w and w.isa and w.isa ~= isa.name then
        local ok = false
        for _, name in ipairs(isa.also or {}) do
            ok = ok or name == w.isa
        end
        assert(ok, "wisdom entry " .. A.key(c) .. ": target " .. isa.name ..
               " cannot use " .. tostring(w.isa))
        uses = Isa.of(w.isa)
    end
    local k = A.default_knobs(c, uses)
    local from = "rule"
    if w then
        -- an entry is a measured choice: what it leaves out of order, P
        -- and G is the rule's, but no NG and no stacked rows unless it says
        k.NG, k.rows = nil, nil
        for key, v in pairs(w) do
            k[key] = v
        end
        from = "wisdom"
    end
    k.isa = uses
    isa = uses
    assert(k.order == "row" or k.order == "tile" or k.order == "pixel", "bad order")
    assert(math.tointeger(k.P) and k.P >= 1 and k.P <= isa.P_max, "bad P")
    assert(math.tointeger(k.G) and k.G >= 1 and k.G <= 8, "bad G")
    assert(k.NG == nil or (math.tointeger(k.NG) and k.NG >= 1), "bad NG")
    assert(k.shift == nil or type(k.shift) == "boolean", "bad shift")
    assert(k.rows == nil or (math.tointeger(k.rows) and k.rows >= 1 and k.rows <= 16), "bad rows")
    if c.multiplier == 1 then
        k.G = math.min(k.G, 2)
    end
    k.from = from
    return k
end

-- The input load that serves input channels [first, last] (relative to a
-- base from which `avail` channels are readable), for multiplier M:
--   { kind = "full" | "half" | "mask" | "bcast", base, lanes }
-- full: V floats at base; half: V/2 floats at base; mask: lanes floats at
-- base (a masked load); bcast: one float at base, broadcast.
local function choose_load(V, M, first, last, avail)
    if M == 1 then
        local lanes = last - first + 1
        return { kind = lanes == V and "full" or "mask", base = first, lanes = lanes }
    end
    if first == last then
        return { kind = "bcast", base = first, lanes = 1 }
    end
    for _, width in ipairs({ V // 2, V }) do
        if last - first < width and avail >= width then
            local base = math.min(first, avail - width)
            return { kind = width == V and "full" or "half", base = base, lanes = width }
        end
    end
    return { kind = "mask", base = first, lanes = math.min(V, avail - first) }
end

-- One tile: output channels [oc, oc + V) of a super-tile (or of the image,
-- in the tail), oc_lanes of them inside the channels; input channels are
-- relative to the same base, avail of them readable.
local function tile(V, M, oc, oc_lanes, avail, index)
    local first, last = oc // M, (oc + oc_lanes - 1) // M
    local t = { oc = oc, lanes = oc_lanes, first = first, last = last, index = index }
    t.load = choose_load(V, M, first, last, avail)
    if M > 1 then
        t.idx = {}
        for l = 0, V - 1 do
            t.idx[l + 1] = l < oc_lanes and (oc + l) // M - t.load.base or 0
        end
    end
    return t
end

-- Tiles sharing one load: when M > 1 and every tile of the unit reads
-- more than one channel and all of them fit in one V-float load, the unit
-- loads once and permutes per tile.
local function share(V, M, tiles, avail)
    if M == 1 or #tiles < 2 then
        return nil
    end
    local first, last = math.huge, -1
    for _, t in ipairs(tiles) do
        if t.load.kind == "bcast" then
            return nil
        end
        first, last = math.min(first, t.first), math.max(last, t.last)
    end
    if last - first >= V then
        return nil
    end
    local load = choose_load(V, M, first, last, avail)
    if load.kind == "bcast" then
        return nil
    end
    for _, t in ipairs(tiles) do
        t.load = load
        for l = 0, V - 1 do
            t.idx[l + 1] = l < t.lanes and (t.oc + l) // M - load.base or 0
        end
    end
    return load
end

-- The tile groups (units) of the looped super-tiles and of the tail.
-- main: { L, CS, count = super-tiles in the loop, units = { {tiles...}... } }
-- with tile channels relative to the super-tile; tail: units with absolute
-- channels.
local function channel_plan(c, G, V)
    local M, C = c.multiplier, c.channels
    local OC = C * M
    local L, CS
    if M == 1 then
        L, CS = G, V * G
    elseif M <= V then
        L, CS = M, V
    else
        local g = gcd(M, V)
        L, CS = M // g, V // g
    end
    if M > 1 then
        G = G > 1 and L or 1
    end
    local ch = { L = L, CS = CS, G = G, tiles = (OC + V - 1) // V, count = C // CS }
    local function units(first_tile, ntiles, base_oc, avail, absolute)
        local list = {}
        for u = 0, ntiles - 1, G do
            local tiles = {}
            for k = u, math.min(u + G, ntiles) - 1 do
                local oc = V * k + (absolute and base_oc or 0)
                local lanes = math.min(V, (absolute and OC or V * L) - oc)
                tiles[#tiles + 1] = tile(V, M, oc, lanes, avail, first_tile + k)
            end
            local unit = { tiles = tiles, first = tiles[1].index, rel = u }
            unit.shared = share(V, M, tiles, avail)
            list[#list + 1] = unit
        end
        return list
    end
    ch.main = units(0, L, 0, CS, false)
    local done = ch.count * L
    ch.tail = units(done, ch.tiles - done, V * done, C, true)
    ch.xbase, ch.ybase, ch.wmain, ch.wtail = 0, 0, 0, 0
    return ch
end

-- The channel plan of the shifted body (M = 1, C a multiple of 8), which
-- runs when input and output both sit 16 bytes past a 32-byte boundary,
-- as malloc leaves large buffers: its tiles start at channel 4, so every
-- 8-channel vector of every pixel is 32-byte aligned (a misaligned vector
-- crosses a cache line every other time, which costs 10-45%). Channels
-- 0..3 and C-4..C-1 share one "pair" tile (two 16-byte halves), so the
-- body does the same work as the normal one. Its weights follow those of
-- the normal layout, T tiles: channel 4 on, 8 channels a tile, then the
-- pair tile, so the tail's tiles are adjacent and group like the others.
-- taps: weight vectors per tile.
local function shifted_plan(c, G, taps)
    local C = c.channels
    local T = C // 8
    local L, CS = G, 8 * G
    local inner = C - 8
    local ch = { L = L, CS = CS, G = G, tiles = T, count = inner // CS,
                 xbase = 4, ybase = 4, wmain = T * taps * 8, wtail = T * taps * 8 }
    ch.main = {}
    for u = 0, L - 1, G do
        local tiles = {}
        for k = u, math.min(u + G, L) - 1 do
            tiles[#tiles + 1] = tile(8, 1, 8 * k, 8, CS, k)
        end
        ch.main[#ch.main + 1] = { tiles = tiles, first = u, rel = u }
    end
    local tail = {}
    for k = ch.count * L, inner // 8 - 1 do
        tail[#tail + 1] = tile(8, 1, 4 + 8 * k, 8, C, k)
    end
    tail[#tail + 1] = { oc = 0, pair = C - 4, lanes = 8, first = 0, last = C - 1,
                        index = T - 1, load = { kind = "pair", base = 0, hi = C - 4, lanes = 8 } }
    ch.tail = {}
    for u = 1, #tail, G do
        local tiles = {}
        for k = u, math.min(u + G - 1, #tail) do
            tiles[#tiles + 1] = tail[k]
        end
        ch.tail[#ch.tail + 1] = { tiles = tiles, first = tiles[1].index, rel = 0 }
    end
    return ch
end

-- The bands of one axis: every band fixed (layout "fixed") or only the
-- padding-free one ("inside"), the rest dynamic.
local function axis_bands(geo, inside)
    local list = {}
    if not inside then
        for _, b in ipairs(B.bands(geo)) do
            list[#list + 1] = { first = b.first, stop = b.last + 1, lo = b.lo, hi = b.hi }
        end
        return list
    end
    local first, stop = B.full_range(geo)
    if first == stop then
        return { { first = 0, stop = geo.out, dynamic = true } }
    end
    if first > 0 then
        list[#list + 1] = { first = 0, stop = first, dynamic = true }
    end
    list[#list + 1] = { first = first, stop = stop, lo = 0, hi = geo.taps }
    if stop < geo.out then
        list[#list + 1] = { first = stop, stop = geo.out, dynamic = true }
    end
    return list
end

-- The pixel blocks of a column band: P-wide blocks in a loop, the last
-- one moved back to end at the band's end when P does not divide its
-- width (`overlap`: it recomputes a few outputs, bit for bit the same, so
-- no second copy of the unit is needed for the rest); a narrower block when
-- the band is narrower than P; one pixel at a time in a dynamic band.
local function blocks(Q, P)
    if Q.dynamic then
        return { { width = 1, first = Q.first, count = Q.stop - Q.first } }
    end
    local n = Q.stop - Q.first
    if n < P then
        return { { width = n, first = Q.first, count = 1 } }
    end
    return { { width = P, first = Q.first, count = (n + P - 1) // P,
               overlap = n % P ~= 0, stop = Q.stop } }
end

-- How a unit of row band R and column band Q runs:
--   none      no live tap: the output is the activated bias;
--   taps      dynamic columns: loops over kernel rows and columns, 1 pixel;
--   rows      a loop over the live kernel rows, the columns unrolled;
--   unrolled  every live tap unrolled.
local function style(R, Q, width, G)
    if (not R.dynamic and R.lo == R.hi) or (not Q.dynamic and Q.lo == Q.hi) then
        return "none", G
    elseif Q.dynamic then
        return "taps", G
    end
    local per_row = (Q.hi - Q.lo) * width * G
    if R.dynamic or (R.hi - R.lo) * per_row > A.UNROLL_MAX then
        return "rows", per_row
    end
    return "unrolled", (R.hi - R.lo) * per_row
end
A.style = style

-- FMA statements of the whole kernel for a choice of bands.
local function cost(rows, cols, ch, P)
    local total = 0
    local groups = {}
    for _, u in ipairs(ch.count > 0 and ch.main or {}) do
        groups[#groups + 1] = #u.tiles
    end
    for _, u in ipairs(ch.tail) do
        groups[#groups + 1] = #u.tiles
    end
    for _, R in ipairs(rows) do
        for _, Q in ipairs(cols) do
            for _, blk in ipairs(blocks(Q, P)) do
                for _, g in ipairs(groups) do
                    local _, n = style(R, Q, blk.width, g)
                    total = total + n + 4
                end
            end
        end
    end
    return total
end

-- The plan of a SIMD kernel for the checked, shape-specialized cfg c
-- (c.target avx2 or avx512).
function A.make(c)
    local knobs = A.knobs(c, assert(Isa.of(c.target), "no SIMD target"))
    local isa = knobs.isa
    local V = isa.V
    local d = {
        in_h = c.in_h, in_w = c.in_w, ch = c.channels, m = c.multiplier,
        oc = c.channels * c.multiplier, out_h = c.out_h, out_w = c.out_w,
        kh = c.kernel_h, kw = c.kernel_w, sh = c.stride_h, sw = c.stride_w,
        rh = c.rate_h, rw = c.rate_w, pt = c.pad_top, pl = c.pad_left,
        taps = c.kernel_h * c.kernel_w,
    }
    local ch = channel_plan(c, knobs.G, V)
    local shifted
    if isa.shift and d.m == 1 and d.ch % 8 == 0 and knobs.shift ~= false then
        shifted = shifted_plan(c, ch.G, d.taps)
    end
    local gr = { size = c.in_h, taps = d.kh, stride = d.sh, rate = d.rh, pad = c.pad_top,
                 out = c.out_h }
    local gc = { size = c.in_w, taps = d.kw, stride = d.sw, rate = d.rw, pad = c.pad_left,
                 out = c.out_w }
    -- Layouts 1 and 2 with the shifted body, then without it (it gains 5-7%
    -- for large kernels, far less than dynamic border columns lose), then 3.
    local rows, cols, layout, total, keep
    for _, l in ipairs({ { 1, true }, { 2, true }, { 1, false }, { 2, false }, { 3, true },
                         { 3, false } }) do
        layout, keep = l[1], l[2] and shifted ~= nil
        rows, cols = axis_bands(gr, layout > 1), axis_bands(gc, layout > 2)
        total = cost(rows, cols, ch, knobs.P) + (keep and cost(rows, cols, shifted, knobs.P) or 0)
        if total <= isa.budget then
            break
        end
    end
    if not keep then
        shifted = nil
    end
    for _, Q in ipairs(cols) do
        Q.blocks = blocks(Q, knobs.P)
    end
    local resident = knobs.order ~= "pixel" and ch.G * d.taps <= isa.resident
    return { d = d, ch = ch, shifted = shifted, rows = rows, cols = cols, layout = layout,
             cost = total, knobs = knobs, resident = resident, key = A.key(c), isa = isa,
             V = V }
end

return A
