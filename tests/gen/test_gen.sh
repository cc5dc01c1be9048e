#!/bin/sh
# tests/gen/test_gen.sh - the dwgen generator, from the outside.
#
#   sh tests/gen/test_gen.sh DWGEN WORKDIR LIBDWGEN
#
# Every bad input: exit status 2, a message with the key words and
# FILE:LINE, and no file touched (an existing set keeps every inode and
# mtime, an absent folder stays absent). Good input: the files, their
# bytes, determinism, mtimes kept when nothing changed, stale files gone,
# the registry working with the runtime (registry_check.c), generated code
# warning-free under gcc and clang, the set replaced atomically even when
# dwgen is killed. Prints one line per failure and a summary; exit 1 on any.

DWGEN=${1:?usage: test_gen.sh DWGEN WORKDIR LIBDWGEN}
W=${2:?usage: test_gen.sh DWGEN WORKDIR LIBDWGEN}
LIB=${3:?usage: test_gen.sh DWGEN WORKDIR LIBDWGEN}
CC=${CC:-cc}
# Extra flags for the C this script compiles and links (e.g. the sanitizer
# flags of `make test SAN=1`, which the runtime library was built with).
CFLAGS=${CFLAGS:-}
LDFLAGS=${LDFLAGS:-}
SRC=$(pwd)
case $DWGEN in /*) ;; *) DWGEN=$SRC/$DWGEN ;; esac
case $W in /*) ;; *) W=$SRC/$W ;; esac
case $LIB in /*) ;; *) LIB=$SRC/$LIB ;; esac

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...: pass if the command succeeds
    what=$1; shift
    if "$@"; then pass; else fail "$what"; fi
}

rm -rf "$W"
mkdir -p "$W/in"
cd "$W" || exit 1
SET=$W/set
ABSENT=$W/absent

# Inode, size and mtime (ns) of a folder and its files; "absent" if none.
snap() {
    if [ -e "$1" ]; then
        ls -lian --full-time "$1" | grep -v ' \.\.$'
        ls -dlin --full-time "$1"
    else
        echo absent
    fi
}

# No temporary or aside folder left next to $1.
no_leftovers() {
    [ -z "$(ls -d "$1".dwgen-* 2>/dev/null)" ]
}

# expect_error STATUS REGEX ARGS...: dwgen ARGS fails with STATUS, says
# REGEX on stderr, prints nothing on stdout, and touches no output:
# neither the existing set nor an absent folder.
expect_error() {
    want=$1 pattern=$2
    shift 2
    for out in "$SET" "$ABSENT"; do
        before=$(snap "$out")
        "$DWGEN" -o "$out" "$@" >"$W/stdout" 2>"$W/stderr"
        status=$?
        after=$(snap "$out")
        label="dwgen $* (-o ${out##*/})"
        [ "$status" = "$want" ] || { fail "$label: exit $status, want $want"; continue; }
        grep -Eq -- "$pattern" "$W/stderr" ||
            { fail "$label: stderr lacks /$pattern/: $(cat "$W/stderr")"; continue; }
        [ ! -s "$W/stdout" ] || { fail "$label: wrote to stdout"; continue; }
        [ "$before" = "$after" ] || { fail "$label: the output folder changed"; continue; }
        no_leftovers "$out" || { fail "$label: left a temporary folder"; continue; }
        pass
    done
}

tab=$(printf '\t')
# tsv FILE ROW...: a TSV file with the models/ header and the given rows
# (fields separated by spaces in the arguments, so no field has a space).
HEADER="name in_h in_w channels kernel_h kernel_w stride rate padding multiplier activation count"
tsv() {
    file=$1; shift
    for row in "$HEADER" "$@"; do echo "$row"; done | tr ' ' "$tab" >"$file"
}

GOOD="b1 16 16 8 3 3 1 1 SAME 1 relu6 1"

# --- a good set to protect: every error below must leave it alone --------
tsv in/good.tsv "$GOOD" "b2 16 16 8 3 3 2 1 SAME 1 relu6 2"
"$DWGEN" -o "$SET" in/good.tsv 2>"$W/stderr"
check "a good run succeeds: $(cat "$W/stderr")" test $? = 0
check "the good set has its files" test -f "$SET/dwgen_registry.c" -a -f "$SET/dwgen_kernels.h" \
    -a -f "$SET/.dwgen-manifest" -a -f "$SET/dwconv_f32_k3x3_s1x1_r1x1_same_m1__16x16x8_relu6.c"

# --- options ---------------------------------------------------------------
"$DWGEN" --help >"$W/help" 2>&1
check "--help exits 0" test $? = 0
for opt in --output --layer --list --specialize --prefix --registry --templates --modules \
           --help --version 'dwconv_f32_k\{KH\}x\{KW\}' 'Exit status'; do
    check "--help documents $opt" grep -Eq -- "$opt" "$W/help"
done
version=$(sed -n 's/^#define DWGEN_VERSION "\(.*\)"$/\1/p' "$SRC/runtime/dwgen.h")
check "--version prints dwgen $version" test "$("$DWGEN" --version)" = "dwgen $version"
expect_error 2 "unknown option '--bogus'" --bogus in/good.tsv
expect_error 2 "did you mean '--specialize'" --specialise both in/good.tsv
expect_error 2 "--specialize must be shape, config or both" --specialize all in/good.tsv
expect_error 2 "--prefix must be a C identifier" --prefix 9x in/good.tsv
expect_error 2 "--registry must be a C identifier" --registry 'a-b' in/good.tsv
expect_error 2 "option --layer needs a value" in/good.tsv --layer
expect_error 2 "no layers: name a layer file or use --layer"
expect_error 2 "--templates $W/nowhere: not a folder" --templates "$W/nowhere" in/good.tsv
"$DWGEN" in/good.tsv 2>"$W/stderr"
check "no -o: exit 2" test $? = 2
check "no -o: says so" grep -q "no output folder: use -o DIR" "$W/stderr"
expect_error 2 "cannot read layer file .*missing.tsv" in/missing.tsv
expect_error 2 "unknown layer file type" in/good.txt

# --- TSV errors ------------------------------------------------------------
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstrid\tpadding\nb\t8\t8\t1\t3\t3\t1\tSAME\n' \
    >in/col.tsv
expect_error 2 "col.tsv:1: unknown column 'strid' \(did you mean 'stride'\?\)" in/col.tsv
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tstride\tpadding\nb\t8\t8\t1\t3\t1\tSAME\n' >in/nocol.tsv
expect_error 2 "nocol.tsv:1: missing column 'kernel_w'" in/nocol.tsv
printf 'name\tname\nb\tc\n' >in/dup.tsv
expect_error 2 "dup.tsv:1: column 'name' appears twice" in/dup.tsv
tsv in/cells.tsv "$GOOD" "b2 16 16 8 3 3 1 1 SAME 1 relu6"
expect_error 2 "cells.tsv:3: row has 11 cells but the header has 12 columns" in/cells.tsv
tsv in/header_only.tsv
expect_error 2 "header_only.tsv: no layers" in/header_only.tsv
: >in/empty.tsv
expect_error 2 "empty.tsv: no layers" in/empty.tsv
tsv in/v.tsv "$GOOD" "b 16 16 8 3 3 0 1 SAME 1 none 1"
expect_error 2 "v.tsv:3: stride must be at least 1 \(got 0\)" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 0 SAME 1 none 1"
expect_error 2 "v.tsv:2: rate must be at least 1 \(got 0\)" in/v.tsv
tsv in/v.tsv "b 16 16 8 0 3 1 1 SAME 1 none 1"
expect_error 2 "v.tsv:2: kernel_h must be at least 1 \(got 0\)" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 1 SAME -2 none 1"
expect_error 2 "v.tsv:2: multiplier must be at least 1 \(got -2\)" in/v.tsv
tsv in/v.tsv "b 16 16 0 3 3 1 1 SAME 1 none 1"
expect_error 2 "v.tsv:2: channels must be at least 1" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 1 SAME 1 none 0"
expect_error 2 "v.tsv:2: count must be at least 1" in/v.tsv
tsv in/v.tsv "b 4 4 8 7 3 1 1 VALID 1 none 1"
expect_error 2 "v.tsv:2: height: the output would be empty" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 1 SAME 1.5 none 1"
expect_error 2 "v.tsv:2: multiplier must be an integer \(got '1.5'\)" in/v.tsv
tsv in/v.tsv "b 16 16 eight 3 3 1 1 SAME 1 none 1"
expect_error 2 "v.tsv:2: channels must be an integer" in/v.tsv
tsv in/v.tsv "b 99999999999 16 8 3 3 1 1 SAME 1 none 1"
expect_error 2 "v.tsv:2: in_h = 99999999999 does not fit an int" in/v.tsv
tsv in/v.tsv "b 16 16 2147483647 3 3 1 1 SAME 2 none 1"
expect_error 2 "v.tsv:2: channels x multiplier = 4294967294 does not fit an int" in/v.tsv
tsv in/v.tsv "b 2000000000 2000000000 2000000000 3 3 1 1 SAME 1 none 1"
expect_error 2 "v.tsv:2: the input or output has too many elements" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 1 smae 1 none 1"
expect_error 2 "v.tsv:2: padding: unknown value 'smae' \(did you mean 'same'\?\)" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 1 SAME 1 relu66 1"
expect_error 2 "v.tsv:2: activation: unknown value 'relu66' \(did you mean 'relu6'\?\)" in/v.tsv
tsv in/v.tsv "b * 16 8 3 3 1 1 SAME 1 none 1"
expect_error 2 "v.tsv:2: input height, width and channels must be all '\*'" in/v.tsv
tsv in/v.tsv "b 16 16 8 3 3 1 1 SAME 1 clamp 1"
expect_error 2 "v.tsv:2: missing clamp_min" in/v.tsv
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride\tpadding\tpad_top\tpad_bottom\tpad_left\tpad_right\n' >in/pads.tsv
printf 'b\t8\t8\t1\t3\t3\t1\tSAME\t1\t\t\t\n' >>in/pads.tsv
expect_error 2 "pads.tsv:2: pad_top is given but padding is SAME" in/pads.tsv
printf 'b\t8\t8\t1\t3\t3\t1\tEXPLICIT\t1\t-1\t0\t0\n' >in/pads2.tsv
sed -n 1p in/pads.tsv | cat - in/pads2.tsv >in/pads3.tsv
expect_error 2 "pads3.tsv:2: pad_bottom must be at least 0 \(got -1\)" in/pads3.tsv
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride\tpadding\tactivation\tclamp_min\tclamp_max\n' >in/clamp.tsv
printf 'b\t8\t8\t1\t3\t3\t1\tSAME\tclamp\t6\t1\n' >>in/clamp.tsv
printf 'c\t8\t8\t1\t3\t3\t1\tSAME\tclamp\tnan\t1\n' >>in/clamp.tsv
printf 'd\t8\t8\t1\t3\t3\t1\tSAME\tclamp\t1e39\t1e40\n' >>in/clamp.tsv
printf 'e\t8\t8\t1\t3\t3\t1\tSAME\trelu\t0\t\n' >>in/clamp.tsv
expect_error 2 "clamp.tsv:2: clamp minimum 6 is above the maximum 1" in/clamp.tsv
# Every bad row is reported, not only the first.
expect_error 2 "clamp.tsv:3: clamp_min must be a number \(got 'nan'\)" in/clamp.tsv
expect_error 2 "clamp.tsv:4: clamp_min = 1e39 does not fit a float" in/clamp.tsv
expect_error 2 "clamp.tsv:5: clamp_min is given but the activation is relu" in/clamp.tsv

# --- command-line layers ---------------------------------------------------
expect_error 2 "<command-line>:1: unknown key 'strid' \(did you mean 's'\?\)" \
    --layer 'in=8x8x1 k=3 strid=1 pad=same'
expect_error 2 "<command-line>:2: in must be HxWxC \(got '8x8'\)" \
    --layer 'in=8x8x1 k=3 s=1 pad=same' --layer 'in=8x8 k=3 s=1 pad=same'
expect_error 2 "<command-line>:1: missing k=KHxKW" --layer 'in=8x8x1 s=1 pad=same'
expect_error 2 "<command-line>:1: act must be none, relu, relu6, hswish or clamp:MIN:MAX" \
    --layer 'in=8x8x1 k=3 s=1 pad=same act=clamp:1'
expect_error 2 "<command-line>:1: pad must be same, valid or T,B,L,R" \
    --layer 'in=8x8x1 k=3 s=1 pad=1,2'
expect_error 2 "<command-line>:1: s= is given twice" --layer 'in=8x8x1 k=3 s=1 s=2 pad=same'
expect_error 2 "<command-line>:1: 'oops' is not KEY=VALUE" --layer 'in=8x8x1 oops k=3 s=1 pad=same'

# --- Lua layer files and their sandbox ---------------------------------------
lua() { printf '%s\n' "$2" >"in/$1.lua"; }
lua unknown 'return {
  { name = "a", input = {8, 8, 1}, kernel = 3, stride = 1, padding = "SAME" },
  { name = "b", input = {8, 8, 1}, kernel = 3, strides = 1, padding = "SAME" },
}'
expect_error 2 "unknown.lua:3: layer 2 \(b\): unknown field 'strides' \(did you mean 'stride'\?\)" \
    in/unknown.lua
lua badval 'return {
  { name = "a", input = {8, 8, 1}, kernel = 3, stride = 1, padding = "SAME" },

  { name = "b", input = {8, 8, 1}, kernel = {3, 3}, stride = {1, 0}, padding = "SAME" },
}'
expect_error 2 "badval.lua:4: layer 2 \(b\): stride\[2\] must be at least 1 \(got 0\)" in/badval.lua
lua noname 'return { { input = {8, 8, 1}, kernel = 3, stride = 1, padding = "SAME" } }'
expect_error 2 "noname.lua: layer 1: missing name" in/noname.lua
lua emptylist 'return {}'
expect_error 2 "emptylist.lua: no layers" in/emptylist.lua
lua nothing 'local x = 1'
expect_error 2 "nothing.lua: the file must return a list of layer tables" in/nothing.lua
lua syntax 'return {
  { name = "a",, },
}'
expect_error 2 "syntax.lua:2: unexpected symbol" in/syntax.lua
lua osexec 'os.execute("touch '"$W"'/pwned")
return {}'
expect_error 2 "osexec.lua:1: 'os' is not available in a layer file" in/osexec.lua
check "os.execute did not run" test ! -e "$W/pwned"
lua ioopen 'local f = io.open("/etc/passwd")'
expect_error 2 "ioopen.lua:1: 'io' is not available in a layer file" in/ioopen.lua
lua req 'local os = require("os")'
expect_error 2 "req.lua:1: 'require' is not available in a layer file" in/req.lua
lua load 'return load("return {}")()'
expect_error 2 "load.lua:1: 'load' is not available in a layer file" in/load.lua
lua dofile 'return dofile("/etc/passwd")'
expect_error 2 "dofile.lua:1: 'dofile' is not available in a layer file" in/dofile.lua
lua debug 'debug.sethook()'
expect_error 2 "debug.lua:1: 'debug' is not available in a layer file" in/debug.lua
lua dump 'return { string.dump(print) }'
expect_error 2 "dump.lua:1: 'string.dump' is not available in a layer file" in/dump.lua
lua pcall 'pcall(error)'
expect_error 2 "pcall.lua:1: 'pcall' is not available in a layer file" in/pcall.lua
lua loop 'local n = 0
while true do n = n + 1 end'
expect_error 2 "loop.lua:2: layer file runs too long" in/loop.lua
lua bigstr 'local s = string.rep("x", 1 << 30)
return {}'
expect_error 2 "bigstr.lua: layer file needs more memory than its limit" in/bigstr.lua
lua grow 'local t = {}
for i = 1, 1e9 do t[i] = i end'
expect_error 2 "grow.lua: layer file needs more memory than its limit" in/grow.lua
lua func 'return { { name = "a", input = {8, 8, 1}, kernel = function() end } }'
expect_error 2 "func.lua: the returned value is not plain data: a function \(at \[1\]\.kernel\)" \
    in/func.lua

# --- template errors name the template and its line --------------------------
mkdir -p "$W/tpl"
cp "$SRC"/templates/*.in "$W/tpl/"
line=$(grep -n '^      \${e.name}, \${e.pack}' "$W/tpl/registry.c.in" | cut -d: -f1)
sed -i "${line}s/e\.name}, /e.nmae.x}, /" "$W/tpl/registry.c.in"
expect_error 1 "tpl/registry.c.in:$line: attempt to index a nil value \(field 'nmae'\)" \
    --templates "$W/tpl" in/good.tsv
cp "$SRC"/templates/registry.c.in "$W/tpl/"
sed -i '3s/.*/$if then/' "$W/tpl/registry.c.in"
expect_error 1 "tpl/registry.c.in:3: unexpected symbol near 'then'" --templates "$W/tpl" in/good.tsv
cp "$SRC"/templates/registry.c.in "$W/tpl/"
sed -i '5s/.*/ * ${no_such_variable}/' "$W/tpl/registry.c.in"
expect_error 1 "tpl/registry.c.in:5: undefined name 'no_such_variable'" --templates "$W/tpl" in/good.tsv
rm "$W/tpl/registry.c.in"

# --- output folder errors ----------------------------------------------------
mkdir -p "$W/user"
echo "precious" >"$W/user/notes.txt"
before=$(snap "$W/user")
"$DWGEN" -o "$W/user" in/good.tsv 2>"$W/stderr"
check "a non-dwgen folder is refused with exit 1" test $? = 1
check "the refusal says why" grep -q "has no .dwgen-manifest.*refusing" "$W/stderr"
check "the refused folder is untouched" test "$before" = "$(snap "$W/user")"
cp -a "$SET" "$W/extra"
echo "mine" >"$W/extra/mine.c"
before=$(snap "$W/extra")
"$DWGEN" -o "$W/extra" in/good.tsv 2>"$W/stderr"
check "a set with a foreign file is refused" test $? = 1
check "the refusal names the file" grep -q "extra/mine.c is not a file dwgen wrote" "$W/stderr"
check "the set with a foreign file is untouched" test "$before" = "$(snap "$W/extra")"
"$DWGEN" -o . in/good.tsv 2>"$W/stderr"
check "-o . is refused with exit 2" test $? = 2
"$DWGEN" -o /proc/dwgen-test/out in/good.tsv 2>"$W/stderr"
check "an output folder that cannot be made: exit 1" test $? = 1

# --- good input --------------------------------------------------------------
# Names: the documented example and every naming rule.
list_kernel() { "$DWGEN" --list "$@" | sed -n '2p' | cut -f6; }
check "kernel name example" test "$(list_kernel --layer 'in=112x112x32 k=3x3 s=2 r=1 pad=same m=1 act=relu6')" \
    = dwconv_f32_k3x3_s2x2_r1x1_same_m1__112x112x32_relu6
check "kernel name: explicit pads, clamp, any size" \
    test "$(list_kernel --layer 'in=*x*x* k=3x5 s=2x1 r=1x2 pad=1,2,3,4 m=2 act=clamp:-1.5:6')" \
    = dwconv_f32_k3x5_s2x1_r1x2_pad1_2_3_4_m2__any_clampn1p5_6
check "kernel name: %g exponent, valid, hswish, prefix" \
    test "$(list_kernel --prefix my --layer 'in=9x9x1 k=1 s=1 pad=VALID act=clamp:0:1e+20')" \
    = my_f32_k1x1_s1x1_r1x1_valid_m1__9x9x1_clamp0_1e20
check "kernel name: avx512 target suffix" \
    test "$(list_kernel --target avx512 --layer 'in=14x14x576 k=3 s=2 pad=same m=1 act=relu6')" \
    = dwconv_f32_k3x3_s2x2_r1x1_same_m1__14x14x576_relu6__avx512
expect_error 2 "--target must be c, avx2 or avx512" --target avx1024 in/good.tsv
"$DWGEN" -o "$W/k512" --target avx512 --layer 'in=9x11x40 k=3 s=1 pad=same m=1 act=relu6' \
    >"$W/stderr" 2>&1
k512="$W/k512/dwconv_f32_k3x3_s1x1_r1x1_same_m1__9x11x40_relu6__avx512.c"
check "avx512 kernel: generated" test -f "$k512"
check "avx512 kernel: header names the target" grep -q 'target avx512: x86-64 AVX-512F' "$k512"
check "avx512 kernel: enables AVX-512F on the function" \
    grep -q '__attribute__((target("avx512f")))' "$k512"
check "avx512 kernel: 40 channels end in a masked tail of 8" \
    grep -q '_mm512_mask_storeu_ps(.*mask8' "$k512"
check "avx512 kernel: weights packed 64-byte aligned" grep -q '((uintptr_t)dst & 63)' "$k512"
# dwgen --target avx512 into $W/OUT for one layer, with an avx512 wisdom
# file that holds only ENTRY (its status is dwgen's):
#   with_wisdom OUT 'ENTRY' LAYER
mkdir -p "$W/wis"
with_wisdom() {
    printf 'return { %s }\n' "$2" >"$W/wis/kernel_avx512_wisdom.lua"
    "$DWGEN" -o "$W/$1" --modules "$W/wis" --target avx512 --layer "$3" >"$W/stderr" 2>&1
}
LAYER_9x11='in=9x11x40 k=3 s=1 pad=same m=1 act=relu6'
KERNEL_9x11=dwconv_f32_k3x3_s1x1_r1x1_same_m1__9x11x40_relu6__avx512.c
# A wisdom entry of the avx512 target may choose avx2's vectors for a layer.
with_wisdom k512w '["9x11x40 k3x3 s1x1 r1x1 m1"] = { isa = "avx2", order = "row", P = 5, G = 1 }' "$LAYER_9x11"
k512w="$W/k512w/$KERNEL_9x11"
check "avx512 wisdom isa=avx2: generated under the avx512 name" test -f "$k512w"
check "avx512 wisdom isa=avx2: 256-bit code" grep -q '__attribute__((target("avx2,fma")))' "$k512w"
check "avx512 wisdom isa=avx2: no 512-bit code" sh -c "! grep -q _mm512_ '$k512w'"
check "avx512 wisdom isa=avx2: the header says why" grep -q 'measured faster for this' "$k512w"
with_wisdom k512bad '["9x11x40 k3x3 s1x1 r1x1 m1"] = { isa = "sse2", order = "row", P = 5, G = 1 }' "$LAYER_9x11"
check "avx512 wisdom isa=sse2: refused" test $? != 0
check "avx512 wisdom isa=sse2: says why" grep -q 'target avx512 cannot use sse2' "$W/stderr"
check "avx512 wisdom isa=sse2: nothing written" test ! -e "$W/k512bad"
# A wisdom entry may stack rows: each unit runs for 3 output rows in turn.
with_wisdom k512r '["9x11x40 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 1, rows = 3 }' "$LAYER_9x11"
k512r="$W/k512r/$KERNEL_9x11"
check "avx512 wisdom rows=3: passes of 3 rows" grep -q 'i0 += 3) {' "$k512r"
check "avx512 wisdom rows=3: each unit loops over the pass" grep -q 'for (int i = i0; i < i1; i++) {' "$k512r"
check "avx512 wisdom rows=3: the header says so" grep -q 'for 3 output rows' "$k512r"
with_wisdom k512r0 '["9x11x40 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 1, rows = 0 }' "$LAYER_9x11"
check "avx512 wisdom rows=0: refused" test $? != 0
check "avx512 wisdom rows=0: says why" grep -q 'bad rows' "$W/stderr"
check "avx512 wisdom rows=0: nothing written" test ! -e "$W/k512r0"
# The avx512 rule stacks rows of wide stride-1 layers; an entry that does
# not say rows does not stack them.
"$DWGEN" -o "$W/k512s" --target avx512 --layer 'in=40x40x16 k=3 s=1 pad=same' >"$W/stderr" 2>&1
check "avx512 rule: a wide stride-1 layer stacks 4 rows" \
    grep -q 'i0 += 4) {' "$W/k512s/dwconv_f32_k3x3_s1x1_r1x1_same_m1__40x40x16_none__avx512.c"
with_wisdom k512u '["40x40x16 k3x3 s1x1 r1x1 m1"] = { order = "pixel", P = 4, G = 1 }' \
    'in=40x40x16 k=3 s=1 pad=same'
k512u="$W/k512u/dwconv_f32_k3x3_s1x1_r1x1_same_m1__40x40x16_none__avx512.c"
check "avx512 wisdom without rows: generated" test -f "$k512u"
check "avx512 wisdom without rows: no stacked rows" sh -c "! grep -q 'i0 +=' '$k512u'"
check "kernel name: float bounds that %g would merge keep their digits" \
    test "$(list_kernel --layer 'in=9x9x1 k=1 s=1 pad=valid act=clamp:0.1000001:0.1000002')" \
    = dwconv_f32_k1x1_s1x1_r1x1_valid_m1__9x9x1_clamp0p1000001_0p1000002
check "--list prints the output shape" \
    test "$("$DWGEN" --list --layer 'in=112x112x32 k=3 s=2 pad=same m=2' | sed -n 2p | cut -f4)" = 56x56x64

# The three syntaxes describe the same layer the same way.
printf 'name\tin_h\tin_w\tchannels\tkernel_h\tkernel_w\tstride_h\tstride_w\trate\tpadding\tpad_top\tpad_bottom\tpad_left\tpad_right\tmultiplier\tactivation\tclamp_min\tclamp_max\tcount\n' >in/same.tsv
printf 'x\t20\t30\t4\t3\t5\t2\t1\t2\tEXPLICIT\t1\t2\t3\t4\t2\tClamp\t-1\t1\t3\n' >>in/same.tsv
lua same 'return { { name = "x", input = {20, 30, 4}, kernel = {3, 5}, stride = {2, 1}, rate = 2,
  padding = {1, 2, 3, 4}, multiplier = 2, activation = { clamp = {-1, 1} }, count = 3 } }'
a=$("$DWGEN" --list in/same.tsv | sed -n 2p | cut -f2-)
b=$("$DWGEN" --list in/same.lua | sed -n 2p | cut -f2-)
c=$("$DWGEN" --list --layer 'name=x in=20x30x4 k=3x5 s=2x1 r=2 pad=1,2,3,4 m=2 act=clamp:-1:1 count=3' \
    | sed -n 2p | cut -f2-)
check "TSV, Lua and --layer agree ($a | $b | $c)" test "$a" = "$b" -a "$b" = "$c" -a -n "$a"

# A mixed set: every model, a Lua file and command-line layers, both levels.
lua mixed 'local layers = {}
for i, c in ipairs({8, 16}) do
  layers[#layers + 1] = { name = "lua" .. i, input = {11, 13, c}, kernel = 3, stride = {2, 1},
                          rate = {1, 2}, padding = "VALID", multiplier = 2, activation = "hswish" }
end
layers[#layers + 1] = { name = "any", input = {"*", "*", "*"}, kernel = {5, 3}, stride = 1,
                        padding = {2, 0, 1, 1}, activation = { clamp = {-0.5, 2.25} } }
return layers'
MIX="--registry dwgen_registry_mixed --specialize both $SRC/models/mobilenet_v2.tsv $W/in/mixed.lua"
"$DWGEN" -o "$W/mixed" $MIX --layer 'name=cli in=7x9x3 k=2x3 s=1 pad=same act=relu' 2>"$W/stderr"
check "the mixed set is generated: $(cat "$W/stderr")" test $? = 0
kernels=$("$DWGEN" --list $MIX --layer 'name=cli in=7x9x3 k=2x3 s=1 pad=same act=relu' |
          sed 1d | cut -f6 | tr ',' '\n' | sort -u)
files=$(cd "$W/mixed" && ls *.c | grep -v '^dwgen_registry.c$' | sed 's/\.c$//' | sort)
check "one .c file per distinct kernel of --list" test "$kernels" = "$files"
check "--specialize both has configuration-specialized kernels" \
    grep -q '__any_hswish' "$W/mixed/.dwgen-manifest"
check "the header declares the registry" \
    grep -q '^extern const dwgen_registry dwgen_registry_mixed;' "$W/mixed/dwgen_kernels.h"
check "every file says it is generated" test "$(grep -L 'Auto-generated by dwgen' "$W"/mixed/*.c "$W"/mixed/*.h)" = ""
check "the command is recorded without -o" \
    grep -q "Command: dwgen --registry dwgen_registry_mixed --specialize both .*mixed.lua --layer 'name=cli" \
    "$W/mixed/dwgen_registry.c"
check "no file mentions the output folder" test "$(grep -rl "$W/mixed" "$W/mixed")" = ""
check "the layer table keeps input order and sources" \
    test "$(grep -o '"[^"]*", "[^"]*:[0-9]*"' "$W/mixed/dwgen_registry.c" | sed -n '1p;$p' | tr '\n' '|')" \
    = "\"block0_dw\", \"$SRC/models/mobilenet_v2.tsv:2\"|\"cli\", \"<command-line>:1\"|"

# Generated code compiles without warnings under gcc and clang.
for cc in "$CC" gcc clang; do
    command -v "$cc" >/dev/null 2>&1 || continue
    ok=1
    for f in "$W"/mixed/*.c "$SET"/*.c; do
        "$cc" -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -Wall -Wextra -Werror -I"$SRC/runtime" \
            -I"${f%/*}" -c "$f" -o "$W/x.o" 2>>"$W/cc.log" || { ok=0; fail "$cc: $f"; }
    done
    [ $ok = 1 ] && pass
done

# The registry works with the runtime: lookups, no dead entries, plans agree.
if [ -f "$LIB" ]; then
    sets="mixed:dwgen_registry_mixed:-DEXPECT_ANY set:dwgen_registry_generated:"
    # The avx512 sets above (one written with avx2 vectors by its wisdom)
    # run only where the CPU has AVX-512F; elsewhere their lookups miss.
    if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
        sets="$sets k512:dwgen_registry_generated: k512w:dwgen_registry_generated:"
        sets="$sets k512r:dwgen_registry_generated:"
    fi
    for set in $sets; do
        dir=${set%%:*} rest=${set#*:}
        sym=${rest%%:*} flag=${rest#*:}
        # shellcheck disable=SC2086
        $CC -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -Wall -Wextra -Werror $CFLAGS -I"$SRC/runtime" \
            -DREGISTRY="$sym" $flag "$SRC/tests/gen/registry_check.c" "$W/$dir"/*.c "$LIB" \
            $LDFLAGS -lm -o "$W/check_$dir" 2>>"$W/cc.log"
        check "registry_check builds for $dir" test $? = 0
        result=$("$W/check_$dir")
        check "registry_check passes for $dir: $result" test $? = 0
    done
else
    fail "no runtime library at $LIB"
fi

# Deterministic: the same input anywhere gives the same bytes; run from
# another folder with absolute paths (the binary needs no source tree).
(cd / && "$DWGEN" -o "$W/mixed2" $MIX --layer 'name=cli in=7x9x3 k=2x3 s=1 pad=same act=relu') \
    2>"$W/stderr"
check "a run from / succeeds: $(cat "$W/stderr")" test $? = 0
check "two runs give the same bytes" diff -r "$W/mixed" "$W/mixed2"

# A second run with nothing changed changes nothing: same inodes, same mtimes.
before=$(snap "$W/mixed")
sleep 1
"$DWGEN" -o "$W/mixed" $MIX --layer 'name=cli in=7x9x3 k=2x3 s=1 pad=same act=relu'
check "an unchanged rerun exits 0" test $? = 0
check "an unchanged rerun touches nothing" test "$before" = "$(snap "$W/mixed")"

# Dropping a layer: its kernel disappears, unchanged files keep inode and mtime.
tsv in/drop.tsv "$GOOD" "b2 16 16 8 3 3 2 1 SAME 1 relu6 2" "b3 16 16 8 5 5 1 1 SAME 1 none 1"
"$DWGEN" -o "$W/drop" in/drop.tsv
keep=dwconv_f32_k3x3_s1x1_r1x1_same_m1__16x16x8_relu6.c
gone=dwconv_f32_k5x5_s1x1_r1x1_same_m1__16x16x8_none.c
check "the dropped layer's kernel exists first" test -f "$W/drop/$gone"
before=$(ls -lin --full-time "$W/drop/$keep")
sleep 1
tsv in/drop.tsv "$GOOD" "b2 16 16 8 3 3 2 1 SAME 1 relu6 2"
"$DWGEN" -o "$W/drop/" in/drop.tsv
check "a run with a dropped layer exits 0" test $? = 0
check "the stale kernel file is removed" test ! -e "$W/drop/$gone"
check "an unchanged kernel keeps inode and mtime" test "$before" = "$(ls -lin --full-time "$W/drop/$keep")"
check "the manifest no longer lists it" test -z "$(grep "$gone" "$W/drop/.dwgen-manifest")"
check "no leftovers after a replacement" no_leftovers "$W/drop"

# An empty folder is fine; a missing parent is created.
mkdir -p "$W/emptydir"
"$DWGEN" -o "$W/emptydir" in/good.tsv && "$DWGEN" -o "$W/new/deep/out" in/good.tsv
check "an empty folder and a new nested folder are accepted" \
    test -f "$W/emptydir/dwgen_registry.c" -a -f "$W/new/deep/out/dwgen_registry.c"

# Leftovers of an interrupted run are cleaned up; a half-done fallback swap
# (the old set moved aside, the new one not yet in place) is undone.
mkdir "$W/drop.dwgen-tmp-999999999"
echo partial >"$W/drop.dwgen-tmp-999999999/x.c"
mv "$W/drop" "$W/drop.dwgen-old-999999998"
"$DWGEN" -o "$W/drop" in/drop.tsv
check "leftovers are cleaned and the set restored" \
    test -f "$W/drop/$keep" -a ! -e "$W/drop.dwgen-tmp-999999999" -a ! -e "$W/drop.dwgen-old-999999998"
check "the restored set kept its unchanged files" test "$before" = "$(ls -lin --full-time "$W/drop/$keep")"

# Killed at any moment, the folder holds the complete old or new set.
# Set A is MobileNet v1, set B adds Xception; each run asks for the set the
# folder does not hold, and is killed after a growing delay.
cp "$SRC"/models/mobilenet_v1.tsv in/kill.tsv
"$DWGEN" -o "$W/refA" in/kill.tsv
sed 1d "$SRC"/models/xception.tsv >>in/kill.tsv
"$DWGEN" -o "$W/refB" in/kill.tsv
cp -a "$W/refA" "$W/victim"
bad=0
for delay in 0.01 0.03 0.05 0.08 0.1 0.13 0.16 0.2 0.25 0.3 0.4; do
    cp "$SRC"/models/mobilenet_v1.tsv in/kill.tsv
    if ! grep -q entry_block1 "$W/victim/dwgen_registry.c"; then
        sed 1d "$SRC"/models/xception.tsv >>in/kill.tsv
    fi
    "$DWGEN" -o "$W/victim" in/kill.tsv &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    if ! diff -r "$W/victim" "$W/refA" >/dev/null 2>&1 &&
       ! diff -r "$W/victim" "$W/refB" >/dev/null 2>&1; then
        bad=1
        fail "after kill -9 at ${delay}s the folder is neither the old nor the new set"
        break
    fi
done
[ $bad = 0 ] && pass
"$DWGEN" -o "$W/victim" in/kill.tsv
check "a run after the kills completes and cleans up" no_leftovers "$W/victim"

echo "test-gen: $passed passed, $failed failed"
[ $failed = 0 ]
