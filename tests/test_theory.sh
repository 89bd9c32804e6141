#!/bin/sh
# test_theory.sh: push, pull and push-pull on the complete graph against theory. The rounds
# of 300 trials (one process) and of 200 trials (2 MPI ranks) at n = 1024 are compared by
# tests/theory_check with the exact distribution from a Markov chain on the number of
# informed nodes, with the published push constant (log2 n + ln n + O(1), Frieze-Grimmett /
# Pittel) and with the ordering of the three protocols. Run through tests/mpi-wrapper.sh,
# which exports GB_BUILDDIR and MPIRUN_CMD. Exit status: the first failing checker status
# (1 a check failed, 2 the results could not be read), 99 when a program is missing.
set -u
bench="$GB_BUILDDIR/bench/gossip-bench"
check="$GB_BUILDDIR/tests/theory_check"
: "${MPIRUN_CMD:=mpirun -n}"
for prog in "$bench" "$check"; do
    if [ ! -x "$prog" ]; then
        echo "ERROR: $prog is missing (build it first)"
        exit 99
    fi
done
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0

# case_run NAME RANKS TRIALS SEED: RANKS 0 runs a plain process, anything else runs under mpirun.
case_run() {
    name=$1 ranks=$2 trials=$3 seed=$4
    out="$tmp/$name.jsonl"
    if [ "$ranks" = 0 ]; then where="1 process"; else where="$ranks MPI ranks"; fi
    echo "# theory case $name: n=1024, $trials trials, seed $seed, $where"
    set -- --protocol push,pull,push-pull --topology complete --nodes 1024 \
        --trials "$trials" --warmup 0 --seed "$seed" --quiet --output "$out"
    if [ "$ranks" = 0 ]; then
        "$bench" "$@" >/dev/null
    else
        $MPIRUN_CMD "$ranks" "$bench" "$@" >/dev/null
    fi
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "FAIL $name: gossip-bench exited with $rc"
        [ "$status" = 0 ] && status=1
        return
    fi
    "$check" "$out"
    rc=$?
    if [ "$rc" = 0 ]; then
        echo "PASS $name"
    else
        echo "FAIL $name: theory_check exited with $rc"
        [ "$status" = 0 ] && status=$rc
    fi
}

case_run single 0 300 12345
case_run mpi2 2 200 777
exit "$status"
