-- kernel_avx2_wisdom.lua - measured loop-order choices for the avx2 target.
--
-- Like FFTW's wisdom: a checked-in table that generation reads, so the
-- generated code stays deterministic while the choices come from
-- measurements on a build machine. The key is kernel_simd_plan's A.key
-- ("HxWxC kKHxKW sSHxSW rRHxRW mM"); the value overrides fields of the
-- default rule (A.default_knobs), except that NG and rows are the entry's
-- alone (absent: none, whatever the rule would choose):
--   order  "row" | "tile" | "pixel"   (see kernel_simd_plan.lua)
--   P      output pixels per block along W (1..8)
--   G      8-channel tiles per unit (M = 1: 1 or 2; M > 1: 1, or >1 for a
--          whole super-tile sharing one input load)
--   NG     pixel order only: channel groups of NG super-tiles (all when
--          absent), so a block's input stays in L1 for wide layers
--   rows   output rows per pass (1 when absent): each unit runs for the
--          pass's rows in turn, so the input rows they share come from L1
--   isa    in another target's file only: "avx2" writes that layer's
--          kernel with this set's vectors, where they measured faster
--          (kernel_isa.lua's `also`; then P, G and the rule are avx2's)
-- `make tune-avx2` rewrites this file: every shape-specialized layer of
-- MODELS is generated with each candidate, timed side by side, and listed
-- here when one beats the rule by 5% or more (the comment says by how much
-- and on which CPU). The entries below came from the shipped models.

return {
    -- 1.06x over the rule's pixel,4,2 (Intel(R) Xeon(R) Processor)
    ["112x112x16 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 5, G = 1 },
    -- 1.05x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["112x112x64 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2, NG = 4 },
    -- 1.10x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["129x129x144 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.43x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x184 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1 },
    -- 1.45x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x200 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 1 },
    -- 1.12x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x384 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
    -- 1.48x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x480 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
    -- 1.19x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x512 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2, NG = 4 },
    -- 1.10x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["14x14x512 k3x3 s2x2 r1x1 m1"] = { order = "row", P = 5, G = 1 },
    -- 1.16x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x576 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
    -- 1.49x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["14x14x672 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
    -- 1.06x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["224x224x3 k3x3 s2x2 r1x1 m8"] = { order = "row", P = 8, G = 1 },
    -- 1.11x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["257x257x96 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2, NG = 4 },
    -- 1.16x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["28x28x192 k3x3 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
    -- 1.59x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["28x28x192 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 5, G = 1 },
    -- 1.07x over the rule's row,4,2 (Intel(R) Xeon(R) Processor)
    ["28x28x192 k7x7 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
    -- 1.12x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["28x28x240 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 5, G = 1 },
    -- 1.08x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["28x28x256 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.11x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["28x28x64 k3x3 s1x1 r1x1 m2"] = { order = "tile", P = 4, G = 2 },
    -- 1.08x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["32x32x24 k3x3 s1x1 r2x2 m2"] = { order = "row", P = 8, G = 1 },
    -- 1.11x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["33x33x384 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.46x over the rule's row,5,1 (Intel(R) Xeon(R) Processor)
    ["33x33x576 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2, NG = 4 },
    -- 1.09x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["56x56x128 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.06x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["56x56x144 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.07x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["56x56x144 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.09x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["56x56x16 k3x3 s2x2 r1x1 m4"] = { order = "pixel", P = 4, G = 2, NG = 4 },
    -- 1.22x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["56x56x72 k5x5 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2, NG = 4 },
    -- 1.05x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["65x65x192 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.08x over the rule's pixel,5,1 (Intel(R) Xeon(R) Processor)
    ["65x65x192 k3x3 s2x2 r1x1 m1"] = { order = "pixel", P = 4, G = 2 },
    -- 1.12x over the rule's row,8,1 (Intel(R) Xeon(R) Processor)
    ["7x7x768 k7x7 s1x1 r1x1 m1"] = { order = "tile", P = 4, G = 2 },
}
