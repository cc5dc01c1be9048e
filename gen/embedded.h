/*
 * embedded.h - files compiled into the dwgen binary.
 *
 * The build turns the generator's Lua modules, the templates and the few
 * Penlight modules it needs into one table (build/gen/embedded.c, written by
 * gen/embed.c), so the binary runs from any folder without the source tree.
 */
#ifndef DWGEN_EMBEDDED_H
#define DWGEN_EMBEDDED_H

#include <stddef.h>

typedef struct dwgen_embedded_file {
    const char *key;            /* "module:NAME" or "template:FILE" */
    const char *path;           /* where it came from, for error messages */
    const unsigned char *data;
    size_t size;
} dwgen_embedded_file;

extern const dwgen_embedded_file dwgen_embedded_files[];
extern const size_t dwgen_embedded_count;

#endif /* DWGEN_EMBEDDED_H */
