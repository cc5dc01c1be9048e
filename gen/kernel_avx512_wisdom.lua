-- kernel_avx512_wisdom.lua - measured loop-order choices for the avx512
-- target: the same format as kernel_avx2_wisdom.lua (read it first), keyed
-- by kernel_simd_plan's A.key, overriding kernel_simd_plan's avx512 rule.
-- `make tune-avx512` rewrites this file.

return {
    -- 1.08x over the rule's pixel,4,1,r4 (Intel(R) Xeon(R) Processor)
    ["112x112x16 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 8, G = 1 },
    -- 1.06x over the rule's pixel,4,1 (Intel(R) Xeon(R) Processor)
    ["112x112x64 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 8, G = 1, NG = 4 },
    -- 1.32x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["14x14x184 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1, rows = 4 },
    -- 1.33x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["14x14x200 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1 },
    -- 1.14x over the rule's tile,4,1 (Intel(R) Xeon(R) Processor)
    ["14x14x384 k7x7 s1x1 r1x1 m1"] = { order = "row", P = 8, G = 1 },
    -- 1.10x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["14x14x480 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1, rows = 4 },
    -- 1.27x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["14x14x512 k3x3 s1x1 r1x1 m1"] = { order = "row", P = 12, G = 1 },
    -- 1.09x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["14x14x672 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1, rows = 4 },
    -- 1.05x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["19x19x728 k3x3 s1x1 r1x1 m1"] = { order = "row", P = 6, G = 1 },
    -- 1.29x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["20x20x7 k5x5 s1x1 r1x1 m3"] = { isa = "avx2", order = "row", P = 4, G = 2 },
    -- 1.38x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["224x224x3 k3x3 s2x2 r1x1 m8"] = { isa = "avx2", order = "pixel", P = 5, G = 1 },
    -- 1.07x over the rule's pixel,4,1 (Intel(R) Xeon(R) Processor)
    ["257x257x96 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.14x over the rule's tile,4,1 (Intel(R) Xeon(R) Processor)
    ["28x28x192 k7x7 s1x1 r1x1 m1"] = { order = "row", P = 12, G = 1, rows = 4 },
    -- 1.26x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["28x28x256 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 1, rows = 2 },
    -- 1.12x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["28x28x64 k3x3 s1x1 r1x1 m2"] = { order = "tile", P = 4, G = 2 },
    -- 1.06x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["32x32x24 k3x3 s1x1 r2x2 m2"] = { order = "tile", P = 4, G = 1 },
    -- 1.16x over the rule's pixel,4,1,r4 (Intel(R) Xeon(R) Processor)
    ["33x33x960 k3x3 s1x1 r2x2 m1"] = { order = "pixel", P = 8, G = 1 },
    -- 1.31x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["56x56x128 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.14x over the rule's tile,4,2 (Intel(R) Xeon(R) Processor)
    ["56x56x144 k3x3 s2x2 r1x1 m1"] = { order = "row", P = 4, G = 1 },
    -- 1.09x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["56x56x16 k3x3 s2x2 r1x1 m4"] = { order = "tile", P = 4, G = 2 },
    -- 1.08x over the rule's pixel,4,1 (Intel(R) Xeon(R) Processor)
    ["56x56x96 k7x7 s1x1 r1x1 m1"] = { order = "row", P = 12, G = 1, rows = 4 },
    -- 1.06x over the rule's pixel,4,1,r4 (Intel(R) Xeon(R) Processor)
    ["65x65x192 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 1, rows = 2 },
    -- 1.06x over the rule's row,7,1 (Intel(R) Xeon(R) Processor)
    ["7x7x768 k7x7 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1 },
    -- 1.26x over the rule's row,7,1 (Intel(R) Xeon(R) Processor)
    ["7x7x960 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 8, G = 1 },
}
