#!/bin/sh
# tests/install/test_install.sh - dwgen as a user gets it: `make install`
# into a temporary DESTDIR, then the example application built out of tree
# against that install with CMake and with make, two kernel sets in one
# program, regeneration only when needed, --require-all in both build
# systems, dwgen run away from the source tree, and `make uninstall`.
#
#   sh tests/install/test_install.sh BUILD    (from the source root; `make test-install`)
#
# BUILD is the build folder whose dwgen and libraries are installed (the
# top Makefile's $(BUILD)); CC and MAKE come from the environment. Prints
# one line per failure and a summary; exit 1 on any failure. The work
# folder (under TMPDIR) is removed on success (unless KEEP is set) and kept
# on failure.

BUILD=${1:?usage: test_install.sh BUILD}
CC=${CC:-cc}
MAKE=${MAKE:-make}
SRC=$(pwd)
[ -f "$SRC/runtime/dwgen.h" ] || { echo "run from the dwgen source root" >&2; exit 2; }
BUILD_ARG=$BUILD                    # as the top Makefile knows it
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/dwgen-install.XXXXXX") || exit 1
PFX=/opt/dwgen-install-test-$$     # never created: everything goes under DESTDIR
DEST=$T/dest
P=$DEST$PFX                         # where the files land, and where the tests use them
LOG=$T/log

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...: pass if the command succeeds
    what=$1; shift
    if "$@"; then pass; else fail "$what"; fi
}
# run LOGFILE COMMAND...: run with output to LOGFILE; show it when the command
# fails. A command that hangs (e.g. make restarting forever) fails after 10 minutes.
run() {
    out=$1; shift
    if timeout 600 "$@" >"$out" 2>&1; then return 0; fi
    echo "--- $* failed:"; tail -n 30 "$out"; return 1
}

# Sub-makes must not see the outer make's flags and command-line variables.
SUBMAKE="env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES $MAKE"

# The top Makefile includes mk/install.mk once the lead wires it; until then, name it.
if grep -q 'mk/install.mk' "$SRC/Makefile"; then
    TOPMAKE="$SUBMAKE -C $SRC"
else
    TOPMAKE="$SUBMAKE -C $SRC -f Makefile -f mk/install.mk"
fi

cleanup() {
    if [ "$failed" = 0 ] && [ -z "$KEEP" ]; then rm -rf "$T"; else echo "work folder kept: $T"; fi
}

# Nothing the tests build may land in the source tree: files newer than this are reported.
touch "$T/start"
sleep 1

# --- install -----------------------------------------------------------------
check "make install" run "$LOG.install" $TOPMAKE install BUILD="$BUILD_ARG" CC="$CC" PREFIX="$PFX" DESTDIR="$DEST"
VERSION=$(sed -n 's/^#define DWGEN_VERSION "\(.*\)"$/\1/p' "$SRC/runtime/dwgen.h")
FILES="bin/dwgen lib/libdwgen.a lib/libdwgen.so.$VERSION lib/libdwgen.so.0 lib/libdwgen.so
include/dwgen.h lib/pkgconfig/dwgen.pc lib/cmake/dwgen/dwgenConfig.cmake
lib/cmake/dwgen/dwgenConfigVersion.cmake lib/cmake/dwgen/dwgenKernels.cmake
share/dwgen/dwgen.mk share/man/man1/dwgen.1"
for f in $FILES; do
    check "installed $f" test -e "$P/$f"
done
check "DESTDIR is honoured: nothing in $PFX itself" test ! -e "$PFX"
check "only the listed files are installed" \
    test "$(cd "$P" && find . ! -type d | sed 's|^\./||' | sort)" = "$(echo $FILES | tr ' ' '\n' | sort)"
check "dwgen is executable" test -x "$P/bin/dwgen"
check "libdwgen.so.0 links to libdwgen.so.$VERSION" test "$(readlink "$P/lib/libdwgen.so.0")" = "libdwgen.so.$VERSION"
check "libdwgen.so links to libdwgen.so.0" test "$(readlink "$P/lib/libdwgen.so")" = libdwgen.so.0
if command -v readelf >/dev/null; then
    check "the shared library's soname is libdwgen.so.0" \
        sh -c "readelf -d '$P/lib/libdwgen.so.$VERSION' | grep -q 'SONAME.*\[libdwgen.so.0\]'"
    check "the shared library exports the API" \
        sh -c "nm -D --defined-only '$P/lib/libdwgen.so.$VERSION' | grep -q ' T dwgen_plan_create$'"
fi
check "the installed header is runtime/dwgen.h" cmp -s "$P/include/dwgen.h" "$SRC/runtime/dwgen.h"
check "no installed text file names the source tree" \
    test -z "$(grep -l "$SRC" "$P/include/dwgen.h" "$P/lib/pkgconfig/dwgen.pc" "$P"/lib/cmake/dwgen/* \
               "$P/share/dwgen/dwgen.mk" "$P/share/man/man1/dwgen.1")"

# pkg-config, straight from the staging tree (the .pc file is relocatable).
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
check "pkg-config knows dwgen $VERSION" test "$(pkg-config --modversion dwgen)" = "$VERSION"
check "pkg-config --cflags points at the header" test -f "$(pkg-config --cflags-only-I dwgen | sed 's/^ *-I//; s/ *$//')/dwgen.h"
check "pkg-config --libs is -L... -ldwgen" sh -c "pkg-config --libs dwgen | grep -Eq -- '^-L[^ ]+ -ldwgen *$'"
check "pkg-config --static adds -lm" sh -c "pkg-config --static --libs dwgen | grep -q -- '-lm'"
check "pkg-config's dwgen variable is the installed dwgen" \
    test "$(cd "$(dirname "$(pkg-config --variable=dwgen dwgen)")" && pwd -P)/dwgen" = "$(cd "$P/bin" && pwd -P)/dwgen"
check "pkg-config's dwgen_mk variable exists" test -f "$(pkg-config --variable=dwgen_mk dwgen)"

# The man page documents every option --help names.
"$P/bin/dwgen" --help >"$T/help"
for opt in $(grep -oE -- '--[a-z][a-z-]+' "$T/help" | sort -u); do
    check "the man page documents $opt" sh -c "sed 's/\\\\//g' '$P/share/man/man1/dwgen.1' | grep -q -- '$opt'"
done
check "the man page has the version" grep -q "dwgen $VERSION" "$P/share/man/man1/dwgen.1"

# --- dwgen away from the source tree ---------------------------------------------
cp -a "$P" "$T/moved"
LAYER='in=12x10x6 k=3 s=2 pad=same m=2 act=relu6'
(cd / && env -i PATH=/usr/bin:/bin "$T/moved/bin/dwgen" -o "$T/moved-set" --layer "$LAYER") >"$LOG.moved" 2>&1
check "dwgen runs from a copied install, cwd /, empty environment: $(cat "$LOG.moved")" test $? = 0
"$BUILD/bin/dwgen" -o "$T/tree-set" --layer "$LAYER" >/dev/null 2>&1
check "the copied dwgen writes the same bytes as the build's" diff -r "$T/moved-set" "$T/tree-set"
check "the copied dwgen prints its version" \
    test "$(cd / && env -i "$T/moved/bin/dwgen" --version)" = "dwgen $VERSION"

# --- the example, out of tree, with make (pkg-config + dwgen.mk) ------------------
MK="$T/make"
mkdir -p "$MK"
check "example: make builds it" run "$LOG.make" $SUBMAKE -C "$MK" -f "$SRC/examples/Makefile" CC="$CC" BUILD=build
check "example (make) runs and agrees with the generic kernel" run "$LOG.make-run" "$MK/build/dwgen_example"
check "example (make) ran every layer" grep -q '^10 layers, 0 failed' "$LOG.make-run"
if command -v readelf >/dev/null; then
    check "example (make) uses the shared library" \
        sh -c "readelf -d '$MK/build/dwgen_example' | grep -q 'NEEDED.*libdwgen.so.0'"
fi

# --- the example, out of tree, with CMake (find_package + dwgen_add_kernels) --------
CM="$T/cmake"
check "example: cmake configures" \
    run "$LOG.cmake" cmake -S "$SRC/examples" -B "$CM" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC"
check "example: cmake builds it" run "$LOG.cmake-build" cmake --build "$CM" -j 2
check "example (CMake) runs and agrees with the generic kernel" run "$LOG.cmake-run" "$CM/dwgen_example"
check "example (CMake) ran every layer" grep -q '^10 layers, 0 failed' "$LOG.cmake-run"
# TARGET_ISA: the widest SIMD target this CPU runs (the kernels must run here).
isa=
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then isa=avx512
elif grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then isa=avx2; fi
if [ -n "$isa" ]; then
    CI_="$T/cmake-$isa"
    check "example ($isa): cmake configures with TARGET_ISA" \
        run "$LOG.cmake-$isa" cmake -S "$SRC/examples" -B "$CI_" -DCMAKE_PREFIX_PATH="$P" \
        -DCMAKE_C_COMPILER="$CC" -DDWGEN_EXAMPLE_ISA=$isa
    check "example ($isa): cmake builds it" run "$LOG.cmake-$isa-build" cmake --build "$CI_" -j 2
    check "example ($isa) runs and agrees with the generic kernel" \
        run "$LOG.cmake-$isa-run" "$CI_/dwgen_example"
    check "example ($isa) ran every layer on __$isa kernels" \
        test "$(grep -c "__${isa}  ok\$" "$LOG.cmake-$isa-run")" = 10
else
    echo "test-install: no AVX2 or AVX-512 here: TARGET_ISA not exercised"
fi
check "find_package rejects dwgen 9.0" sh -c "cd '$T' && mkdir -p v9 && printf 'cmake_minimum_required(VERSION 3.13)\nproject(v C)\nfind_package(dwgen 9.0 REQUIRED)\n' >v9/CMakeLists.txt && ! cmake -S v9 -B v9/b -DCMAKE_PREFIX_PATH='$P' >/dev/null 2>&1"

# --- regeneration: only when the layer file changed; a changed set of kernels -------
# The example is copied so the source tree's layer file is never touched.
cp -r "$SRC/examples" "$T/ex"
EX=$T/ex
EXTRA=$(printf 'extra_m2_valid\t10\t10\t5\t5\t5\t1\t1\tVALID\t2\tnone\t1')

# make_ex LOGNAME: build the copied example with make into $T/exmake.
make_ex() { l=$1; shift; run "$LOG.$l" $SUBMAKE -C "$T/exmake" -f "$EX/Makefile" CC="$CC" BUILD=build "$@"; }
# cmake_ex LOGNAME: build the copied example with CMake in $T/excmake.
cmake_ex() { run "$LOG.$1" cmake --build "$T/excmake" -j 2; }
mkdir -p "$T/exmake"
check "copy (make): first build" make_ex m1
check "copy (cmake): configure" \
    run "$LOG.c0" cmake -S "$EX" -B "$T/excmake" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC"
check "copy (cmake): first build" cmake_ex c1
KSET=$T/exmake/build/kernels
snap() { ls -l --full-time "$1" 2>/dev/null; }
before=$(snap "$KSET")
check "copy (make): second build" make_ex m2
check "copy (make): a build with nothing changed does not run dwgen" sh -c "! grep -q 'dwgen -o' '$LOG.m2'"
check "copy (make): ... and compiles nothing" sh -c "! grep -q -- ' -c ' '$LOG.m2'"
check "copy (cmake): second build" cmake_ex c2
check "copy (cmake): a build with nothing changed does not run dwgen" sh -c "! grep -q 'dwgen: generating' '$LOG.c2'"
check "copy (cmake): ... and compiles nothing" sh -c "! grep -q 'Building C object' '$LOG.c2'"

sleep 1
touch "$EX/layers.tsv"
check "copy (make): build after touching layers.tsv" make_ex m3
check "copy (make): touching the layer file runs dwgen" grep -q 'dwgen -o' "$LOG.m3"
check "copy (make): ... which keeps unchanged kernels as they were" test "$(snap "$KSET")" = "$before"
check "copy (make): ... so no kernel is recompiled" sh -c "! grep -q -- '-c build/kernels/' '$LOG.m3'"
check "copy (cmake): build after touching layers.tsv" cmake_ex c3
check "copy (cmake): touching the layer file runs dwgen" grep -q 'dwgen: generating' "$LOG.c3"
check "copy (cmake): ... and recompiles no kernel" sh -c "! grep -q 'Building C object.*dwgen/' '$LOG.c3'"
check "copy (make): build after that" make_ex m4
check "copy (make): ... runs dwgen no more" sh -c "! grep -q 'dwgen -o' '$LOG.m4'"
check "copy (cmake): build after that" cmake_ex c4
check "copy (cmake): ... runs dwgen no more" sh -c "! grep -q 'dwgen: generating' '$LOG.c4'"

# Changed options regenerate too (make: the recorded command; CMake: the
# arguments file), and the renamed kernels are what gets compiled.
check "copy (make): build with another prefix" make_ex mp DWGEN_PREFIX=renamed
check "copy (make): ... runs dwgen" grep -q 'dwgen -o build/kernels --prefix renamed' "$LOG.mp"
check "copy (make): ... and links the renamed kernels" run "$LOG.mprun" "$T/exmake/build/dwgen_example"
check "copy (make): ... which the program runs" grep -q 'renamed_f32_k3x3.*ok$' "$LOG.mprun"
sed 's/PREFIX example/PREFIX renamed/' "$EX/CMakeLists.txt" >"$T/cml" && cat "$T/cml" >"$EX/CMakeLists.txt"
check "copy (cmake): build with another prefix" cmake_ex cp
check "copy (cmake): ... runs dwgen" grep -q 'dwgen: generating example_registry (renamed_\*)' "$LOG.cp"
check "copy (cmake): ... and runs the renamed kernels" run "$LOG.cprun" "$T/excmake/dwgen_example"
check "copy (cmake): ... which the program runs" grep -q 'renamed_f32_k3x3.*ok$' "$LOG.cprun"
sed 's/PREFIX renamed/PREFIX example/' "$EX/CMakeLists.txt" >"$T/cml" && cat "$T/cml" >"$EX/CMakeLists.txt"
check "copy (make): back to the first prefix" make_ex mq
check "copy (cmake): back to the first prefix" cmake_ex cq

# A new layer: a new kernel is generated, compiled and run.
sleep 1
echo "$EXTRA" >>"$EX/layers.tsv"
check "copy (make): build with a layer added" make_ex m5
check "copy (make): the new kernel is compiled" grep -q 'example_f32_k5x5_s1x1_r1x1_valid_m2__10x10x5_none' "$LOG.m5"
check "copy (make): the program runs the new layer" run "$LOG.m5run" "$T/exmake/build/dwgen_example"
check "copy (make): ... 11 layers" grep -q '^11 layers, 0 failed' "$LOG.m5run"
check "copy (cmake): build with a layer added" cmake_ex c5
check "copy (cmake): the program runs the new layer" run "$LOG.c5run" "$T/excmake/dwgen_example"
check "copy (cmake): ... 11 layers" grep -q '^11 layers, 0 failed' "$LOG.c5run"

# A layer removed: its kernel disappears from the set and from the build.
sleep 1
grep -v '^conv_dw_13' "$EX/layers.tsv" >"$T/layers.new" && cat "$T/layers.new" >"$EX/layers.tsv"
check "copy (make): build with a layer removed" make_ex m6
check "copy (make): the removed layer's kernel is gone" \
    test ! -e "$KSET/example_f32_k3x3_s1x1_r1x1_same_m1__3x3x256_relu6.c"
check "copy (make): the program runs" run "$LOG.m6run" "$T/exmake/build/dwgen_example"
check "copy (make): ... 10 layers, without conv_dw_13" \
    sh -c "grep -q '^10 layers, 0 failed' '$LOG.m6run' && ! grep -q conv_dw_13 '$LOG.m6run'"
check "copy (cmake): build with a layer removed" cmake_ex c6
check "copy (cmake): the program runs" run "$LOG.c6run" "$T/excmake/dwgen_example"
check "copy (cmake): ... 10 layers, without conv_dw_13" \
    sh -c "grep -q '^10 layers, 0 failed' '$LOG.c6run' && ! grep -q conv_dw_13 '$LOG.c6run'"

# --- --require-all through both build systems ------------------------------------------
# A layer the runtime accepts but no kernel specializes (a stride above 65535).
cp -r "$SRC/examples" "$T/ra"
printf 'huge_stride\t70001\t1\t1\t1\t1\t70000\t1\tVALID\t1\tnone\t1\n' >>"$T/ra/layers.tsv"
line=$(wc -l <"$T/ra/layers.tsv" | tr -d ' ')
mkdir -p "$T/ramake"
$SUBMAKE -C "$T/ramake" -f "$T/ra/Makefile" CC="$CC" BUILD=build >"$LOG.ramake" 2>&1
check "require-all (make): the build fails" test $? != 0
check "require-all (make): naming layers.tsv:$line" \
    grep -q "layers.tsv:$line: layer huge_stride gets no specialized kernel" "$LOG.ramake"
cmake -S "$T/ra" -B "$T/racmake" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC" >"$LOG.racmake" 2>&1
check "require-all (cmake): configuring fails" test $? != 0
check "require-all (cmake): naming layers.tsv:$line" \
    grep -q "layers.tsv:$line: layer huge_stride gets no specialized kernel" "$LOG.racmake"

# --- two kernel sets with shared layers in one program ---------------------------------
TS=$SRC/tests/install/two_sets
check "two sets (cmake, static library): configure" \
    run "$LOG.ts-c" cmake -S "$TS" -B "$T/tscmake" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC"
check "two sets (cmake): build" run "$LOG.ts-cb" cmake --build "$T/tscmake" -j 2
check "two sets (cmake): run" run "$LOG.ts-cr" "$T/tscmake/two_sets"
if command -v readelf >/dev/null; then
    check "two sets (cmake): DWGEN_USE_STATIC_LIBS links libdwgen.a" \
        sh -c "! readelf -d '$T/tscmake/two_sets' | grep -q 'NEEDED.*libdwgen'"
fi
mkdir -p "$T/tsmake"
check "two sets (make, shared library): build" run "$LOG.ts-m" $SUBMAKE -C "$T/tsmake" -f "$TS/Makefile" CC="$CC"
check "two sets (make): run" run "$LOG.ts-mr" "$T/tsmake/two_sets"
check "two sets: both runs checked shared layers" \
    sh -c "grep -q ', 2 shared, 0 failed' '$LOG.ts-cr' && grep -q ', 2 shared, 0 failed' '$LOG.ts-mr'"
# Every external symbol a set defines carries its prefix or is its registry.
others=$(nm -g --defined-only "$T"/tsmake/sets/*.obj/*.o 2>/dev/null | awk 'NF == 3 { print $3 }' |
         grep -Ev '^(set_a_|set_b_|model_a_registry$|model_b_registry$)')
check "two sets: no external symbol without the set's prefix: $others" test -z "$others"
check "two sets: the sets define symbols at all" \
    sh -c "nm -g --defined-only '$T'/tsmake/sets/*.obj/*.o | grep -q ' T set_b_'"

# --- Ninja, when there is one -------------------------------------------------------------
if command -v ninja >/dev/null; then
    check "example (CMake, Ninja): configure" run "$LOG.ninja" \
        cmake -G Ninja -S "$EX" -B "$T/exninja" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC"
    check "example (Ninja): build" run "$LOG.n1" cmake --build "$T/exninja" -j 2
    check "example (Ninja): run" run "$LOG.n1run" "$T/exninja/dwgen_example"
    check "example (Ninja): second build" run "$LOG.n2" cmake --build "$T/exninja" -j 2
    check "example (Ninja): nothing to do the second time" grep -q 'no work to do' "$LOG.n2"
    sleep 1
    touch "$EX/layers.tsv"
    check "example (Ninja): build after touching layers.tsv" run "$LOG.n3" cmake --build "$T/exninja" -j 2
    check "example (Ninja): ... runs dwgen" grep -q 'dwgen: generating' "$LOG.n3"
    check "example (Ninja): ... and recompiles no kernel" sh -c "! grep -q 'Building C object.*dwgen/' '$LOG.n3'"
fi

# --- the source tree stayed clean ------------------------------------------------------------
written=$(find "$SRC/examples" "$SRC/tests/install" "$SRC/integration" -newer "$T/start" 2>/dev/null)
check "nothing was written into the source tree: $written" test -z "$written"

# --- uninstall ----------------------------------------------------------------------------
echo 'not ours' >"$P/share/man/man1/other.1"
echo 'not ours' >"$P/lib/other.txt"
check "make uninstall" run "$LOG.uninstall" $TOPMAKE uninstall BUILD="$BUILD_ARG" CC="$CC" PREFIX="$PFX" DESTDIR="$DEST"
left=$(cd "$DEST" && find . ! -type d | sort | tr '\n' ' ')
check "uninstall removes every installed file and keeps others (left: $left)" \
    test "$left" = "./${PFX#/}/lib/other.txt ./${PFX#/}/share/man/man1/other.1 "
check "uninstall removes dwgen's own folders" test ! -e "$P/lib/cmake/dwgen" -a ! -e "$P/share/dwgen"
check "uninstall keeps shared folders" test -d "$P/share/man/man1" -a -d "$P/lib"
check "a second uninstall succeeds" run "$LOG.uninstall2" $TOPMAKE uninstall BUILD="$BUILD_ARG" CC="$CC" PREFIX="$PFX" DESTDIR="$DEST"
$TOPMAKE install BUILD="$BUILD_ARG" CC="$CC" PREFIX=relative DESTDIR="$T/rel" >"$LOG.rel" 2>&1
check "a relative PREFIX is refused" test $? != 0
check "... saying why" grep -q 'PREFIX must be an absolute path' "$LOG.rel"
check "... before installing anything" test ! -e "$T/rel"

echo "test-install: $passed passed, $failed failed"
cleanup
[ "$failed" = 0 ]
