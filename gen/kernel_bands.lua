-- kernel_bands.lua - which kernel taps are live where, along one axis.
--
-- A depthwise kernel reads, for output index o of an axis (a row or a
-- column), the input positions o*stride + t*rate - pad for taps t in
-- [0, taps). Positions outside [0, size) are padding and read 0, so they
-- can be skipped: the taps that remain are one contiguous range [lo, hi),
-- because the position grows with t. Consecutive outputs with the same
-- range form a band; a specialized kernel writes one loop per band with
-- that band's taps unrolled, and no padding test is left inside it.
--
-- An axis is a table { size, taps, stride, rate, pad, out }: input size,
-- kernel taps, stride, rate (dilation), padding before, output size.
-- Everything here is plain integer arithmetic (Lua's // floors).

local B = {}

-- The live taps [lo, hi) of output index o; lo == hi when none is live.
function B.live(ax, o)
    local pos = o * ax.stride - ax.pad
    local lo, hi = 0, 0
    if pos < 0 then
        lo = (-pos + ax.rate - 1) // ax.rate
    end
    if pos < ax.size then
        hi = math.min(ax.taps, (ax.size - 1 - pos) // ax.rate + 1)
    end
    if lo >= hi then
        return 0, 0
    end
    return lo, hi
end

-- What a band touches: "inside", "before" (padding before the input),
-- "after", "both" (input narrower than the kernel), or "none" (only padding).
local function side(ax, lo, hi)
    if lo == hi then
        return "none"
    elseif lo > 0 and hi < ax.taps then
        return "both"
    elseif lo > 0 then
        return "before"
    elseif hi < ax.taps then
        return "after"
    end
    return "inside"
end

-- The bands of an axis with a known size: a list of
-- { first, last (inclusive), lo, hi, side } covering outputs 0 .. out-1.
-- Live ranges only shrink from one end as o grows, so equal ranges are
-- always consecutive: one band per distinct range.
function B.bands(ax)
    local list = {}
    for o = 0, ax.out - 1 do
        local lo, hi = B.live(ax, o)
        local last = list[#list]
        if last and last.lo == lo and last.hi == hi then
            last.last = o
        else
            list[#list + 1] = { first = o, last = o, lo = lo, hi = hi, side = side(ax, lo, hi) }
        end
    end
    return list
end

-- The outputs [first, stop) whose taps are all live (an empty range sits
-- where the padding-free run would start). Matches full_begin/full_end in
-- the generated code for sizes known only at run time.
function B.full_range(ax)
    local first = math.min(ax.out, (ax.pad + ax.stride - 1) // ax.stride)
    local last = ax.size - 1 + ax.pad - (ax.taps - 1) * ax.rate
    local stop = last < 0 and 0 or math.min(ax.out, last // ax.stride + 1)
    return first, math.max(first, stop)
end

-- Effective kernel extent (k - 1) * rate + 1.
function B.extent(taps, rate)
    return (taps - 1) * rate + 1
end

-- TensorFlow's output size and padding before/after for one axis
-- (see the conformance README); nil when the output would be empty.
function B.geometry(padding, size, taps, stride, rate, explicit_before, explicit_after)
    local eff = B.extent(taps, rate)
    local before, after
    if padding == "valid" then
        before, after = 0, 0
    elseif padding == "same" then
        local out = (size + stride - 1) // stride
        local total = math.max((out - 1) * stride + eff - size, 0)
        before = total // 2
        after = total - before
    else
        before, after = explicit_before, explicit_after
    end
    if size + before + after < eff then
        return nil
    end
    return (size + before + after - eff) // stride + 1, before, after
end

-- SAME padding before, when it is the same for every input size; nil when
-- it depends on size mod stride. With size = q*stride + t the total is
-- max(eff - (t == 0 and stride or t), 0), so only the residue matters.
function B.same_pad_constant(taps, stride, rate)
    local eff = B.extent(taps, rate)
    local value
    for t = 0, stride - 1 do
        local total = math.max(eff - (t == 0 and stride or t), 0)
        if value and value ~= total // 2 then
            return nil
        end
        value = total // 2
    end
    return value
end

-- Padding before an axis for a kernel whose size is known only at run
-- time: a number when it is the same for every size, nil when it is not
-- (SAME with stride > 1 may depend on size mod stride).
function B.pad_before_constant(padding, taps, stride, rate, explicit_before)
    if padding == "valid" then
        return 0
    elseif padding == "explicit" then
        return explicit_before
    end
    return B.same_pad_constant(taps, stride, rate)
end

-- Can outputs lose taps at the end of the axis for some input size?
-- Never with VALID (its last output ends inside the input), with EXPLICIT
-- only when there is padding after, with SAME only when the dilated
-- kernel is wider than one position (otherwise SAME pads nothing).
function B.may_pad_after(padding, taps, rate, explicit_after)
    if padding == "valid" then
        return false
    elseif padding == "explicit" then
        return explicit_after > 0
    end
    return B.extent(taps, rate) > 1
end

return B
