/*
 * bench_codesize.h - the code size of each generated kernel.
 *
 * peers.mk compiles every generated .c to its own object and writes one
 * line per object: the file's base name (which is the kernel's name) and
 * the bytes of its .text sections, separated by a tab.
 */
#ifndef BENCH_CODESIZE_H
#define BENCH_CODESIZE_H

#include <stddef.h>

typedef struct bench_codesize {
    size_t count;
    char **names;
    long *bytes;
} bench_codesize;

/* Read such a file; 0, or -1 with the reason in err. */
int bench_codesize_load(const char *path, bench_codesize *cs, char *err, size_t len);

/* The .text bytes of the named kernel, or -1 when it is not listed. */
long bench_codesize_of(const bench_codesize *cs, const char *name);

void bench_codesize_free(bench_codesize *cs);

#endif
