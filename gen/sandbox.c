/*
 * sandbox.c - run a Lua layer file as data, in a state of its own.
 *
 * A layer file is a program, so it runs where it can do nothing but compute
 * its table: a separate lua_State with
 *   - only base functions that cannot reach outside (no io, os, package,
 *     require, load, dofile, loadfile, debug, collectgarbage, print), nor
 *     pcall or setmetatable, so nothing can catch the limits below or run
 *     a finalizer after them; and string, table, math, utf8 without
 *     string.dump and the pattern functions (a pattern can backtrack for
 *     a very long time inside one C call, out of reach of the count hook);
 *   - a count hook that stops it after a budget of VM instructions;
 *   - an allocator that refuses to go over a byte budget;
 *   - text chunks only ("t" mode: no precompiled bytecode).
 * Reading an unknown global (os, io, require, a typo) is an error that says
 * so. The result, plain data, is copied into the caller's state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"

#define HOOK_EVERY 1000     /* instructions between two budget checks */
#define COPY_DEPTH 16       /* tables nested deeper than this are refused */
#define COPY_VALUES 1000000 /* and so are results with more values */

/* One sandbox: its state and budgets; a userdata of the caller's state. */
typedef struct sandbox {
    lua_State *S;
    size_t bytes_used, bytes_max;
    long long ticks, ticks_max;     /* hook calls so far, and allowed */
    long long values;               /* values copied so far */
    char keys[COPY_DEPTH][40];      /* the keys leading to the value being copied */
} sandbox;

/* lua_Alloc that keeps the whole state under bytes_max. */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sandbox *sb = ud;
    void *p;

    if (ptr == NULL)
        osize = 0;              /* osize is a type tag then */
    if (nsize == 0) {
        free(ptr);
        sb->bytes_used -= osize;
        return NULL;
    }
    if (nsize > osize && nsize - osize > sb->bytes_max - sb->bytes_used)
        return NULL;
    p = realloc(ptr, nsize);
    if (p != NULL)
        sb->bytes_used = sb->bytes_used - osize + nsize;
    return p;
}

/* The count hook: past the budget, stop with the file and line it was at. */
static void count_hook(lua_State *S, lua_Debug *ar)
{
    void *ud;
    sandbox *sb;

    lua_getallocf(S, &ud);
    sb = ud;
    if (++sb->ticks <= sb->ticks_max)
        return;
    lua_getinfo(S, "Sl", ar);
    luaL_error(S, "%s:%d: layer file runs too long (stopped after %d million instructions)",
               ar->short_src, ar->currentline, (int)(sb->ticks_max * HOOK_EVERY / 1000000));
}

/* __index of the globals: a clear message instead of "attempt to index nil". */
static int unknown_global(lua_State *S)
{
    const char *name = lua_tostring(S, 2);
    return luaL_error(S, "'%s' is not available in a layer file (layer files are data: "
                      "no io, os, require, load, debug)", name != NULL ? name : "?");
}

/* __index of the string table: the same for string.dump and the pattern functions. */
static int unknown_string_function(lua_State *S)
{
    const char *name = lua_tostring(S, 2);
    return luaL_error(S, "'string.%s' is not available in a layer file (no string.dump, "
                      "no pattern matching)", name != NULL ? name : "?");
}

/* Remove the named fields from the table on top of the stack. */
static void remove_fields(lua_State *S, const char *const *names)
{
    for (; *names != NULL; names++) {
        lua_pushnil(S);
        lua_setfield(S, -2, *names);
    }
}

/* Open the allowed libraries (runs protected: it allocates). */
static int open_sandbox_libs(lua_State *S)
{
    static const char *const base_out[] = {
        "dofile", "loadfile", "load", "collectgarbage", "print", "pcall", "xpcall",
        "setmetatable", "getmetatable", "rawset", "warn", "require", NULL
    };
    static const char *const string_out[] = {
        "dump", "find", "match", "gmatch", "gsub", "pack", "unpack", "packsize", NULL
    };

    luaL_requiref(S, LUA_GNAME, luaopen_base, 1);
    remove_fields(S, base_out);
    lua_newtable(S);                    /* metatable of the globals */
    lua_pushcfunction(S, unknown_global);
    lua_setfield(S, -2, "__index");
    lua_setmetatable(S, -2);
    lua_pop(S, 1);
    luaL_requiref(S, LUA_STRLIBNAME, luaopen_string, 1);
    remove_fields(S, string_out);
    lua_newtable(S);
    lua_pushcfunction(S, unknown_string_function);
    lua_setfield(S, -2, "__index");
    lua_setmetatable(S, -2);
    lua_pop(S, 1);
    luaL_requiref(S, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(S, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(S, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(S, 3);
    return 0;
}

/* Remember the key on top of S as step `depth` of the path, for messages. */
static void note_key(sandbox *sb, lua_State *S, int depth)
{
    char *out = sb->keys[depth];
    size_t room = sizeof sb->keys[depth];

    if (lua_isinteger(S, -1)) {
        snprintf(out, room, "[%lld]", (long long)lua_tointeger(S, -1));
    } else if (lua_type(S, -1) == LUA_TSTRING) {
        snprintf(out, room, ".%s", lua_tostring(S, -1));
    } else {
        snprintf(out, room, "[%s]", luaL_typename(S, -1));
    }
}

/* Push onto L the scalar on top of S; 0 when it is not plain data. */
static int copy_scalar(lua_State *S, lua_State *L)
{
    size_t len;
    const char *s;

    switch (lua_type(S, -1)) {
    case LUA_TBOOLEAN:
        lua_pushboolean(L, lua_toboolean(S, -1));
        return 1;
    case LUA_TNUMBER:
        if (lua_isinteger(S, -1))
            lua_pushinteger(L, lua_tointeger(S, -1));
        else
            lua_pushnumber(L, lua_tonumber(S, -1));
        return 1;
    case LUA_TSTRING:
        s = lua_tolstring(S, -1, &len);
        lua_pushlstring(L, s, len);
        return 1;
    default:
        return 0;
    }
}

/* What a value that is not data is, for messages. */
static const char *not_data(int type)
{
    switch (type) {
    case LUA_TFUNCTION: return "a function";
    case LUA_TTHREAD: return "a coroutine";
    default: return "a userdata";
    }
}

/*
 * Copy the value on top of S into L (pushed there), without letting S
 * allocate (so nothing in S can fail). Returns NULL or what was wrong.
 */
static const char *copy_value(sandbox *sb, lua_State *S, lua_State *L, int depth)
{
    const char *err;

    if (depth < COPY_DEPTH)
        sb->keys[depth][0] = '\0';     /* the path ends here unless we go deeper */
    if (++sb->values > COPY_VALUES)
        return "more than a million values";
    if (lua_type(S, -1) != LUA_TTABLE) {
        if (lua_isnil(S, -1)) {
            lua_pushnil(L);
            return NULL;
        }
        return copy_scalar(S, L) ? NULL : not_data(lua_type(S, -1));
    }
    if (depth >= COPY_DEPTH)
        return "tables nested too deeply";
    if (!lua_checkstack(S, 3))
        return "tables nested too deeply";
    luaL_checkstack(L, 4, "copying a layer file's result");
    lua_newtable(L);
    lua_pushnil(S);
    while (lua_next(S, -2) != 0) {
        lua_pushvalue(S, -2);           /* the key, on top */
        note_key(sb, S, depth);
        if (!copy_scalar(S, L)) {
            err = "a key that is not a number, string or boolean";
            lua_pop(S, 1);
            return err;
        }
        lua_pop(S, 1);                  /* the value is on top again */
        err = copy_value(sb, S, L, depth + 1);
        if (err != NULL)
            return err;
        lua_rawset(L, -3);
        lua_pop(S, 1);
    }
    return NULL;
}

/* Push nil, message, kind; the caller returns 3. */
static int refuse(lua_State *L, const char *kind, const char *fmt, const char *arg)
{
    lua_pushnil(L);
    lua_pushfstring(L, fmt, arg);
    lua_pushstring(L, kind);
    return 3;
}

/*
 * sandbox.run(text, chunkname, max_instructions, max_bytes)
 *   -> value | nil, message, kind ("syntax", "runtime", "memory", "data")
 * chunkname is "@FILE", so Lua's messages read "FILE:LINE: ...".
 */
static int sandbox_run(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *chunk = luaL_checkstring(L, 2);
    lua_Integer max_instructions = luaL_checkinteger(L, 3);
    lua_Integer max_bytes = luaL_checkinteger(L, 4);
    sandbox *sb;
    lua_State *S;
    const char *err;
    int status;

    luaL_argcheck(L, max_instructions >= HOOK_EVERY, 3, "budget too small");
    luaL_argcheck(L, max_bytes > 0, 4, "budget too small");
    sb = lua_newuserdatauv(L, sizeof *sb, 0);   /* closes S if we fail */
    memset(sb, 0, sizeof *sb);
    luaL_setmetatable(L, "dwgen.sandbox");
    sb->bytes_max = (size_t)max_bytes;
    sb->ticks_max = max_instructions / HOOK_EVERY;
    S = sb->S = lua_newstate(limited_alloc, sb);
    if (S == NULL)
        return refuse(L, "memory", "%s", "not enough memory to run a layer file");
    lua_pushcfunction(S, open_sandbox_libs);
    if (lua_pcall(S, 0, 0, 0) != LUA_OK)
        return refuse(L, "memory", "%s", "not enough memory to run a layer file");
    status = luaL_loadbufferx(S, text, len, chunk, "t");
    if (status == LUA_OK) {
        lua_sethook(S, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
        status = lua_pcall(S, 0, 1, 0);
        lua_sethook(S, NULL, 0, 0);
    }
    if (status == LUA_ERRMEM) {
        lua_pushfstring(L, "%d MiB", (int)(max_bytes >> 20));
        return refuse(L, "memory", "layer file needs more memory than its limit (%s)",
                      lua_tostring(L, -1));
    }
    if (status != LUA_OK) {
        const char *kind = status == LUA_ERRSYNTAX ? "syntax" : "runtime";
        if (lua_type(S, -1) == LUA_TSTRING)
            return refuse(L, kind, "%s", lua_tostring(S, -1));
        return refuse(L, kind, "layer file raised an error value of type %s",
                      luaL_typename(S, -1));
    }
    err = copy_value(sb, S, L, 0);
    if (err != NULL) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int d = 0; d < COPY_DEPTH && sb->keys[d][0] != '\0'; d++)
            luaL_addstring(&b, sb->keys[d]);
        if (sb->keys[0][0] == '\0')
            luaL_addstring(&b, "the top level");
        luaL_pushresult(&b);
        lua_pushfstring(L, "%s (at %s)", err, lua_tostring(L, -1));
        return refuse(L, "data", "the returned value is not plain data: %s", lua_tostring(L, -1));
    }
    lua_close(S);
    sb->S = NULL;
    return 1;
}

static int sandbox_gc(lua_State *L)
{
    sandbox *sb = luaL_checkudata(L, 1, "dwgen.sandbox");
    if (sb->S != NULL)
        lua_close(sb->S);
    sb->S = NULL;
    return 0;
}

int dwgen_open_sandbox(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        { "run", sandbox_run },
        { NULL, NULL }
    };
    luaL_newmetatable(L, "dwgen.sandbox");
    lua_pushcfunction(L, sandbox_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newlib(L, funcs);
    lua_pushinteger(L, HOOK_EVERY);
    lua_setfield(L, -2, "hook_every");
    return 1;
}
