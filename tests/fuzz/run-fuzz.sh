#!/bin/sh
# run-fuzz.sh: build the libFuzzer targets of tests/fuzz/ with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer, any UB report fatal) and run each for a bounded time.
#
# Usage: tests/fuzz/run-fuzz.sh [SECONDS [TARGET...]]
#   SECONDS  time per target (default 30; 0 only builds); TARGETs default to every
#            tests/fuzz/fuzz_*.c.
# Environment:
#   CLANG               compiler (default clang; needs libFuzzer: Debian clang +
#                       libclang-rt-<version>-dev)
#   GB_FUZZ_OUT         where to build and keep the run's corpora, logs and crash
#                       artifacts (default: a new directory under ${TMPDIR:-/tmp}, kept)
#   GB_FUZZ_JOBS        libFuzzer worker processes per target (default 1)
#   GB_FUZZ_FLAGS       extra libFuzzer flags
#   GB_BUILDDIR         where configure wrote config.h (default: the source tree)
# Seeds come from tests/fuzz/corpus/TARGET/ (read only: new inputs go to the run's own
# corpus), dictionaries from tests/fuzz/dict/TARGET.dict. Exit status: 0 when no target
# crashed, 1 when one did (the reproducer's path and the command to replay it are
# printed), 2 when the build failed.
set -u
SECS=${1:-30}
[ $# -gt 0 ] && shift
case $SECS in
    '' | *[!0-9]*) echo "run-fuzz.sh: SECONDS must be a whole number, got '$SECS'" >&2; exit 2 ;;
esac

FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$FUZZ_DIR/../.." && pwd)
BUILDDIR=${GB_BUILDDIR:-$SRCDIR}
CLANG=${CLANG:-clang}
JOBS=${GB_FUZZ_JOBS:-1}
OUT=${GB_FUZZ_OUT:-}
if [ -z "$OUT" ]; then
    OUT=$(mktemp -d "${TMPDIR:-/tmp}/gbfuzz.XXXXXX") || exit 2
fi
mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/tmp" || exit 2 # tmp: the targets' scratch files

if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "run-fuzz.sh: '$CLANG' not found; install clang and libclang-rt-<version>-dev" >&2
    exit 2
fi

if [ $# -gt 0 ]; then
    TARGETS=$*
else
    TARGETS=
    for f in "$FUZZ_DIR"/fuzz_*.c; do
        TARGETS="$TARGETS $(basename "$f" .c)"
    done
fi

# The MPI-free sources (tests/fuzz/pure-sources.sh); bench/main.c and the MPI, PAPI and
# hwloc parts of bench/ stay out.
SOURCES=$(sh "$FUZZ_DIR/pure-sources.sh" "$SRCDIR")
DEFS=
[ -f "$BUILDDIR/config.h" ] && DEFS="-DHAVE_CONFIG_H -I$BUILDDIR"
INCS="-I$SRCDIR/common -I$SRCDIR/topologies -I$SRCDIR/protocols -I$SRCDIR/bench -I$FUZZ_DIR"
INCS="$INCS $(pkg-config --cflags jansson 2>/dev/null)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer $SAN $DEFS $INCS"

echo "run-fuzz.sh: building in $OUT with $CLANG"
# Library objects once (instrumented for coverage, no libFuzzer main), in parallel, into
# an archive so that only what the targets reference is linked.
rm -f "$OUT"/obj/*.o "$OUT"/obj/*.log "$OUT/libpure.a"
NPROC=$(nproc 2>/dev/null || echo 2)
pids=
failed=0
for src in $SOURCES; do
    obj="$OUT/obj/$(echo "${src#"$SRCDIR"/}" | tr / _ | sed 's/\.c$/.o/')"
    # shellcheck disable=SC2086
    "$CLANG" $CFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$obj" 2>"$obj.log" &
    pids="$pids $!"
    # shellcheck disable=SC2086
    set -- $pids
    if [ $# -ge "$NPROC" ]; then
        wait "$1" || failed=1
        shift
        pids=$*
    fi
done
for p in $pids; do
    wait "$p" || failed=1
done
if [ "$failed" = 1 ]; then
    cat "$OUT"/obj/*.log >&2
    echo "run-fuzz.sh: build failed" >&2
    exit 2
fi
ar rcs "$OUT/libpure.a" "$OUT"/obj/*.o || exit 2
JLIBS=$(pkg-config --libs jansson 2>/dev/null)
for t in $TARGETS; do
    # shellcheck disable=SC2086
    "$CLANG" $CFLAGS -fsanitize=fuzzer "$FUZZ_DIR/$t.c" "$OUT/libpure.a" -lm $JLIBS \
        -o "$OUT/bin/$t" ||
        { echo "run-fuzz.sh: building $t failed" >&2; exit 2; }
done

if [ "$SECS" -eq 0 ]; then
    echo "run-fuzz.sh: built $TARGETS in $OUT/bin"
    exit 0
fi
status=0
summary=
for t in $TARGETS; do
    rm -rf "$OUT/artifacts/$t" # reproducers of an earlier run in the same GB_FUZZ_OUT
    mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t"
    seeds=
    [ -d "$FUZZ_DIR/corpus/$t" ] && seeds="$FUZZ_DIR/corpus/$t"
    dict=
    [ -f "$FUZZ_DIR/dict/$t.dict" ] && dict="-dict=$FUZZ_DIR/dict/$t.dict"
    echo "run-fuzz.sh: $t for ${SECS}s (log $OUT/$t.log)"
    fork=
    [ "$JOBS" -gt 1 ] && fork="-fork=$JOBS"
    asan="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}abort_on_error=1:detect_leaks=1"
    # shellcheck disable=SC2086
    (cd "$OUT" && TMPDIR="$OUT/tmp" ASAN_OPTIONS="$asan" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        "$OUT/bin/$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
        $fork $dict ${GB_FUZZ_FLAGS:-} \
        "$OUT/corpus/$t" $seeds) >"$OUT/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t.log" | tail -n 1)
    found=
    for a in "$OUT/artifacts/$t"/crash-* "$OUT/artifacts/$t"/leak-* \
        "$OUT/artifacts/$t"/timeout-* "$OUT/artifacts/$t"/oom-*; do
        [ -f "$a" ] && found="$found ${a##*/}"
    done
    if [ $rc -ne 0 ] || [ -n "$found" ]; then
        status=1
        echo "run-fuzz.sh: $t FAILED (exit $rc); from $OUT/$t.log:" >&2
        grep -a -E 'ERROR|INVARIANT|runtime error|SUMMARY|#[0-9]+ 0x' "$OUT/$t.log" | head -n 30 >&2
        for a in $found; do
            echo "run-fuzz.sh: reproducer $OUT/artifacts/$t/$a" >&2
            echo "run-fuzz.sh:   replay: $OUT/bin/$t $OUT/artifacts/$t/$a" >&2
        done
        summary="$summary
  $t: FAILED after ${execs:-?} runs"
    else
        summary="$summary
  $t: ok, ${execs:-?} runs in ${SECS}s, corpus of $(find "$OUT/corpus/$t" -type f | wc -l) inputs"
    fi
done
echo "run-fuzz.sh: summary (build and logs in $OUT):$summary"
exit $status
