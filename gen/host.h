/*
 * host.h - the C libraries the dwgen host gives its Lua code.
 *
 * Each opens as a module table (package.preload), used by the Lua modules:
 *   dwgen.host     the embedded files and the version (main.c)
 *   dwgen.fs       the few file-system calls plain Lua lacks (fs.c)
 *   dwgen.sandbox  runs a layer file in a separate, bounded state (sandbox.c)
 */
#ifndef DWGEN_HOST_H
#define DWGEN_HOST_H

#include <lua.h>

int dwgen_open_fs(lua_State *L);
int dwgen_open_sandbox(lua_State *L);

/* In a state with the standard libraries open: the host libraries above and
 * the embedded Lua modules become require()-able, and nothing else (main.c). */
void dwgen_install_modules(lua_State *L);

#endif /* DWGEN_HOST_H */
