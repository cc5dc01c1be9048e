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
 *   - a count hook that stops it after a budget of VM instructions or of
 *     CPU time (some single instructions and library calls take time in
 *     proportion to a string's length, which no instruction count sees);
 *   - the library loops whose trip count a caller chooses (table.move,
 *     table.insert and table.remove at a position, string.rep of "") are
 *     charged to the instruction budget before they start;
 *   - an allocator that refuses to go over a byte budget, and the same
 *     budget for the strings of the result copied out;
 *   - text chunks only ("t" mode: no precompiled bytecode).
 * Reading an unknown global (os, io, require, a typo) is an error that says
 * so. Every error names the file and line it was raised at. The result,
 * plain data, is copied into the caller's state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"

#define HOOK_EVERY 100      /* instructions between two budget checks */
#define COPY_DEPTH 16       /* tables nested deeper than this are refused */
#define COPY_VALUES 1000000 /* and so are results with more values */

/* One sandbox: its state and budgets; a userdata of the caller's state. */
typedef struct sandbox {
    lua_State *S;
    size_t bytes_used, bytes_max;
    lua_Unsigned spent, budget;     /* instructions (and charged loop trips) so far, allowed */
    double cpu_start, cpu_max;      /* thread CPU seconds at the start, and allowed */
    long long values;               /* values copied so far */
    size_t copied;                  /* string bytes copied so far */
    char keys[COPY_DEPTH][40];      /* the keys leading to the value being copied */
    char where[LUA_IDSIZE + 24];    /* "FILE:LINE" of the last error raised */
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

static sandbox *sandbox_of(lua_State *S)
{
    void *ud;
    lua_getallocf(S, &ud);
    return ud;
}

/* CPU seconds this thread has used. */
static double cpu_seconds(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
        return 0.0;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Stop the layer file: where is "FILE:LINE: " or "". */
static int stop(lua_State *S, const char *where, const char *after)
{
    lua_pushfstring(S, "%slayer file runs too long (stopped after %s)", where, after);
    return lua_error(S);
}

/* "N million instructions", the instruction budget for messages. */
static const char *budget_text(const sandbox *sb, char *buf, size_t size)
{
    snprintf(buf, size, "%g million instructions", (double)sb->budget / 1e6);
    return buf;
}

/* The count hook: past a budget, stop with the file and line it was at. */
static void count_hook(lua_State *S, lua_Debug *ar)
{
    sandbox *sb = sandbox_of(S);
    char where[LUA_IDSIZE + 24], after[64];

    sb->spent += HOOK_EVERY;
    if (sb->spent <= sb->budget && cpu_seconds() - sb->cpu_start <= sb->cpu_max)
        return;
    lua_getinfo(S, "Sl", ar);
    snprintf(where, sizeof where, "%s:%d: ", ar->short_src, ar->currentline);
    if (sb->spent <= sb->budget)
        snprintf(after, sizeof after, "%g seconds of CPU time", sb->cpu_max);
    stop(S, where, sb->spent > sb->budget ? budget_text(sb, after, sizeof after) : after);
}

/* Charge n loop trips of a library function to the instruction budget. */
static void charge(lua_State *S, lua_Unsigned n)
{
    sandbox *sb = sandbox_of(S);
    char after[64];

    if (n > sb->budget - sb->spent) {
        sb->spent = sb->budget + 1;
        luaL_where(S, 1);               /* the Lua line that called the library */
        stop(S, lua_tostring(S, -1), budget_text(sb, after, sizeof after));
    }
    sb->spent += n;
}

/* The library function a charged wrapper stands for (upvalue 1), called in
 * the wrapper's own frame, so its messages name it as before. */
static int call_original(lua_State *S)
{
    return lua_tocfunction(S, lua_upvalueindex(1))(S);
}

/* table.move(a1, f, e, t [, a2]) moves e - f + 1 values, any number of them nil. */
static int charged_move(lua_State *S)
{
    int ok_f, ok_e;
    lua_Integer f = lua_tointegerx(S, 2, &ok_f), e = lua_tointegerx(S, 3, &ok_e);

    if (ok_f && ok_e && e >= f)
        charge(S, (lua_Unsigned)e - (lua_Unsigned)f);
    return call_original(S);
}

/* table.insert(t, pos, v) shifts up to #t values, and #t of a table with
 * holes can be near 2^63. */
static int charged_insert(lua_State *S)
{
    if (lua_gettop(S) == 3 && lua_type(S, 1) == LUA_TTABLE)
        charge(S, (lua_Unsigned)lua_rawlen(S, 1));
    return call_original(S);
}

/* table.remove(t, pos): the same. */
static int charged_remove(lua_State *S)
{
    if (lua_gettop(S) >= 2 && lua_type(S, 1) == LUA_TTABLE)
        charge(S, (lua_Unsigned)lua_rawlen(S, 1));
    return call_original(S);
}

/* string.rep(s, n [, sep]) loops n times even when s and sep are empty. */
static int charged_rep(lua_State *S)
{
    size_t l, lsep;

    luaL_checklstring(S, 1, &l);
    luaL_checkinteger(S, 2);
    luaL_optlstring(S, 3, "", &lsep);
    if (l == 0 && lsep == 0) {
        lua_pushliteral(S, "");
        return 1;
    }
    return call_original(S);       /* allocates its result first: the byte budget bounds it */
}

/* Replace t[name], t on top of the stack, by fn with the original as upvalue. */
static void wrap(lua_State *S, const char *name, lua_CFunction fn)
{
    lua_getfield(S, -1, name);
    lua_pushcclosure(S, fn, 1);
    lua_setfield(S, -2, name);
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
    wrap(S, "rep", charged_rep);
    lua_pop(S, 1);
    luaL_requiref(S, LUA_TABLIBNAME, luaopen_table, 1);
    wrap(S, "move", charged_move);
    wrap(S, "insert", charged_insert);
    wrap(S, "remove", charged_remove);
    luaL_requiref(S, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(S, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(S, 3);
    return 0;
}

/*
 * Message handler of the layer file's call: remember the innermost Lua
 * line on the stack, so a message without a position (error("x", 0), an
 * error value that is not a string) still gets one. It must not allocate:
 * it also runs for errors raised because the byte budget is spent.
 */
static int note_where(lua_State *S)
{
    sandbox *sb = sandbox_of(S);
    lua_Debug ar;

    for (int level = 1; lua_getstack(S, level, &ar); level++) {
        if (lua_getinfo(S, "Sl", &ar) && ar.currentline > 0) {
            snprintf(sb->where, sizeof sb->where, "%s:%d", ar.short_src, ar.currentline);
            break;
        }
    }
    return 1;
}

/* Does msg start with "FILE:", FILE being the file part of place
 * ("FILE:LINE" with a line, else "FILE")? */
static int has_position(const char *place, int with_line, const char *msg)
{
    const char *colon = with_line ? strrchr(place, ':') : NULL;
    size_t n = colon != NULL ? (size_t)(colon - place) : strlen(place);

    return strncmp(msg, place, n) == 0 && msg[n] == ':';
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

/* Push onto L the scalar on top of S; 0 when it is not plain data, -1
 * when the strings copied so far exceed the byte budget (the same string
 * may be referenced a million times: each reference is a copy in L). */
static int copy_scalar(sandbox *sb, lua_State *S, lua_State *L)
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
        sb->copied += len;
        if (sb->copied > sb->bytes_max)
            return -1;
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
        switch (copy_scalar(sb, S, L)) {
        case 1: return NULL;
        case 0: return not_data(lua_type(S, -1));
        default: return "its strings take more bytes than the memory limit";
        }
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
        switch (copy_scalar(sb, S, L)) {
        case 1: break;
        case 0: lua_pop(S, 1); return "a key that is not a number, string or boolean";
        default: lua_pop(S, 1); return "its strings take more bytes than the memory limit";
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
 * sandbox.run(text, chunkname, max_instructions, max_bytes [, max_seconds])
 *   -> value | nil, message, kind ("syntax", "runtime", "memory", "data")
 * chunkname is "@FILE", so Lua's messages read "FILE:LINE: ...".
 * max_seconds (default 10) bounds the CPU time.
 */
static int sandbox_run(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *chunk = luaL_checkstring(L, 2);
    lua_Integer max_instructions = luaL_checkinteger(L, 3);
    lua_Integer max_bytes = luaL_checkinteger(L, 4);
    lua_Number max_seconds = luaL_optnumber(L, 5, 10.0);
    sandbox *sb;
    lua_State *S;
    const char *err;
    int status;

    luaL_argcheck(L, max_instructions >= HOOK_EVERY, 3, "budget too small");
    luaL_argcheck(L, max_bytes > 0, 4, "budget too small");
    luaL_argcheck(L, max_seconds > 0, 5, "budget too small");
    sb = lua_newuserdatauv(L, sizeof *sb, 0);   /* closes S if we fail */
    memset(sb, 0, sizeof *sb);
    luaL_setmetatable(L, "dwgen.sandbox");
    sb->bytes_max = (size_t)max_bytes;
    sb->budget = (lua_Unsigned)max_instructions;
    sb->cpu_max = (double)max_seconds;
    S = sb->S = lua_newstate(limited_alloc, sb);
    if (S == NULL)
        return refuse(L, "memory", "%s", "not enough memory to run a layer file");
    lua_pushcfunction(S, open_sandbox_libs);
    if (lua_pcall(S, 0, 0, 0) != LUA_OK)
        return refuse(L, "memory", "%s", "not enough memory to run a layer file");
    lua_pushcfunction(S, note_where);
    status = luaL_loadbufferx(S, text, len, chunk, "t");
    if (status == LUA_OK) {
        sb->cpu_start = cpu_seconds();
        lua_sethook(S, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
        status = lua_pcall(S, 0, 1, 1);
        lua_sethook(S, NULL, 0, 0);
    }
    if (status == LUA_ERRMEM) {
        lua_pushfstring(L, "%d MiB", (int)(max_bytes >> 20));
        return refuse(L, "memory", "layer file needs more memory than its limit (%s)",
                      lua_tostring(L, -1));
    }
    if (status != LUA_OK) {
        const char *kind = status == LUA_ERRSYNTAX ? "syntax" : "runtime";
        const char *msg = lua_type(S, -1) == LUA_TSTRING ? lua_tostring(S, -1) : NULL;
        /* Where it stopped; a load error (a binary chunk, nesting too deep
         * for the parser) may have no line, then the file will do. */
        int with_line = sb->where[0] != '\0';
        const char *place = with_line ? sb->where : chunk + (chunk[0] == '@');
        if (msg != NULL && has_position(place, with_line, msg))
            return refuse(L, kind, "%s", msg);
        lua_pushstring(L, place);
        if (msg != NULL)
            lua_pushfstring(L, "%s: %s", lua_tostring(L, -1), msg);
        else
            lua_pushfstring(L, "%s: layer file raised an error value of type %s",
                            lua_tostring(L, -1), luaL_typename(S, -1));
        return refuse(L, kind, "%s", lua_tostring(L, -1));
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
