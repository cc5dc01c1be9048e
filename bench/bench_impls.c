/*
 * bench_impls.c - the one list of implementations the benchmark runs.
 *
 * The driver, the check and the report all walk this table; adding a peer
 * is one file plus one line here. A peer whose package was absent at build
 * time stays listed: its init says so and the run skips it.
 */
#include "bench_impl.h"

const bench_impl_kind *const bench_impl_kinds[] = {
    &bench_kind_dwgen,      /* first: every ratio is against it */
    &bench_kind_dwgen_2t,
    &bench_kind_generic,
    &bench_kind_xnnpack,
    &bench_kind_onednn,
    &bench_kind_copy,       /* the memory-traffic floor, last */
};

const size_t bench_impl_kind_count = sizeof bench_impl_kinds / sizeof bench_impl_kinds[0];
