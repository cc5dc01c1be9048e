/*
 * fuzz_layers.c - libFuzzer harness for dwgen's layer-file readers.
 *
 * Each input is fed to the generator three ways, exactly as the command line
 * would: as a TSV file (dwgen --list FILE.tsv), as a Lua layer file
 * (dwgen --list FILE.lua, through the sandbox) and as --layer options (one
 * per line, at most 8). The generator's own Lua state is built the way
 * gen/main.c builds it (dwgen_install_modules: the embedded modules, the
 * file-system and sandbox libraries), and driver.main runs under xpcall
 * with the driver's own message handler.
 *
 * The oracle: a run either succeeds or fails with a reported input error
 * (exit status 2) whose message starts with FILE:LINE: or FILE: (for the
 * command line, <command-line>:N:). Anything else is a bug and aborts:
 * an internal error (a Lua error that is not a reported one, such as
 * "attempt to index a nil value", arrives with a traceback), a message
 * without its place, another exit status, or a sanitizer report.
 *
 * libFuzzer sees the C code's coverage only, and the readers are Lua: a
 * line hook feeds it the Lua code's coverage too, as edges between
 * consecutive source lines counted in libFuzzer's extra counters.
 *
 * The Lua layer files run with smaller budgets than dwgen's (1 million
 * instructions, 16 MiB, 2 s) so that inputs that hit them stay fast.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- coverage of the Lua code ----------------------------------------- */

#define EDGES 65536

/* libFuzzer counts any non-zero byte here as a feature (Linux). */
__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t lua_edges[EDGES];
static uintptr_t last_line;

/* Line hook: count the edge from the previous line to this one. */
static void line_hook(lua_State *L, lua_Debug *ar)
{
    uintptr_t here, slot;

    if (!lua_getinfo(L, "S", ar))
        return;
    here = (uintptr_t)ar->source * 0x9E3779B1u + (uintptr_t)ar->currentline * 0x85EBCA6Bu;
    here ^= here >> 15;
    slot = (here ^ (last_line >> 1)) % EDGES;
    if (lua_edges[slot] < 255)
        lua_edges[slot]++;
    last_line = here;
}

/* ---- the harness, in Lua ------------------------------------------------ */

/* Returns function(data) -> nil | what went wrong. Argument: the work folder. */
static const char harness_lua[] =
    "local dir = ...\n"
    "local driver = require('driver')\n"
    "local failure = require('failure')\n"
    "local luafile = require('layer_luafile')\n"
    "luafile.MAX_INSTRUCTIONS = 1000000\n"
    "luafile.MAX_BYTES = 16 * 1024 * 1024\n"
    "luafile.MAX_SECONDS = 2\n"
    "local tsv_path, lua_path = dir .. '/f.tsv', dir .. '/f.lua'\n"
    "local function quote(s) return (s:gsub('%p', '%%%0')) end\n"
    "local TSV = { '^' .. quote(tsv_path) .. ':%d+: ', '^' .. quote(tsv_path) .. ': ' }\n"
    "local LUA = { '^' .. quote(lua_path) .. ':%d+: ', '^' .. quote(lua_path) .. ': ' }\n"
    "local ARG = { '^<command%-line>:%d+: ' }\n"
    "local MORE = '^%.%.%. and %d+ more bad layers?$'\n"
    "\n"
    "local function save(path, data)\n"
    "  local f = assert(io.open(path, 'wb'))\n"
    "  assert(f:write(data))\n"
    "  assert(f:close())\n"
    "end\n"
    "\n"
    "local function placed(line, wheres)\n"
    "  for _, w in ipairs(wheres) do\n"
    "    if line:find(w) then return true end\n"
    "  end\n"
    "  return false\n"
    "end\n"
    "\n"
    "-- dwgen ARGS: nil when it succeeds or rejects the input cleanly. Every\n"
    "-- 'dwgen: ' line of a report is checked when all_lines (several bad\n"
    "-- layers), the first only for Lua files (whose own error text may\n"
    "-- span lines).\n"
    "local function run(args, wheres, all_lines)\n"
    "  local ok, err = xpcall(driver.main, driver.keep_or_trace, args)\n"
    "  if ok then return nil end\n"
    "  if not failure.is(err) then\n"
    "    return 'an internal error, not a clean rejection:\\n' .. tostring(err)\n"
    "  end\n"
    "  if err.status ~= failure.INPUT then\n"
    "    return ('exit status %d, want %d: %s'):format(err.status, failure.INPUT, err.message)\n"
    "  end\n"
    "  local n = 0\n"
    "  for line in (err.message .. '\\n'):gmatch('([^\\n]*)\\n') do\n"
    "    n = n + 1\n"
    "    local text = n == 1 and line or line:match('^dwgen: (.*)$')\n"
    "    if text and (n == 1 or all_lines) and not placed(text, wheres)\n"
    "       and not text:find(MORE) then\n"
    "      return 'a message without its FILE:LINE: ' .. err.message\n"
    "    end\n"
    "  end\n"
    "  return nil\n"
    "end\n"
    "\n"
    "return function(data)\n"
    "  save(tsv_path, data)\n"
    "  local why = run({ '--list', tsv_path }, TSV, true)\n"
    "  if why then return 'as a TSV file: ' .. why end\n"
    "  save(lua_path, data)\n"
    "  why = run({ '--list', lua_path }, LUA, false)\n"
    "  if why then return 'as a Lua layer file: ' .. why end\n"
    "  local args = { '--list' }\n"
    "  for line in (data .. '\\n'):gmatch('([^\\n]*)\\n') do\n"
    "    if #args > 16 then break end\n"
    "    args[#args + 1] = '--layer'\n"
    "    args[#args + 1] = line\n"
    "  end\n"
    "  why = run(args, ARG, true)\n"
    "  if why then return 'as --layer options: ' .. why end\n"
    "  return nil\n"
    "end\n";

static lua_State *L;
static int harness_ref = LUA_NOREF;
static char work[64];

/* At exit: close the state, remove the work folder. */
static void cleanup(void)
{
    char path[96];

    if (L != NULL)
        lua_close(L);
    L = NULL;
    snprintf(path, sizeof path, "%s/f.tsv", work);
    unlink(path);
    snprintf(path, sizeof path, "%s/f.lua", work);
    unlink(path);
    rmdir(work);
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_layers: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    fflush(stderr);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(work, sizeof work, "/tmp/dwgen-fuzz-%ld-XXXXXX", (long)getpid());
    if (mkdtemp(work) == NULL)
        die("cannot create a work folder under /tmp", NULL);
    atexit(cleanup);
    /* dwgen --list prints the layers: not wanted here. */
    if (freopen("/dev/null", "w", stdout) == NULL)
        die("cannot redirect standard output", NULL);
    if ((L = luaL_newstate()) == NULL)
        die("cannot create a Lua state", NULL);
    luaL_openlibs(L);
    dwgen_install_modules(L);
    if (luaL_loadbufferx(L, harness_lua, sizeof harness_lua - 1, "=fuzz_layers", "t") != LUA_OK)
        die("harness does not compile", lua_tostring(L, -1));
    lua_pushstring(L, work);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        die("harness does not load", lua_tostring(L, -1));
    harness_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status;

    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, harness_ref);
    lua_pushlstring(L, (const char *)data, size);
    last_line = 0;
    lua_sethook(L, line_hook, LUA_MASKLINE, 0);
    status = lua_pcall(L, 1, 1, 0);
    lua_sethook(L, NULL, 0, 0);
    if (status != LUA_OK)
        die("the harness failed", lua_tostring(L, -1));
    if (!lua_isnil(L, -1))
        die("bad outcome", lua_tostring(L, -1));
    lua_settop(L, 0);
    return 0;
}
