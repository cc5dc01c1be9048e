/*
 * torture.h - the random cases of the torture test (tests/torture/draw.lua
 * writes the table, torture.c runs it).
 */
#ifndef TORTURE_H
#define TORTURE_H

#include <stddef.h>

#include "dwgen.h"

typedef struct torture_case {
    int id;                  /* 1-based, as draw.lua numbered it */
    const char *spec;        /* the layer as dwgen's --layer option spells it */
    dwgen_params params;     /* the drawn layer */
    dwgen_params other_size; /* the same configuration at another input size */
} torture_case;

extern const unsigned torture_seed;
extern const torture_case torture_cases[];
extern const size_t torture_case_count;

/* The kernels generated for the cases: shape- and configuration-specialized. */
extern const dwgen_registry torture_registry;

#endif
