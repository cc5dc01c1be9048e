-- kernel_plan.lua - the layout of one generated kernel: its row bands, the
-- column bands inside each, and how each (row band, column band) block
-- runs. The template turns the plan into C; every C expression it prints
-- comes from here, already simplified.
--
-- A band has a fixed live tap range [lo, hi) (known at generation time)
-- or is dynamic: its range is worked out per row or column at run time.
-- A block runs in one of four styles:
--   single  every live tap unrolled inside one channel loop: the fast path;
--   rows    a loop over the live kernel rows, the live kernel columns
--           unrolled inside a channel loop that accumulates into the output;
--   taps    loops over both kernel rows and columns (dynamic columns);
--   none    no tap is live: the output is the activated bias.
--
-- The unrolling rule (also stated in templates/kernel_c.c.in):
--   * A block is single when both ranges are fixed and hold at most
--     MAX_SINGLE taps, else rows (fixed columns) or taps (dynamic columns).
--   * Shape-specialized kernels try three layouts and keep the first whose
--     cost (unrolled tap statements plus a few lines per block) is within
--     BUDGET: 1. every row and column band fixed; 2. the border rows
--     dynamic; 3. the border rows and columns dynamic. Layout 3 is always
--     small: only the inside block is unrolled.
--   * Configuration-specialized kernels (size known at run time) use
--     layout 3, with the band boundaries computed at run time.

local B = require("kernel_bands")

local P = {}

P.MAX_SINGLE = 81  -- taps in one channel loop: up to 9x9 fully unrolled
P.BUDGET = 512     -- cost of a whole kernel, in tap statements

-- An affine C expression: terms is a list of { coefficient, atom } where an
-- atom is a C name (kept) or a number (folded into the constant k).
-- lin({ {2, "i"}, {-1, "pad_top"} }, 3) == "2 * i - pad_top + 3".
local function lin(terms, k)
    k = k or 0
    local out = ""
    for _, t in ipairs(terms) do
        local coef, atom = t[1], t[2]
        if type(atom) == "number" then
            k = k + coef * atom
        elseif coef ~= 0 then
            local mag = math.abs(coef)
            local term = mag == 1 and atom or (mag .. " * " .. atom)
            if out == "" then
                out = (coef < 0 and "-" or "") .. term
            else
                out = out .. (coef < 0 and " - " or " + ") .. term
            end
        end
    end
    if out == "" then
        return tostring(k)
    elseif k ~= 0 then
        out = out .. (k < 0 and " - " or " + ") .. math.abs(k)
    end
    return out
end
P.lin = lin

-- "1..2" or "1" for the inclusive range first..last.
local function span(first, last)
    if first == last then
        return tostring(first)
    end
    return first .. ".." .. last
end

-- The words one axis uses in comments and names in code.
local AXES = {
    row = { lo = "d0", hi = "d1", word = "row", words = "rows",
            kernel = "kernel row", before = "top", after = "bottom" },
    col = { lo = "e0", hi = "e1", word = "column", words = "columns",
            kernel = "kernel column", before = "left", after = "right" },
}

-- "kernel rows 1..2 live" / "kernel row 1 live" / "no kernel row live".
local function live_words(ax, lo, hi)
    if lo == hi then
        return "no " .. ax.kernel .. " live"
    elseif hi - lo == 1 then
        return ax.kernel .. " " .. lo .. " live"
    end
    return ax.kernel .. "s " .. span(lo, hi - 1) .. " live"
end

local function side_words(ax, side)
    if side == "before" then
        return ax.before .. " padding, "
    elseif side == "after" then
        return ax.after .. " padding, "
    elseif side == "both" then
        return ax.before .. " and " .. ax.after .. " padding, "
    elseif side == "none" then
        return "only padding, "
    end
    return ""
end

-- A fixed band of a known-size axis.
local function fixed_band(ax, b)
    local words = (b.first == b.last and ax.word or ax.words) .. " " ..
                  span(b.first, b.last) .. ": " ..
                  side_words(ax, b.side) .. live_words(ax, b.lo, b.hi)
    if b.side == "inside" then
        words = words .. ", no padding"
    end
    return { first = tostring(b.first), stop = tostring(b.last + 1),
             lo = b.lo, hi = b.hi, comment = words }
end

-- A dynamic band over outputs [first, stop) (C expressions); where says
-- which outputs in words and why they are there.
local function dynamic_band(ax, first, stop, where)
    return { first = first, stop = stop, dynamic = true,
             comment = where .. "; live " .. ax.kernel .. "s [" .. ax.lo .. ", " .. ax.hi ..
                       ") per " .. ax.word }
end

-- Layout 1 for one axis: every band fixed.
local function all_fixed(ax, geo)
    local list = {}
    for _, b in ipairs(B.bands(geo)) do
        list[#list + 1] = fixed_band(ax, b)
    end
    return list
end

-- "rows 3..5" or "row 3" (inclusive, fixed numbers).
local function fixed_span(ax, first, last)
    return (first == last and ax.word or ax.words) .. " " .. span(first, last)
end

-- Layouts 2 and 3 for one axis: the inside band fixed, the rest dynamic.
local function inside_fixed(ax, geo)
    local first, stop = B.full_range(geo)
    local list = {}
    if first == stop then
        list[1] = dynamic_band(ax, "0", tostring(geo.out), fixed_span(ax, 0, geo.out - 1) ..
                               ": padding on both sides, the kernel is wider than the input")
        return list
    end
    if first > 0 then
        list[#list + 1] = dynamic_band(ax, "0", tostring(first), fixed_span(ax, 0, first - 1) ..
                                       ": " .. ax.before .. " padding")
    end
    list[#list + 1] = fixed_band(ax, { first = first, last = stop - 1, lo = 0,
                                       hi = geo.taps, side = "inside" })
    if stop < geo.out then
        list[#list + 1] = dynamic_band(ax, tostring(stop), tostring(geo.out),
                                       fixed_span(ax, stop, geo.out - 1) .. ": " ..
                                       ax.after .. " padding")
    end
    return list
end

-- The bands of an axis whose size is known only at run time: [0, begin)
-- with padding before (absent when the padding before is always 0), the
-- padding-free [begin, end), then [end, out) with padding after (absent
-- when there never is any). An input smaller than the kernel has no
-- padding-free output: begin == end, and the dynamic bands cover all.
-- Returns the bands and the boundary variables the kernel must compute.
local function runtime_bands(ax, pad_before, may_pad_after, out, taps)
    local list, vars = {}, {}
    local prefix = ax.word == "row" and "row" or "col"
    local first, stop = "0", out
    if pad_before ~= 0 then
        first = prefix .. "_full_begin"
        vars.begin = first
        list[#list + 1] = dynamic_band(ax, "0", first, ax.words .. " [0, " .. first .. "): " ..
                                       ax.before .. " padding")
    end
    if may_pad_after then
        stop = prefix .. "_full_end"
        vars.stop = stop
    end
    list[#list + 1] = { first = first, stop = stop, lo = 0, hi = taps,
                        comment = ax.words .. " [" .. first .. ", " .. stop .. "): every " ..
                                  ax.kernel .. " live, no padding" }
    if may_pad_after then
        list[#list + 1] = dynamic_band(ax, stop, out, ax.words .. " [" .. stop .. ", " .. out ..
                                       "): " .. ax.after .. " padding")
    end
    vars.first = first
    return list, vars
end

-- The style of the block (row band R, column band Q).
local function style_of(R, Q)
    if (not R.dynamic and R.lo == R.hi) or (not Q.dynamic and Q.lo == Q.hi) then
        return "none"
    elseif Q.dynamic then
        return "taps"
    elseif not R.dynamic and (R.hi - R.lo) * (Q.hi - Q.lo) <= P.MAX_SINGLE then
        return "single"
    end
    return "rows"
end

-- The cost of a layout: unrolled tap statements plus lines per block.
local function cost(rows, cols)
    local total = 0
    for _, R in ipairs(rows) do
        for _, Q in ipairs(cols) do
            local s = style_of(R, Q)
            if s == "single" then
                total = total + (R.hi - R.lo) * (Q.hi - Q.lo) + 4
            elseif s == "rows" then
                total = total + (Q.hi - Q.lo) + 8
            else
                total = total + 10
            end
        end
        total = total + 4
    end
    return total
end

-- Turn tap products into statements ("float acc = first;" then
-- "acc += next;", or all "acc += ..." when accumulating) and align the
-- comments after them.
local function statements(list, declare)
    local width = 0
    for k, t in ipairs(list) do
        t.stmt = ((declare and k == 1) and "float acc = " or "acc += ") .. t.expr .. ";"
        width = math.max(width, #t.stmt)
    end
    for _, t in ipairs(list) do
        t.pad = string.rep(" ", width - #t.stmt + 2)
    end
end

-- "(ptrdiff_t)i" or "(ptrdiff_t)(i - 1)": an int expression widened.
local function wide(expr)
    if expr:match("^[%w_]+$") then
        return "(ptrdiff_t)" .. expr
    end
    -- Cast the first operand, not the sum: the sum itself may pass INT_MAX.
    return "((ptrdiff_t)" .. expr .. ")"
end
P.wide = wide

-- Fill in the C expressions of block (R, Q): the input position of the
-- first live tap, the tap statements, the weight pointers.
-- d: the dimension names of the kernel (constants or run-time variables).
local function fill_block(blk, R, Q, d)
    -- With a multiplier the weights are read through wc, the tap's weights
    -- of input channel c, at output channel m of that input channel.
    local m1 = d.m == 1
    local oc = m1 and "c" or "m"
    if blk.style == "single" then
        blk.xrow = wide(lin({ { d.sh, "i" }, { -1, d.pad_top } }, R.lo * d.rh))
        blk.xcol = lin({ { d.sw, "j" }, { -1, d.pad_left } }, Q.lo * d.rw)
        blk.taps = {}
        for di = R.lo, R.hi - 1 do
            for dj = Q.lo, Q.hi - 1 do
                local x = lin({ { di - R.lo, "dy" }, { dj - Q.lo, "dx" }, { 1, "c" } })
                local w = lin({ { di * d.kw + dj, d.out_c }, { 1, oc } })
                blk.taps[#blk.taps + 1] = { expr = "xp[" .. x .. "] * " ..
                                                   (m1 and "w[" or "wc[") .. w .. "]",
                                            name = "(" .. di .. "," .. dj .. ")" }
            end
        end
        statements(blk.taps, true)
    elseif blk.style == "rows" then
        blk.d_first = R.dynamic and "d0" or tostring(R.lo)
        blk.d_stop = R.dynamic and "d1" or tostring(R.hi)
        blk.xrow = wide(lin({ { d.sh, "i" }, { d.rh, "di" }, { -1, d.pad_top } }))
        blk.xcol = lin({ { d.sw, "j" }, { -1, d.pad_left } }, Q.lo * d.rw)
        blk.wrow = Q.lo == 0 and lin({ { d.kw, "di" } }) .. " * " .. d.out_c or
                   "(" .. lin({ { d.kw, "di" } }, Q.lo) .. ") * " .. d.out_c
        blk.taps = {}
        for dj = Q.lo, Q.hi - 1 do
            local x = lin({ { dj - Q.lo, "dx" }, { 1, "c" } })
            local w = lin({ { dj - Q.lo, d.out_c }, { 1, oc } })
            blk.taps[#blk.taps + 1] = { expr = "xq[" .. x .. "] * " ..
                                               (m1 and "wq[" or "wc[") .. w .. "]",
                                        name = tostring(dj) }
        end
        statements(blk.taps, false)
    elseif blk.style == "taps" then
        blk.d_first = R.dynamic and "d0" or tostring(R.lo)
        blk.d_stop = R.dynamic and "d1" or tostring(R.hi)
        blk.col_pos = lin({ { d.sw, "j" }, { -1, d.pad_left } })
        blk.xrow = wide(lin({ { d.sh, "i" }, { d.rh, "di" }, { -1, d.pad_top } }))
        blk.xcol = lin({ { d.sw, "j" }, { d.rw, "dj" }, { -1, d.pad_left } })
        blk.wtap = "(" .. lin({ { d.kw, "di" }, { 1, "dj" } }) .. ") * " .. d.out_c
    end
end

-- A C comment as lines of at most width characters.
local function comment(text, width)
    if #text + 6 <= width then
        return { "/* " .. text .. " */" }
    end
    local lines, line = { "/*" }, " *"
    for word in text:gmatch("%S+") do
        if #line + 1 + #word > width and line ~= " *" then
            lines[#lines + 1] = line
            line = " *"
        end
        line = line .. " " .. word
    end
    lines[#lines + 1] = line
    lines[#lines + 1] = " */"
    return lines
end

-- The blocks of every row band, and the strings needed to print them.
-- Comments fit in 100 columns after the band's indentation (4 or 8).
local function layout(rows, cols, d)
    for _, R in ipairs(rows) do
        R.comment_lines = comment(R.comment, 96)
        R.row_pos = lin({ { d.sh, "i" }, { -1, d.pad_top } })
        R.blocks = {}
        for _, Q in ipairs(cols) do
            local blk = { first = Q.first, stop = Q.stop, comment_lines = comment(Q.comment, 92),
                          style = style_of(R, Q), dynamic = Q.dynamic }
            fill_block(blk, R, Q, d)
            R.blocks[#R.blocks + 1] = blk
        end
    end
end

-- The plan of a kernel for a checked configuration cfg (see kernel_render).
function P.make(cfg)
    local fixed = cfg.in_h > 0
    local d = {
        kh = cfg.kernel_h, kw = cfg.kernel_w, sh = cfg.stride_h, sw = cfg.stride_w,
        rh = cfg.rate_h, rw = cfg.rate_w, m = cfg.multiplier,
    }
    d.oc = d.m == 1 and "c" or "oc" -- the output channel in whole-pixel loops
    local plan = { fixed = fixed, d = d, vars = {} }
    local rows, cols
    if fixed then
        d.in_h, d.in_w, d.ch = tostring(cfg.in_h), tostring(cfg.in_w), tostring(cfg.channels)
        d.out_h, d.out_w = tostring(cfg.out_h), tostring(cfg.out_w)
        d.out_c = tostring(cfg.channels * cfg.multiplier)
        d.pad_top, d.pad_left = cfg.pad_top, cfg.pad_left
        local gr = { size = cfg.in_h, taps = d.kh, stride = d.sh, rate = d.rh,
                     pad = cfg.pad_top, out = cfg.out_h }
        local gc = { size = cfg.in_w, taps = d.kw, stride = d.sw, rate = d.rw,
                     pad = cfg.pad_left, out = cfg.out_w }
        local layouts = {
            { all_fixed(AXES.row, gr), all_fixed(AXES.col, gc), 1 },
            { inside_fixed(AXES.row, gr), all_fixed(AXES.col, gc), 2 },
            { inside_fixed(AXES.row, gr), inside_fixed(AXES.col, gc), 3 },
        }
        for _, l in ipairs(layouts) do
            rows, cols, plan.layout = l[1], l[2], l[3]
            plan.cost = cost(rows, cols)
            if plan.cost <= P.BUDGET then
                break
            end
        end
    else
        d.in_h, d.in_w, d.ch = "in_h", "in_w", "ch"
        d.out_h, d.out_w, d.out_c = "out_h", "out_w", "out_c"
        local pt = B.pad_before_constant(cfg.padding, d.kh, d.sh, d.rh, cfg.pad_top)
        local pl = B.pad_before_constant(cfg.padding, d.kw, d.sw, d.rw, cfg.pad_left)
        d.pad_top, d.pad_left = pt or "pad_top", pl or "pad_left"
        local rvars, cvars
        rows, rvars = runtime_bands(AXES.row, pt, B.may_pad_after(cfg.padding, d.kh, d.rh,
                                    cfg.pad_bottom), "out_h", d.kh)
        cols, cvars = runtime_bands(AXES.col, pl, B.may_pad_after(cfg.padding, d.kw, d.rw,
                                    cfg.pad_right), "out_w", d.kw)
        plan.row_vars, plan.col_vars = rvars, cvars
        plan.layout = 3
        plan.cost = cost(rows, cols)
    end
    layout(rows, cols, d)
    plan.rows, plan.cols = rows, cols
    return plan
end

return P
