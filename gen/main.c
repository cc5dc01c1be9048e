/*
 * main.c - the dwgen generator's host program.
 *
 * Shaped like Lua's own lua.c: main() only creates a state, runs pmain under
 * lua_pcall with a message handler and reports. All the work happens in Lua
 * (gen/driver.lua); the host adds what Lua cannot do by itself: the files
 * compiled into the binary, file-system calls and the layer-file sandbox.
 *
 * Errors come in two kinds. The Lua code raises a table
 * { status = N, message = "FILE:LINE: ..." } for errors it reports on
 * purpose (bad input: status 2; I/O and template errors: status 1); they
 * print as "dwgen: message". Anything else is a bug and gets a traceback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "dwgen.h"
#include "embedded.h"
#include "host.h"

static const char progname[] = "dwgen";

/* The embedded file with this key, or NULL. */
static const dwgen_embedded_file *find_embedded(const char *key)
{
    for (size_t i = 0; i < dwgen_embedded_count; i++)
        if (strcmp(dwgen_embedded_files[i].key, key) == 0)
            return &dwgen_embedded_files[i];
    return NULL;
}

/* host.embedded(key) -> contents, path | nil */
static int host_embedded(lua_State *L)
{
    const dwgen_embedded_file *f = find_embedded(luaL_checkstring(L, 1));

    if (f == NULL)
        return 0;
    lua_pushlstring(L, (const char *)f->data, f->size);
    lua_pushstring(L, f->path);
    return 2;
}

static int open_host(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        { "embedded", host_embedded },
        { NULL, NULL }
    };
    luaL_newlib(L, funcs);
    lua_pushliteral(L, DWGEN_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}

/*
 * package.searchers entry for modules compiled into the binary. Chunks are
 * named after their source path ("@gen/driver.lua") so messages and
 * tracebacks point at the file a developer would edit.
 */
static int search_embedded(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *key = lua_pushfstring(L, "module:%s", name);
    const dwgen_embedded_file *f = find_embedded(key);
    const char *chunk;

    if (f == NULL) {
        lua_pushfstring(L, "no module '%s' in the dwgen binary", name);
        return 1;
    }
    chunk = lua_pushfstring(L, "@%s", f->path);
    if (luaL_loadbufferx(L, (const char *)f->data, f->size, chunk, "t") != LUA_OK)
        return luaL_error(L, "error loading module '%s':\n\t%s", name, lua_tostring(L, -1));
    lua_pushstring(L, f->path);
    return 2;
}

/*
 * Make require() see only the host libraries and the embedded modules: no
 * package.path or cpath, so nothing from the current folder or the system
 * Lua tree can shadow what was built in. (Also used by fuzz/fuzz_layers.c,
 * which runs the driver in a state of its own.)
 */
void dwgen_install_modules(lua_State *L)
{
    static const luaL_Reg preload[] = {
        { "dwgen.host", open_host },
        { "dwgen.fs", dwgen_open_fs },
        { "dwgen.sandbox", dwgen_open_sandbox },
        { NULL, NULL }
    };

    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    for (const luaL_Reg *r = preload; r->name != NULL; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
    lua_getfield(L, -2, "searchers");
    lua_createtable(L, 2, 0);
    lua_rawgeti(L, -2, 1);              /* the preload searcher */
    lua_rawseti(L, -2, 1);
    lua_pushcfunction(L, search_embedded);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -4, "searchers");
    lua_pop(L, 3);
}

/* Message handler: reported errors pass unchanged, others get a traceback. */
static int msghandler(lua_State *L)
{
    const char *msg;

    if (lua_type(L, 1) == LUA_TTABLE)
        return 1;
    msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Runs in protected mode: open everything, then driver.main(args). */
static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);

    luaL_checkversion(L);
    luaL_openlibs(L);
    dwgen_install_modules(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "driver");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc, 0);
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_call(L, 1, 1);
    return 1;
}

/* Print an error object left by a failed pmain; returns the exit status. */
static int report(lua_State *L)
{
    int status = 1;
    const char *msg;

    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "status");
        if (lua_isinteger(L, -1))
            status = (int)lua_tointeger(L, -1);
        lua_getfield(L, -2, "message");
        msg = lua_tostring(L, -1);
    } else {
        msg = lua_tostring(L, -1);
    }
    fprintf(stderr, "%s: %s\n", progname, msg != NULL ? msg : "(no error message)");
    fflush(stderr);
    return status;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    int status;

    if (L == NULL) {
        fprintf(stderr, "%s: cannot create Lua state: not enough memory\n", progname);
        return 1;
    }
    lua_pushcfunction(L, msghandler);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    if (lua_pcall(L, 2, 1, 1) == LUA_OK)
        status = (int)lua_tointeger(L, -1);
    else
        status = report(L);
    lua_close(L);
    /* --help or --list into a full disk or closed pipe is a failure too. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write to standard output\n", progname);
        return 1;
    }
    return status;
}
