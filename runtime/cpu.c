/*
 * cpu.c - which instruction sets this CPU offers the generated kernels.
 *
 * The SIMD kernels carry their instruction set in a function attribute,
 * so they compile anywhere but must only run where the CPU has it; the
 * registry asks here before it hands one out. GCC's and clang's
 * __builtin_cpu_supports also check that the OS saves the wider registers
 * (XCR0), so a CPU with AVX-512 under an OS that does not enable it reports
 * no AVX-512. Elsewhere nothing is reported, and only portable kernels
 * (isa 0) are used.
 */
#include "dwgen.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))

/*
 * Not cached: the builtins read a table the C runtime fills once, so this
 * is cheap, and it needs no shared state between threads.
 */
unsigned dwgen_cpu_isa(void)
{
    unsigned bits = 0;

    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        bits |= DWGEN_ISA_AVX2;
    if (__builtin_cpu_supports("fma"))
        bits |= DWGEN_ISA_FMA;
    if (__builtin_cpu_supports("avx512f"))
        bits |= DWGEN_ISA_AVX512F;
    return bits;
}

#else

unsigned dwgen_cpu_isa(void)
{
    return 0;
}

#endif
