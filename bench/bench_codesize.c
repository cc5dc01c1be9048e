/*
 * bench_codesize.c - read the per-kernel .text sizes peers.mk measured.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_codesize.h"

/* Append one name/bytes pair; 0, or -1 when out of memory. */
static int add(bench_codesize *cs, const char *name, long bytes)
{
    char **names = realloc(cs->names, (cs->count + 1) * sizeof *names);
    if (names == NULL)
        return -1;
    cs->names = names;
    long *sizes = realloc(cs->bytes, (cs->count + 1) * sizeof *sizes);
    if (sizes == NULL)
        return -1;
    cs->bytes = sizes;
    if ((cs->names[cs->count] = malloc(strlen(name) + 1)) == NULL)
        return -1;
    strcpy(cs->names[cs->count], name);
    cs->bytes[cs->count++] = bytes;
    return 0;
}

int bench_codesize_load(const char *path, bench_codesize *cs, char *err, size_t len)
{
    char line[1024];
    int lineno = 0;
    FILE *f = fopen(path, "r");

    *cs = (bench_codesize){ 0, NULL, NULL };
    if (f == NULL) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t'), *end;
        lineno++;
        if (tab == NULL) {
            snprintf(err, len, "%s:%d: expected NAME<tab>BYTES", path, lineno);
            goto fail;
        }
        *tab = '\0';
        long bytes = strtol(tab + 1, &end, 10);
        if (end == tab + 1 || (*end != '\n' && *end != '\0') || bytes < 0) {
            snprintf(err, len, "%s:%d: bad byte count", path, lineno);
            goto fail;
        }
        if (add(cs, line, bytes) != 0) {
            snprintf(err, len, "out of memory");
            goto fail;
        }
    }
    fclose(f);
    return 0;
fail:
    fclose(f);
    bench_codesize_free(cs);
    return -1;
}

long bench_codesize_of(const bench_codesize *cs, const char *name)
{
    for (size_t i = 0; cs != NULL && name != NULL && i < cs->count; i++)
        if (strcmp(cs->names[i], name) == 0)
            return cs->bytes[i];
    return -1;
}

void bench_codesize_free(bench_codesize *cs)
{
    for (size_t i = 0; i < cs->count; i++)
        free(cs->names[i]);
    free(cs->names);
    free(cs->bytes);
    *cs = (bench_codesize){ 0, NULL, NULL };
}
