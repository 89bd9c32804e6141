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
DEFS=
[ -f "$GB_BUILDDIR/config.h" ] && DEFS="-DHAVE_CONFIG_H"

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
    JCFLAGS=$(mkvar JANSSON_CFLAGS)
    for src in $(sh "$FUZZ/pure-sources.sh" "$GB_SRCDIR"); do
        obj="$WORK/obj/$(echo "${src#"$GB_SRCDIR"/}" | tr / _ | sed 's/\.c$/.o/')"
        # shellcheck disable=SC2086
        $CC -std=gnu11 $CFLAGS $DEFS $INCS $JCFLAGS -c "$src" -o "$obj" || exit 1
    done
    ar rcs "$WORK/libpure.a" "$WORK"/obj/*.o || exit 1
    LIBS="$WORK/libpure.a $(mkvar JANSSON_LIBS)"
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
    # Each regression input on its own (so that one known crash hides nothing), then the
    # seed corpus in one run.
    for input in "$FUZZ/regressions/$t"/* "$FUZZ/corpus/$t"; do
        [ -e "$input" ] || continue
        GB_FUZZ_VERBOSE=1 "$WORK/$t" "$input" >"$WORK/$t.log" 2>&1
        rc=$?
        ran=$(grep -c '^running ' "$WORK/$t.log")
        total=$((total + ran))
        if [ $rc -ne 0 ]; then
            status=1
            last=$(grep '^running ' "$WORK/$t.log" | tail -n 1 |
                sed 's/^running //; s/ ([0-9]* bytes)$//')
            echo "test_fuzz_regress: FAIL: $t on $last (exit $rc):"
            grep -v '^running ' "$WORK/$t.log" | head -n 40 | sed 's/^/    /'
        fi
    done
    echo "test_fuzz_regress: $t done"
done
echo "test_fuzz_regress: $total inputs replayed"
if [ $status -ne 0 ]; then
    echo "test_fuzz_regress: FAILED; to replay under libFuzzer: GB_FUZZ_OUT=DIR sh" \
        "tests/fuzz/run-fuzz.sh 0 TARGET, then DIR/bin/TARGET FILE (tests/fuzz/README.md)"
fi
exit $status
