#!/bin/sh
# tests/reliability/failures.sh - failure injection for the generator.
#
#   sh tests/reliability/failures.sh DWGEN WORKDIR
#
# What must hold when writing an output set fails (tests/gen/test_gen.sh
# covers bad input, a missing parent folder and kill -9 at a few moments):
#   - the output folder's parent is a file, or on a read-only file system
#     (a tmpfs mounted ro: root ignores chmod), or the folder is a mount
#     point: a clear error, a non-zero exit, the old set intact, nothing
#     left behind;
#   - the disk fills up (a 200 KiB tmpfs holding a previous set, then a set
#     that needs 1.3 MiB): the same, and the space is given back;
#   - standard output is /dev/full: --list and --help fail, saying so;
#   - SIGKILL at every system call that writes the set (strace injects it
#     at the Nth mkdir, openat, write, fsync, link, renameat2, rename,
#     unlink, rmdir): afterwards the folder holds the complete old set or
#     the complete new one, and a rerun succeeds and leaves nothing behind;
#     the same where RENAME_EXCHANGE is unsupported (two renames: the
#     documented window in which the folder is moved aside, repaired by the
#     next run);
#   - system calls that fail (strace injects ENOSPC, EIO, EMFILE, EACCES,
#     EPERM, EXDEV): a clear error and the old set, or a fallback that
#     still produces the new set;
#   - SIGKILL after random delays while a large set is written;
#   - a template with a Lua error: the message names the template file and
#     its line.
# Cases that need root (mount) or strace say "skipped" when they cannot run.
# Mounts are undone on any exit. Prints a summary; exit 1 on any failure.

DWGEN=${1:?usage: failures.sh DWGEN WORKDIR}
W=${2:?usage: failures.sh DWGEN WORKDIR}
SRC=$(pwd)
case $DWGEN in /*) ;; *) DWGEN=$SRC/$DWGEN ;; esac
case $W in /*) ;; *) W=$SRC/$W ;; esac

MOUNTS=
cleanup() {
    for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    MOUNTS=
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP

# An earlier run killed midway may have left its mounts.
for m in "$W"/mnt-*; do
    [ -d "$m" ] && umount "$m" 2>/dev/null
done
rm -rf "$W"
mkdir -p "$W/in" || exit 1
cd "$W" || exit 1

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "skipped: $*"; skipped=$((skipped + 1)); }
check() { what=$1; shift; if "$@"; then pass; else fail "$what"; fi; }

# The two sets, from one layer file whose rows change (so the command, and
# the bytes of the kernels both share, stay the same: those are hard-linked):
# A, MobileNet v1 (13 files, ~150 KiB); B, every shipped model (~80 files,
# ~1.3 MiB). Both levels of specialization.
cp "$SRC/models/mobilenet_v1.tsv" "$W/in/a.tsv"
cp "$W/in/a.tsv" "$W/in/b.tsv"
for m in "$SRC"/models/*.tsv; do
    [ "$m" = "$SRC/models/mobilenet_v1.tsv" ] || sed 1d "$m"
done >>"$W/in/b.tsv"
LAYERS=$W/in/layers.tsv
# run_set DIR A|B [WRAPPER...]: dwgen -o DIR with the set's layers.
run_set() {
    dir=$1 which=$2
    shift 2
    if [ "$which" = A ]; then cp "$W/in/a.tsv" "$LAYERS"; else cp "$W/in/b.tsv" "$LAYERS"; fi
    "$@" "$DWGEN" -o "$dir" --specialize both "$LAYERS"
}
SET_A="--specialize both $W/in/a.tsv"
run_set "$W/refA" A && run_set "$W/refB" B ||
    { echo "FAIL: cannot generate the reference sets"; exit 1; }

same_as() { diff -r "$1" "$2" >/dev/null 2>&1; }
# Which reference set DIR holds: A, B or "neither".
which_set() {
    if same_as "$1" "$W/refA"; then echo A
    elif same_as "$1" "$W/refB"; then echo B
    else echo neither
    fi
}
leftovers() { ls -d "$1".dwgen-* 2>/dev/null; }
snap() {
    if [ -e "$1" ]; then ls -lian --full-time "$1" | grep -v ' \.\.$'; ls -dlin --full-time "$1"
    else echo absent; fi
}

can_mount=0
if [ "$(id -u)" = 0 ] && mkdir -p "$W/mnt-probe" &&
   mount -t tmpfs -o size=64k tmpfs "$W/mnt-probe" 2>/dev/null; then
    umount "$W/mnt-probe"
    can_mount=1
fi
# mount_tmpfs DIR OPTIONS
mount_tmpfs() {
    mkdir -p "$1" && mount -t tmpfs -o "$2" tmpfs "$1" && MOUNTS="$1 $MOUNTS"
}

# --- the output folder cannot be written ---------------------------------------
echo "parent" >"$W/file"
"$DWGEN" -o "$W/file/out" $SET_A 2>"$W/stderr"
st=$?
check "a parent that is a file: exit 1 (got $st)" test $st = 1
check "a parent that is a file: says so: $(cat "$W/stderr")" grep -q "is not a folder" "$W/stderr"
check "a parent that is a file: the file is untouched" test "$(cat "$W/file")" = parent

if [ $can_mount = 1 ]; then
    mount_tmpfs "$W/mnt-ro" size=64k,ro
    "$DWGEN" -o "$W/mnt-ro/deep/out" $SET_A 2>"$W/stderr"
    st=$?
    check "read-only file system: exit 1 (got $st)" test $st = 1
    check "read-only file system: says why: $(cat "$W/stderr")" \
        grep -q "cannot create folder .*mnt-ro/deep: Read-only file system" "$W/stderr"
    check "read-only file system: nothing written" test -z "$(ls -A "$W/mnt-ro")"

    # A set on a file system that became read-only.
    mount_tmpfs "$W/mnt-rs" size=4m
    run_set "$W/mnt-rs/set" A 2>/dev/null
    mount -o remount,ro "$W/mnt-rs"
    before=$(snap "$W/mnt-rs/set")
    run_set "$W/mnt-rs/set" B 2>"$W/stderr"
    st=$?
    check "set on a read-only file system: exit 1 (got $st)" test $st = 1
    check "set on a read-only file system: says why: $(cat "$W/stderr")" \
        grep -q "Read-only file system" "$W/stderr"
    check "set on a read-only file system: the set is intact" test "$before" = "$(snap "$W/mnt-rs/set")"
    check "set on a read-only file system: nothing left" test -z "$(leftovers "$W/mnt-rs/set")"
    mount -o remount,rw "$W/mnt-rs"
    run_set "$W/mnt-rs/set" B 2>"$W/stderr"
    check "set on a file system writable again: the rerun succeeds" test "$(which_set "$W/mnt-rs/set")" = B

    # The output folder is a mount point: it cannot be swapped.
    mount_tmpfs "$W/mnt-point" size=4m
    run_set "$W/mnt-point" A 2>"$W/stderr"
    st=$?
    if [ $st = 0 ]; then
        # An empty mount point was not replaced but filled: the rerun must swap.
        before=$(snap "$W/mnt-point")
        run_set "$W/mnt-point" B 2>"$W/stderr"
        st=$?
    else
        before=absent-or-empty
    fi
    check "output folder is a mount point: exit 1 (got $st)" test $st = 1
    check "output folder is a mount point: says why: $(cat "$W/stderr")" \
        grep -Eq "cannot (exchange|rename).*(busy|Invalid cross-device)" "$W/stderr"
    if [ "$before" != absent-or-empty ]; then
        check "output folder is a mount point: the set is intact" test "$before" = "$(snap "$W/mnt-point")"
    fi
    check "output folder is a mount point: nothing left" test -z "$(leftovers "$W/mnt-point")"
else
    skip "read-only file systems and mount points (needs root and tmpfs mounts)"
fi

# --- the disk fills up -------------------------------------------------------------
if [ $can_mount = 1 ]; then
    mount_tmpfs "$W/mnt-full" size=200k
    run_set "$W/mnt-full/set" A 2>"$W/stderr"
    check "a small set fits the small disk: $(cat "$W/stderr")" test "$(which_set "$W/mnt-full/set")" = A
    used=$(df -k "$W/mnt-full" | awk 'NR == 2 { print $3 }')
    before=$(snap "$W/mnt-full/set")
    run_set "$W/mnt-full/set" B 2>"$W/stderr"
    st=$?
    check "disk full: exit 1 (got $st)" test $st = 1
    check "disk full: says why: $(cat "$W/stderr")" grep -q "No space left on device" "$W/stderr"
    check "disk full: the previous set is intact" test "$before" = "$(snap "$W/mnt-full/set")"
    check "disk full: the previous set has its bytes" test "$(which_set "$W/mnt-full/set")" = A
    check "disk full: nothing left" test -z "$(leftovers "$W/mnt-full/set")"
    check "disk full: the space is given back" \
        test "$(df -k "$W/mnt-full" | awk 'NR == 2 { print $3 }')" = "$used"
    run_set "$W/mnt-full/set" A 2>"$W/stderr"
    check "disk full: a rerun that fits succeeds: $(cat "$W/stderr")" test $? = 0
else
    skip "disk full (needs root and tmpfs mounts)"
fi

if [ -w /dev/full ]; then
    "$DWGEN" --list $SET_A >/dev/full 2>"$W/stderr"
    st=$?
    check "--list into a full disk: exit 1 (got $st)" test $st = 1
    check "--list into a full disk: says so" grep -q "cannot write to standard output" "$W/stderr"
    "$DWGEN" --help >/dev/full 2>"$W/stderr"
    check "--help into a full disk: exit 1" test $? = 1
else
    skip "/dev/full is not writable"
fi

# --- SIGKILL and failing system calls, injected by strace --------------------------
# (LeakSanitizer cannot run under ptrace: a sanitized dwgen is traced
# without it.)
STRACE=
NOLEAKS="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
if command -v strace >/dev/null 2>&1 && strace -f -qq -o /dev/null -e inject=getpid:error=EPERM true 2>/dev/null; then
    STRACE="env $NOLEAKS strace -f -qq -o /dev/null"
fi

# The set the folder does not hold (A when it holds neither).
other() { if [ "$(which_set "$1")" = A ]; then echo B; else echo A; fi; }

# kill_sweep NAME TRACED SYSCALL [EXTRA...]: for N = 1, 2, ... kill dwgen at
# the Nth SYSCALL while it replaces the set in $W/victim with the other one,
# until a run completes. TRACED: the system calls strace traces (SYSCALL and
# those of EXTRA, more strace options such as an injected fault).
kill_sweep() {
    name=$1 traced=$2 call=$3
    shift 3
    n=1 kills=0 bad=0
    while [ $n -le 400 ]; do
        want=$(other "$W/victim")
        # shellcheck disable=SC2086
        run_set "$W/victim" "$want" $STRACE -e trace="$traced" "$@" \
            -e inject="$call":signal=KILL:when=$n >/dev/null 2>&1
        st=$?
        now=$(which_set "$W/victim")
        if [ $st = 0 ]; then
            [ "$now" = "$want" ] || { bad=1; fail "$name: a complete run left '$now'"; }
            break
        fi
        if [ $st != 137 ]; then         # 128 + SIGKILL: anything else is no kill
            bad=1
            fail "$name: with a kill at $call #$n dwgen ended with status $st"
            break
        fi
        kills=$((kills + 1))
        if [ "$now" = neither ]; then
            # Only the two-rename fallback may leave the folder aside, whole.
            aside=$(ls -d "$W"/victim.dwgen-old-* 2>/dev/null | head -n 1)
            if [ -n "$aside" ] && [ ! -e "$W/victim" ] && [ "$(which_set "$aside")" != neither ]; then
                :
            else
                bad=1
                fail "$name: killed at $call #$n, the folder holds neither set"
                break
            fi
        fi
        # A plain rerun repairs and completes (and then asks for the other set).
        run_set "$W/victim" "$want" 2>"$W/stderr"
        if [ $? != 0 ] || [ "$(which_set "$W/victim")" != "$want" ] || [ -n "$(leftovers "$W/victim")" ]; then
            bad=1
            fail "$name: after a kill at $call #$n the rerun failed: $(cat "$W/stderr")"
            break
        fi
        if [ $n -lt 12 ]; then n=$((n + 1)); else n=$((n + n / 3)); fi
    done
    [ $bad = 0 ] && pass
    kill_total=$((kill_total + kills))
}

# fault NAME SYSCALL:error=E[:when=N] OUTCOME PATTERN: inject a failing
# system call into a run that replaces set A by set B. OUTCOME old: exit 1,
# the message matches PATTERN, set A intact and nothing left; new: exit 0
# and set B (a fallback); late: exit 1 after the swap (set B in place), a
# rerun cleans up.
fault() {
    name=$1 inject=$2 outcome=$3 pattern=$4
    rm -rf "$W/victim" "$W"/victim.dwgen-*
    run_set "$W/victim" A
    call=${inject%%:*}
    case $inject in
    *@tmp*)
        # @tmp: the third such call on the temporary folder, counted in a
        # traced run (the calls before it vary with the build).
        run_set "$W/victim" B env "$NOLEAKS" strace -f -qq -o "$W/trace" -e trace="$call" >/dev/null 2>&1
        k=$(grep -v -e 'resumed>' -e '+++' -e '---' "$W/trace" | grep -n 'dwgen-tmp' | head -n 1 | cut -d: -f1)
        inject=$(echo "$inject" | sed "s/@tmp/$((${k:-1} + 2))/")
        rm -rf "$W/victim" "$W"/victim.dwgen-*
        run_set "$W/victim" A ;;
    esac
    before=$(snap "$W/victim")
    # shellcheck disable=SC2086
    run_set "$W/victim" B $STRACE -e trace="$call" -e inject="$inject" 2>"$W/stderr" >/dev/null
    st=$?
    now=$(which_set "$W/victim")
    case $outcome in
    old)
        if [ $st = 1 ] && grep -Eq -- "$pattern" "$W/stderr" && [ "$before" = "$(snap "$W/victim")" ] &&
           [ -z "$(leftovers "$W/victim")" ]; then pass
        else fail "$name: exit $st, set $now, leftovers '$(leftovers "$W/victim")': $(cat "$W/stderr")"; fi ;;
    new)
        if [ $st = 0 ] && [ "$now" = B ] && [ -z "$(leftovers "$W/victim")" ]; then pass
        else fail "$name: exit $st, set $now: $(cat "$W/stderr")"; fi ;;
    late)
        run_set "$W/victim" B 2>/dev/null
        if [ $st = 1 ] && grep -Eq -- "$pattern" "$W/stderr" && [ "$now" = B ] &&
           [ "$(which_set "$W/victim")" = B ] && [ -z "$(leftovers "$W/victim")" ]; then pass
        else fail "$name: exit $st, set $now: $(cat "$W/stderr")"; fi ;;
    esac
}

if [ -n "$STRACE" ]; then
    kill_total=0
    rm -rf "$W/victim"
    run_set "$W/victim" A
    for call in mkdir openat write fsync link renameat2 unlink rmdir; do
        kill_sweep "SIGKILL at $call" $call $call
    done
    kill_sweep "SIGKILL at rename, RENAME_EXCHANGE unsupported" renameat2,rename rename \
        -e inject=renameat2:error=ENOSYS
    echo "failures: $kill_total runs killed at a system call, each left the old or the new set"

    fault "write fails: ENOSPC" write:error=ENOSPC:when=7 old "cannot write .*No space left on device"
    fault "fsync fails: EIO" fsync:error=EIO:when=3 old "cannot sync .*Input/output error"
    fault "open fails: EMFILE" "openat:error=EMFILE:when=@tmp" old "Too many open files"
    fault "mkdir fails: EACCES" mkdir:error=EACCES old "cannot create folder .*Permission denied"
    fault "RENAME_EXCHANGE fails: EXDEV" renameat2:error=EXDEV old "cannot exchange .*cross-device"
    fault "RENAME_EXCHANGE unsupported: EINVAL" renameat2:error=EINVAL new ""
    fault "hard links unsupported: EPERM" link:error=EPERM new ""
    fault "removing the old set fails: EIO" unlink:error=EIO:when=2 late "cannot remove .*Input/output error"
else
    skip "SIGKILL and faults at system calls (needs strace with -e inject)"
fi

# --- SIGKILL after random delays while a large set is written ---------------------
rm -rf "$W/victim" "$W"/victim.dwgen-*
run_set "$W/victim" A
bad=0
for delay in 0.02 0.05 0.07 0.1 0.12 0.15 0.18 0.2 0.25 0.3 0.35 0.4 0.5 0.6 0.8 1.0; do
    want=$(other "$W/victim")
    # Start dwgen itself in the background (not run_set, whose subshell
    # would take the SIGKILL while dwgen ran on and raced the check).
    if [ "$want" = A ]; then cp "$W/in/a.tsv" "$LAYERS"; else cp "$W/in/b.tsv" "$LAYERS"; fi
    "$DWGEN" -o "$W/victim" --specialize both "$LAYERS" >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    if [ "$(which_set "$W/victim")" = neither ]; then
        bad=1
        fail "kill -9 after ${delay}s: the folder holds neither set"
        break
    fi
done
[ $bad = 0 ] && pass
run_set "$W/victim" "$(other "$W/victim")" 2>"$W/stderr"
check "a run after the kills succeeds and cleans up: $(cat "$W/stderr")" \
    test $? = 0 -a -z "$(leftovers "$W/victim")"

# --- a template with a Lua error names the template and the line -------------------
# (tests/gen/test_gen.sh breaks registry.c.in; these break the kernel
# template, with an error() call and with a failing expression.)
mkdir -p "$W/tpl"
cp "$SRC"/templates/*.in "$W/tpl/"
kernel_tpl=kernel_c.c.in       # the portable target, the default
template_error() { # template_error NAME LINE-TEXT PATTERN
    cp "$SRC/templates/$kernel_tpl" "$W/tpl/$kernel_tpl"
    sed -i "2i\\
$2" "$W/tpl/$kernel_tpl"
    rm -rf "$W/tplout"
    "$DWGEN" -o "$W/tplout" --templates "$W/tpl" $SET_A 2>"$W/stderr"
    st=$?
    if [ $st = 1 ] && grep -Eq -- "$3" "$W/stderr" && [ ! -e "$W/tplout" ] &&
       ! grep -q 'stack traceback' "$W/stderr"; then pass
    else fail "$1: exit $st: $(cat "$W/stderr")"; fi
}
template_error "error() in a template" '$ error("boom")' "tpl/$kernel_tpl:2: boom"
template_error "a nil call in \${...}" 'int x = ${no_function_here()};' \
    "tpl/$kernel_tpl:2: undefined name 'no_function_here'"
template_error "arithmetic on a string in \${...}" 'int x = ${"a" + 1};' \
    "tpl/$kernel_tpl:2: attempt to (perform arithmetic|add)"
# (an error value that is not a string carries no line: the file will do)
template_error "an error value that is a table" '$ error({})' "tpl/$kernel_tpl: error value table"

echo "failures: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
