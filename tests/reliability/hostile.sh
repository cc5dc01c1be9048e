#!/bin/sh
# tests/reliability/hostile.sh - hostile layer files against dwgen.
#
#   sh tests/reliability/hostile.sh DWGEN WORKDIR
#
# Each input tries to escape the Lua sandbox (os, io, require, load, debug,
# metatables, coroutines, pcall), to run forever (loops, recursion, library
# calls whose work no instruction count sees), to exhaust memory (huge
# strings, huge results) or to make the readers themselves slow (inputs on
# which a backtracking pattern would take quadratic time). Every one must
# end with exit status 2 and a clear message that names FILE:LINE (or FILE
# for a whole-file problem), within BOUND seconds of wall time, and write
# nothing: an existing set keeps every inode and mtime, an absent output
# folder stays absent, no temporary folder is left. tests/gen/test_gen.sh
# tries 12 more (the first of each kind). Prints a summary; exit 1 on any
# failure.

DWGEN=${1:?usage: hostile.sh DWGEN WORKDIR}
W=${2:?usage: hostile.sh DWGEN WORKDIR}
# The sandbox stops a file after 10 million instructions, 64 MiB or 5 s of
# CPU time; the bound leaves room for sanitizers and a loaded machine.
BOUND=${HOSTILE_BOUND:-60}
SRC=$(pwd)
case $DWGEN in /*) ;; *) DWGEN=$SRC/$DWGEN ;; esac
case $W in /*) ;; *) W=$SRC/$W ;; esac

rm -rf "$W"
mkdir -p "$W/in" || exit 1
cd "$W" || exit 1

passed=0 failed=0 tried=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

snap() {
    if [ -e "$1" ]; then
        ls -lian --full-time "$1" | grep -v ' \.\.$'
        ls -dlin --full-time "$1"
    else
        echo absent
    fi
}

printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride\tpadding\nb\t8\t8\t4\t3\t3\t1\tSAME\n' >good.tsv
"$DWGEN" -o "$W/set" good.tsv || { echo "FAIL: cannot make the set to protect"; exit 1; }

# hostile NAME.EXT STATUS REGEX: the file's text is on stdin (@W@ stands for
# the work folder). Runs dwgen -o on the existing set (odd inputs) or on an
# absent folder (even ones); with STATUS 0, runs --list instead (inputs that
# are valid but built to be slow) and only the time and status are checked.
hostile() {
    name=$1 want=$2 pattern=$3
    sed "s|@W@|$W|g" >"in/$name"
    tried=$((tried + 1))
    if [ "$want" = 0 ]; then
        out=
        set -- --list "in/$name"
    else
        if [ $((tried % 2)) = 1 ]; then out=$W/set; else out=$W/absent; fi
        set -- -o "$out" "in/$name"
    fi
    before=$(snap "${out:-$W/set}")
    start=$(date +%s)
    timeout -s KILL $((BOUND + 30)) "$DWGEN" "$@" >"$W/stdout" 2>"$W/stderr"
    status=$?
    took=$(($(date +%s) - start))
    after=$(snap "${out:-$W/set}")
    label="$name (exit $status, ${took}s)"
    if [ "$status" != "$want" ]; then
        fail "$label: want exit $want; stderr: $(head -c 300 "$W/stderr")"
    elif [ "$took" -gt "$BOUND" ]; then
        fail "$label: took more than $BOUND s"
    elif [ "$want" != 0 ] && ! grep -Eq -- "$pattern" "$W/stderr"; then
        fail "$label: stderr lacks /$pattern/: $(head -c 300 "$W/stderr")"
    elif [ "$want" != 0 ] && grep -q 'stack traceback' "$W/stderr"; then
        fail "$label: an internal error: $(head -c 300 "$W/stderr")"
    elif [ "$want" != 0 ] && [ -s "$W/stdout" ]; then
        fail "$label: wrote to standard output"
    elif [ "$before" != "$after" ]; then
        fail "$label: the output folder changed"
    elif [ -n "$(ls -d "$W"/set.dwgen-* "$W"/absent.dwgen-* 2>/dev/null)" ]; then
        fail "$label: left a temporary folder"
    elif [ -e "$W/pwned" ]; then
        fail "$label: escaped the sandbox (wrote $W/pwned)"
        rm -f "$W/pwned"
    else
        passed=$((passed + 1))
    fi
}

NA="is not available in a layer file"
LONG="layer file runs too long \(stopped after 10 million instructions\)"
CPU="layer file runs too long \(stopped after (5 seconds of CPU time|10 million instructions)\)"
MEM="layer file needs more memory than its limit"

# --- reaching outside ----------------------------------------------------------
hostile env_io.lua 2 "env_io.lua:1: 'io' $NA" <<'EOF'
_ENV.io.open("@W@/pwned", "w"):write("x")
EOF
hostile global_os.lua 2 "global_os.lua:2: 'os' $NA" <<'EOF'
local g = _G
g.os.execute("touch @W@/pwned")
EOF
hostile package.lua 2 "package.lua:1: 'package' $NA" <<'EOF'
return package.loadlib("libc.so.6", "system")
EOF
hostile loadfile.lua 2 "loadfile.lua:1: 'loadfile' $NA" <<'EOF'
return loadfile("/etc/passwd")
EOF
hostile getmetatable.lua 2 "getmetatable.lua:1: 'getmetatable' $NA" <<'EOF'
getmetatable("").__index = { rep = function() return "" end }
EOF
hostile setmetatable_gc.lua 2 "setmetatable_gc.lua:1: 'setmetatable' $NA" <<'EOF'
setmetatable({}, { __gc = function() while true do end end })
return {}
EOF
hostile string_methods.lua 2 "string_methods.lua:2: 'string.gsub' $NA" <<'EOF'
local s = "name"
return s:gsub("(a*)*b", "")
EOF
hostile string_dump_method.lua 2 "string_dump_method.lua:1: 'string.dump' $NA" <<'EOF'
return ("x").dump(function() end)
EOF
hostile rawset.lua 2 "rawset.lua:1: 'rawset' $NA" <<'EOF'
rawset(_G, "os", {})
EOF
hostile collectgarbage.lua 2 "collectgarbage.lua:1: 'collectgarbage' $NA" <<'EOF'
collectgarbage("stop")
EOF
hostile coroutine.lua 2 "coroutine.lua:1: 'coroutine' $NA" <<'EOF'
local co = coroutine.wrap(function() while true do coroutine.yield() end end)
EOF
hostile xpcall_loop.lua 2 "xpcall_loop.lua:2: 'xpcall' $NA" <<'EOF'
while true do
  xpcall(function() while true do end end, function() end)
end
EOF
hostile pcall_swallow.lua 2 "pcall_swallow.lua:2: 'pcall' $NA" <<'EOF'
for i = 1, math.huge do
  pcall(string.rep, "x", -1)
end
EOF
hostile print.lua 2 "print.lua:1: 'print' $NA" <<'EOF'
print("hello")
EOF
printf '\033Lua\124\000\031\223\015\012\032\012' >"in/bytecode.bin"
hostile bytecode.lua 2 "bytecode.lua: attempt to load a binary chunk" <"in/bytecode.bin"

# --- running forever --------------------------------------------------------------
hostile goto_loop.lua 2 "goto_loop.lua:1: $LONG" <<'EOF'
::top:: goto top
EOF
hostile tail_recursion.lua 2 "tail_recursion.lua:1: $LONG" <<'EOF'
local function f(n) return f(n + 1) end
return f(1)
EOF
hostile recursion.lua 2 "recursion.lua:1: stack overflow" <<'EOF'
local function f(n) return 1 + f(n + 1) end
return f(1)
EOF
hostile sort_comparator.lua 2 "sort_comparator.lua:1: $LONG" <<'EOF'
table.sort({ 3, 1, 2, 5, 4 }, function(a, b) while true do end end)
EOF
hostile table_move.lua 2 "table_move.lua:1: $LONG" <<'EOF'
table.move({}, 1, math.maxinteger - 1, 2)
return {}
EOF
# #t of a table with keys 2^61, ..., 4, 2, 1 (in that order) is 2^61:
# inserting or removing at 1 shifts 2^61 values in one library call.
hostile table_insert.lua 2 "table_insert.lua:3: $LONG" <<'EOF'
local t = {}
for k = 61, 0, -1 do t[1 << k] = k end
table.insert(t, 1, 0)
EOF
hostile table_remove.lua 2 "table_remove.lua:3: $LONG" <<'EOF'
local t = {}
for k = 61, 0, -1 do t[1 << k] = k end
table.remove(t, 1)
EOF
hostile insert_quadratic.lua 2 "insert_quadratic.lua:3: $LONG" <<'EOF'
local t = {}
for i = 1, 2000000 do t[i] = i end
while true do table.insert(t, 1, 0); table.remove(t, 1) end
EOF
hostile rep_empty.lua 2 "rep_empty.lua: no layers" <<'EOF'
local s = string.rep("", 1 << 62) .. string.rep("", math.maxinteger, "")
return {}
EOF
# Each call takes time in proportion to a 20 MB string: few instructions,
# much work. Only the CPU-time limit stops these.
hostile utf8_len.lua 2 "utf8_len.lua:3: $CPU" <<'EOF'
local s = string.rep("a", 20 * 1000 * 1000)
local n = 0
for i = 1, math.huge do n = n + utf8.len(s) end
EOF
hostile string_equal.lua 2 "string_equal.lua:4: $CPU" <<'EOF'
local s = string.rep("a", 12 * 1000 * 1000)
local t = string.rep("a", 12 * 1000 * 1000)
local n = 0
while s == t do n = n + 1 end
EOF
hostile string_less.lua 2 "string_less.lua:4: $CPU" <<'EOF'
local s = string.rep("a", 12 * 1000 * 1000) .. "a"
local t = string.rep("a", 12 * 1000 * 1000) .. "b"
local n = 0
while s < t do n = n + 1 end
EOF

# --- exhausting memory ---------------------------------------------------------------
hostile rep_huge.lua 2 "rep_huge.lua: $MEM" <<'EOF'
return { ("x"):rep(100 * 1000 * 1000, ",") }
EOF
hostile rep_max.lua 2 "rep_max.lua:1: resulting string too large" <<'EOF'
return { string.rep("xy", math.maxinteger) }
EOF
hostile doubling.lua 2 "doubling.lua: $MEM" <<'EOF'
local s = "x"
while true do s = s .. s end
EOF
hostile concat.lua 2 "concat.lua: $MEM" <<'EOF'
local t = {}
for i = 1, 1000000 do t[i] = "0123456789abcdef" end
local all = {}
for i = 1, 100 do all[i] = table.concat(t) end
EOF
hostile unpack.lua 2 "unpack.lua:1: too many results to unpack" <<'EOF'
return { table.unpack({}, 1, 100000000) }
EOF
hostile byte_slice.lua 2 "byte_slice.lua:2: .*string slice too long" <<'EOF'
local s = string.rep("x", 10000000)
return { s:byte(1, -1) }
EOF
# One 20 MB string referenced 5000 times: 100 GB once copied out.
hostile shared_string.lua 2 "shared_string.lua: the returned value is not plain data: its strings take more bytes" <<'EOF'
local s = string.rep("x", 20 * 1000 * 1000)
local t = {}
for i = 1, 5000 do t[i] = { name = s } end
return t
EOF
hostile many_values.lua 2 "many_values.lua: the returned value is not plain data: more than a million values" <<'EOF'
local t = {}
for i = 1, 1100000 do t[i] = i end
return t
EOF
hostile deep_result.lua 2 "deep_result.lua: the returned value is not plain data: tables nested too deeply" <<'EOF'
local t = {}
for i = 1, 100 do t = { t } end
return t
EOF
hostile cycle.lua 2 "cycle.lua: the returned value is not plain data: tables nested too deeply" <<'EOF'
local t = { name = "a" }
t.input = t
return { t }
EOF
hostile table_key.lua 2 "table_key.lua: the returned value is not plain data: a key that is not" <<'EOF'
return { [{}] = 1 }
EOF

# --- errors that carry no position of their own ----------------------------------------
hostile error_table.lua 2 "error_table.lua:2: layer file raised an error value of type table" <<'EOF'
local t = {}
error(t)
EOF
hostile error_level0.lua 2 "error_level0.lua:1: boom" <<'EOF'
error("boom", 0)
EOF
hostile error_level2.lua 2 "error_level2.lua:1: up" <<'EOF'
error("up", 2)
EOF
hostile close.lua 2 "close.lua:1: variable 'x' got a non-closable value" <<'EOF'
local x <close> = {}
EOF
awk 'BEGIN { for (i = 0; i < 300; i++) printf "("; printf "1"; for (i = 0; i < 300; i++) printf ")"; print "" }' \
    | sed 's/^/return /' >"in/nesting.src"
hostile nesting.lua 2 "nesting.lua:(1:)? .*(C stack overflow|too many)" <"in/nesting.src"

# --- input on which the readers themselves could be slow -------------------------------
# (each was quadratic before: a pattern that backtracks over a long run)
long=$(awk 'BEGIN { s = "aaaaaaaaaaaaaaaa"; while (length(s) < 300000) s = s s; print s }')
printf 'return { { name = "a", input = {8, 8, 1}, kernel = 3, stride = 1, padding = "SAME" } } --[[ %s ]]\n' \
    "$long" >"in/long_word.src"
hostile long_word.lua 0 "" <"in/long_word.src"
blanks=$(printf '%300000s' '')
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride\tpadding\na%sb\t8\t8\t1\t3\t3\t1\tSAME\n' "$blanks" \
    >"in/blank_run.src"
hostile blank_run.tsv 2 "blank_run.tsv:2: name must be 1 to 256 printable characters" <"in/blank_run.src"
digits=$(echo "$long" | tr a 1)
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride\tpadding\tactivation\tclamp_min\tclamp_max\nb\t8\t8\t1\t3\t3\t1\tSAME\tclamp\t%sx\t1\n' \
    "$digits" >"in/long_number.src"
hostile long_number.tsv 2 "long_number.tsv:2: clamp_min must be a number" <"in/long_number.src"
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride\tpadding\t%s\nb\t8\t8\t1\t3\t3\t1\tSAME\t1\n' \
    "$long" >"in/long_column.src"
hostile long_column.tsv 2 "long_column.tsv:1: unknown column 'aaaa" <"in/long_column.src"
# A file over the 64 MiB limit is refused before it is parsed.
head -c 67108865 /dev/zero | tr '\0' ' ' >"in/huge.src"
hostile huge.lua 2 "huge.lua: file is larger than 64 MiB" <"in/huge.src"
rm -f in/huge.src in/huge.lua

echo "hostile: $tried inputs, $passed stopped cleanly, $failed failed"
[ "$failed" = 0 ]
