#!/bin/sh
# test_fuzz_regress.sh: replays the fuzz targets' inputs without libFuzzer, for make check.
#
# Each tests/fuzz/fuzz_*.c is compiled with the configured C compiler and flags (CC, CFLAGS,
# LDFLAGS and WARN_CFLAGS from $GB_BUILDDIR/Makefile unless set in the environment; in
# make distcheck that means AddressSanitizer and UBSan) together with
# tests/fuzz/standalone_main.c, linked against the project's MPI-free libraries as built
# in $GB_BUILDDIR (bench/libgbcore.a ... common/libgbcommon.a), and run over
# tests/fuzz/regressions/TARGET/ (inputs that once crashed a target) and
# tests/fuzz/corpus/TARGET/ (the seeds). Any crash, sanitizer report or violated
# invariant fails the test and names the input. Run through tests/mpi-wrapper.sh
# (GB_SRCDIR, GB_BUILDDIR); exit 77 (skip) when no C compiler is found.
set -u
: "${GB_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${GB_BUILDDIR:=$GB_SRCDIR}"
FUZZ="$GB_SRCDIR/tests/fuzz"
MK="$GB_BUILDDIR/Makefile"

# A variable of the configured Makefile (empty when there is none).
mkvar() {
    [ -f "$MK" ] && sed -n "s/^$1 = *//p" "$MK" | head -n 1
}
CC=${CC:-$(mkvar CC)}
CC=${CC:-cc}
CFLAGS=${CFLAGS-$(mkvar CFLAGS)}
LDFLAGS=${LDFLAGS-$(mkvar LDFLAGS)}
WARN_CFLAGS=${WARN_CFLAGS-$(mkvar WARN_CFLAGS)}
if ! command -v "${CC%% *}" >/dev/null 2>&1; then
    echo "test_fuzz_regress: no C compiler '$CC'; skipped"
    exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gbfuzzreg.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

INCS="-I$GB_BUILDDIR -I$GB_SRCDIR/common -I$GB_SRCDIR/topologies -I$GB_SRCDIR/protocols \
-I$GB_SRCDIR/bench -I$FUZZ"
DEFS="-DGB_SRCDIR=\"$GB_SRCDIR\""
[ -f "$GB_BUILDDIR/config.h" ] && DEFS="$DEFS -DHAVE_CONFIG_H"

# The libraries make check has just built; if they are missing (a run outside make),
# compile the same sources here instead.
LIBS=
for l in bench/libgbcore.a protocols/libgbproto.a topologies/libgbtopo.a common/libgbcommon.a; do
    if [ ! -f "$GB_BUILDDIR/$l" ]; then
        LIBS=
        break
    fi
    LIBS="$LIBS $GB_BUILDDIR/$l"
done
if [ -z "$LIBS" ]; then
    echo "test_fuzz_regress: libraries not built in $GB_BUILDDIR; compiling the sources"
    mkdir -p "$WORK/obj"
    for src in "$GB_SRCDIR"/common/*.c "$GB_SRCDIR"/topologies/*.c "$GB_SRCDIR"/protocols/*.c \
        "$GB_SRCDIR/bench/options.c" "$GB_SRCDIR/bench/stats.c"; do
        obj="$WORK/obj/$(echo "${src#"$GB_SRCDIR"/}" | tr / _ | sed 's/\.c$/.o/')"
        # shellcheck disable=SC2086
        $CC -std=gnu11 $CFLAGS $DEFS $INCS -c "$src" -o "$obj" || exit 1
    done
    LIBS="$WORK/obj/*.o"
fi

status=0
total=0
# shellcheck disable=SC2086
$CC -std=gnu11 $CFLAGS $WARN_CFLAGS -c "$FUZZ/standalone_main.c" -o "$WORK/standalone_main.o" ||
    exit 1
for src in "$FUZZ"/fuzz_*.c; do
    t=$(basename "$src" .c)
    # shellcheck disable=SC2086
    if ! $CC -std=gnu11 $CFLAGS $WARN_CFLAGS $DEFS $INCS "$src" "$WORK/standalone_main.o" $LIBS \
        $LDFLAGS -lm -o "$WORK/$t"; then
        echo "test_fuzz_regress: FAIL: building $t"
        status=1
        continue
    fi
    set --
    [ -d "$FUZZ/regressions/$t" ] && set -- "$@" "$FUZZ/regressions/$t"
    [ -d "$FUZZ/corpus/$t" ] && set -- "$@" "$FUZZ/corpus/$t"
    [ $# -eq 0 ] && continue
    GB_FUZZ_VERBOSE=1 "$WORK/$t" "$@" >"$WORK/$t.log" 2>&1
    rc=$?
    ran=$(grep -c '^running ' "$WORK/$t.log")
    total=$((total + ran))
    if [ $rc -ne 0 ]; then
        status=1
        last=$(grep '^running ' "$WORK/$t.log" | tail -n 1 |
            sed 's/^running //; s/ ([0-9]* bytes)$//')
        echo "test_fuzz_regress: FAIL: $t on $last (exit $rc):"
        grep -v '^running ' "$WORK/$t.log" | head -n 40
        echo "  replay: build with tests/fuzz/run-fuzz.sh and run fuzz_TARGET on that file"
    else
        echo "test_fuzz_regress: ok: $t, $ran inputs"
    fi
done
echo "test_fuzz_regress: $total inputs replayed"
exit $status
