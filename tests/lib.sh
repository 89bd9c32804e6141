# lib.sh: what the integration tests share; sourced by tests/test_*.sh after `set -u`.
# Provides $bench, $cmp (compare_trials.py), a private $tmp removed on exit, $fail, and:
#   run OUT RANKS ARGS...   gossip-bench --quiet --output OUT ARGS, in one plain process when
#                           RANKS is 0, else under $MPIRUN_CMD RANKS; a failure sets fail=1
#   check NAME REF OTHER    PASS when compare_trials.py finds the trials identical, else FAIL
bench="$GB_BUILDDIR/bench/gossip-bench"
cmp="$PYTHON $GB_SRCDIR/tests/compare_trials.py"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
run() { # out ranks args...  (ranks 0 = plain process)
    out=$1 ranks=$2
    shift 2
    if [ "$ranks" = 0 ]; then
        "$bench" --quiet --output "$out" "$@" >/dev/null
    else
        $MPIRUN_CMD "$ranks" "$bench" --quiet --output "$out" "$@" >/dev/null
    fi || { echo "FAIL: gossip-bench exited with $? (ranks $ranks: $*)"; fail=1; }
}
check() { # name ref.jsonl other.jsonl
    if out=$($cmp "$2" "$3" 2>&1); then
        echo "PASS $1 ($out)"
    else
        echo "FAIL $1: $out"
        fail=1
    fi
}
