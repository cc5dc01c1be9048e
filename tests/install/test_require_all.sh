#!/bin/sh
# tests/install/test_require_all.sh - dwgen's coverage check and cost columns.
#
#   sh tests/install/test_require_all.sh DWGEN WORKDIR
#
# A layer the runtime accepts but the kernels cannot specialize (an image of
# 2^31 elements or more; a kernel size, stride, rate, multiplier or pad
# above 65535) runs on the generic kernel. Checked here: without
# --require-all such a layer is a warning naming FILE:LINE and the set is
# written without its kernel; with it, dwgen exits 2 naming every such
# FILE:LINE and writes nothing; a configuration-specialized kernel covers
# such a layer under --specialize both; --require-all changes no byte; and
# --list prints the kernel ("generic" when none), FLOPs and bytes.

DWGEN=${1:?usage: test_require_all.sh DWGEN WORKDIR}
W=${2:?usage: test_require_all.sh DWGEN WORKDIR}
SRC=$(pwd)
case $DWGEN in /*) ;; *) DWGEN=$SRC/$DWGEN ;; esac
case $W in /*) ;; *) W=$SRC/$W ;; esac

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...: pass if the command succeeds
    what=$1; shift
    if "$@"; then pass; else fail "$what"; fi
}

rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1

HEADER="name	in_h	in_w	channels	kernel_h	kernel_w	stride	rate	padding	multiplier	activation	count"
# row NAME IN_H IN_W C K STRIDE PADDING M: one TSV row (rate 1, relu6, count 1).
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t1\t%s\t%s\trelu6\t1\n' "$1" "$2" "$3" "$4" "$5" "$5" "$6" "$7" "$8"; }
{
    echo "$HEADER"
    row good 16 16 8 3 2 SAME 1
    row big_image 46341 46341 1 3 1 SAME 1      # 46341^2 >= 2^31 elements
    row good_m2 9 9 4 3 1 VALID 2
    row huge_stride 70001 1 1 1 70000 VALID 1   # stride above 65535
} >mixed.tsv
GOOD_KERNEL=dwconv_f32_k3x3_s2x2_r1x1_same_m1__16x16x8_relu6
BIG_KERNEL=dwconv_f32_k3x3_s1x1_r1x1_same_m1__46341x46341x1_relu6

# --- without --require-all: warnings, the set without those kernels -----------
"$DWGEN" -o set mixed.tsv >out 2>err
check "uncovered layers are no error without --require-all: $(cat err)" test $? = 0
check "a warning names mixed.tsv:3 (the big image)" \
    grep -q '^dwgen: warning: mixed.tsv:3: layer big_image gets no specialized kernel' err
check "... and says why" grep -q 'one image must have fewer than 2^31 elements' err
check "a warning names mixed.tsv:5 (the huge stride)" \
    grep -q '^dwgen: warning: mixed.tsv:5: layer huge_stride gets no specialized kernel' err
check "no warning for covered layers" test "$(grep -c warning err)" = 2
check "the covered kernels are written" test -f "set/$GOOD_KERNEL.c"
check "the refused kernel is not" test ! -e "set/$BIG_KERNEL.c"
check "the registry has no entry for it" sh -c "! grep -q '$BIG_KERNEL' set/dwgen_registry.c set/dwgen_kernels.h"
check "the registry still lists every layer" \
    test "$(grep -c 'mixed.tsv:[0-9]' set/dwgen_registry.c)" = 4

# --- --list: kernels, "generic", costs ----------------------------------------------
"$DWGEN" --list mixed.tsv >list 2>err
check "--list exits 0" test $? = 0
check "--list header" test "$(head -n 1 list)" = "$(printf 'source\tname\tinput\toutput\tcount\tkernel\tflops\tbytes')"
check "--list: the covered layer's kernel" \
    test "$(awk -F '\t' '$2 == "good" { print $6 }' list)" = "$GOOD_KERNEL"
check "--list: an uncovered layer says generic" \
    test "$(awk -F '\t' '$2 == "big_image" { print $6 }' list)" = generic
check "--list warns on stderr too" grep -q 'mixed.tsv:5: layer huge_stride' err
# 112x112x32, 3x3, stride 2, SAME, multiplier 2, count 2: output 56x56x64.
#   flops = 2 * 9 * 56*56*64 * 2 = 7225344
#   bytes = 4 * (112*112*32 + 56*56*64 + 9*64 + 64) * 2 = 4822016
costs=$("$DWGEN" --list --layer 'in=112x112x32 k=3 s=2 pad=same m=2 count=2' | sed -n 2p | cut -f7-)
check "--list flops and bytes ($costs)" test "$costs" = "$(printf '7225344\t4822016')"
costs=$("$DWGEN" --list --layer 'in=*x*x* k=3 s=1 pad=same' | sed -n 2p | cut -f7-)
check "--list costs of an any-size layer are * ($costs)" test "$costs" = "$(printf '*\t*')"

# --- --require-all: exit 2, every FILE:LINE, nothing written ---------------------------
"$DWGEN" -o absent --require-all mixed.tsv >out 2>err
check "--require-all with uncovered layers: exit 2" test $? = 2
check "... naming mixed.tsv:3" grep -q '^dwgen: mixed.tsv:3: layer big_image gets no specialized kernel' err
check "... and mixed.tsv:5" grep -q '^dwgen: mixed.tsv:5: layer huge_stride gets no specialized kernel' err
check "... only those two" test "$(grep -c 'no specialized kernel' err)" = 2
check "... writing no folder" test ! -e absent
check "... and nothing on stdout" test ! -s out
before=$(ls -l --full-time set)
"$DWGEN" -o set --require-all mixed.tsv >/dev/null 2>&1
check "--require-all leaves an existing set alone" test "$(ls -l --full-time set)" = "$before"
"$DWGEN" --list --require-all mixed.tsv >out 2>err
check "--list --require-all: exit 2" test $? = 2
check "--list --require-all: prints no table" test ! -s out

# The Lua reader and --layer name their places too.
cat >big.lua <<'EOF'
return {
  { name = "fine", input = {8, 8, 4}, kernel = 3, stride = 1, padding = "SAME" },
  { name = "wide", input = {1, 70000, 1}, kernel = {1, 65536}, stride = 1, padding = "VALID" },
}
EOF
"$DWGEN" -o absent --require-all big.lua --layer 'name=cli in=4x4x1 k=1 s=1 r=1 pad=0,0,0,70000' >/dev/null 2>err
check "--require-all with a Lua file and --layer: exit 2" test $? = 2
check "... naming big.lua:3" grep -q 'big.lua:3: layer wide gets no specialized kernel' err
check "... naming <command-line>:1" grep -q '<command-line>:1: layer cli gets no specialized kernel' err

# Many uncovered layers: the list is capped, the rest counted.
{
    echo "$HEADER"
    i=0
    while [ $i -lt 25 ]; do row "s$i" $((70001 + i)) 1 1 1 $((70000 + i)) VALID 1; i=$((i + 1)); done
} >many.tsv
"$DWGEN" -o absent --require-all many.tsv >/dev/null 2>err
check "25 uncovered layers: exit 2" test $? = 2
check "... 20 named, then '... and 5 more'" \
    sh -c "test \"\$(grep -c 'no specialized kernel' err)\" = 20 && grep -q '\.\.\. and 5 more such layers' err"

# Only uncovered layers: there is no set to write, even without --require-all.
"$DWGEN" -o absent many.tsv >out 2>err
check "no layer covered: exit 2" test $? = 2
check "... saying there is nothing to generate" grep -q 'no layer gets a specialized kernel: nothing to generate' err
check "... writing no folder" test ! -e absent

# --- covered layers ----------------------------------------------------------------
{ echo "$HEADER"; row good 16 16 8 3 2 SAME 1; row good_m2 9 9 4 3 1 VALID 2; } >good.tsv
"$DWGEN" -o plain good.tsv 2>err1
"$DWGEN" -o strict --require-all good.tsv 2>err2
check "--require-all with every layer covered: exit 0" test $? = 0
check "... no warnings" test ! -s err1 -a ! -s err2
check "--require-all changes no byte (it is not recorded)" diff -r plain strict
check "--specialize config covers even the big image" \
    "$DWGEN" --list --require-all --specialize config good.tsv \
    --layer 'in=46341x46341x1 k=3 s=1 pad=same act=relu6' >/dev/null
# Under --specialize both the configuration kernel serves the big image,
# whose shape kernel is refused; the huge stride is refused at both levels.
{ echo "$HEADER"; row big_image 46341 46341 1 3 1 SAME 1; } >big.tsv
"$DWGEN" -o both --specialize both --require-all big.tsv 2>err
check "--specialize both covers the big image with the any-size kernel: $(cat err)" test $? = 0
check "... whose kernel is written" test -f both/dwconv_f32_k3x3_s1x1_r1x1_same_m1__any_relu6.c
check "... and the shape kernel is not" test ! -e "both/$BIG_KERNEL.c"
check "--list shows the any-size kernel" \
    test "$("$DWGEN" --list --specialize both big.tsv | sed -n 2p | cut -f6)" = dwconv_f32_k3x3_s1x1_r1x1_same_m1__any_relu6
"$DWGEN" --list --specialize both --require-all mixed.tsv >/dev/null 2>err
check "--specialize both: the huge stride is still uncovered" \
    sh -c "grep -q 'mixed.tsv:5: layer huge_stride' err && ! grep -q 'mixed.tsv:3' err"
check "--help documents --require-all" sh -c "'$DWGEN' --help | grep -q -- '--require-all'"

echo "test-require-all: $passed passed, $failed failed"
[ "$failed" = 0 ]
