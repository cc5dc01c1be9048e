-- kernel_isa.lua - the x86-64 vector instruction sets of the SIMD targets.
--
--   local Isa = require("kernel_isa")
--   local isa = Isa.avx2            -- or Isa.avx512; Isa.of("avx512")
--
-- kernel_simd_plan.lua lays out a kernel in tiles of isa.V output channels
-- and kernel_simd_code.lua spells it with the intrinsics named here; both
-- are otherwise the same for every target. What differs between the sets:
--   V        floats per vector register (a "tile" of output channels)
--   align    bytes of a vector: the packed weights start on such a boundary
--   vec      the C vector type; ivec, the integer vector of permutations
--   pre      the intrinsic prefix (_mm256_, _mm512_)
--   attr     the function attribute that enables the set, so the kernels
--            compile with any flags (no -mavx2 or -mavx512f needed)
--   cpu_bits what a CPU must have to run them, as dwgen.h's DWGEN_ISA_*
--            bits (the registry entry's isa); cpu_words, the same for people
--   words    the kernel header's phrase for the set
--   masks    "vector": masks are integer vectors (vmaskmovps); "kmask":
--            AVX-512 mask registers (__mmask16), which also make the
--            masked loads of a tail as cheap as plain ones
--   also     the other sets every CPU of this target has, which its wisdom
--            may choose for a layer where they measure faster
--   resident the most weight vectors a tile group keeps in registers (of
--            16 ymm or 32 zmm, beside accumulators and inputs)
--   P_max    the widest pixel block (accumulators per tile)
--   budget   FMA statements in one kernel (both bodies) before border rows,
--            then columns, become loops: some 27 bytes of code a statement
--            with its loads. avx2: 1200, at most about 32 KiB a kernel, so
--            a model of a dozen large-kernel layers (mobilenet_v3) stays
--            under 256 KiB; avx512 needs fewer tiles per layer and affords
--            1792 (mobilenet_v3: 112 KB), which keeps ConvNeXt's 7x7 kernels
--            on 7x7 images fully unrolled (about 1.25x faster than with 1200)
--   shift    the floats by which the second body shifts its tiles so that
--            buffers at malloc's 16-byte alignment are vector aligned
--            (avx2 only: the pair tile of kernel_simd_plan's shifted_plan
--            is two 16-byte halves, which only fits a 32-byte vector)

local Isa = {}

Isa.avx2 = {
    name = "avx2", V = 8, align = 32, vec = "__m256", ivec = "__m256i",
    pre = "_mm256_", attr = "avx2,fma", cpu_words = "AVX2 and FMA",
    cpu_bits = "DWGEN_ISA_AVX2 | DWGEN_ISA_FMA",
    masks = "vector",
    shift = 4, resident = 12, P_max = 8, budget = 1200,
    words = "AVX2+FMA intrinsics, 8 output channels per ymm register",
}

Isa.avx512 = {
    name = "avx512", V = 16, align = 64, vec = "__m512", ivec = "__m512i",
    pre = "_mm512_", attr = "avx512f", cpu_words = "AVX-512F",
    cpu_bits = "DWGEN_ISA_AVX512F",
    masks = "kmask",
    shift = nil, resident = 24, P_max = 12, also = { "avx2" }, budget = 1792,
    words = "AVX-512F intrinsics, 16 output channels per zmm register",
}

-- The descriptor of target name, or nil for a target without one (c).
function Isa.of(name)
    local isa = Isa[name]
    if type(isa) == "table" and isa.V then
        return isa
    end
    return nil
end

return Isa
