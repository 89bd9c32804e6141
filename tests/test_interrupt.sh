#!/bin/sh
# test_interrupt.sh: SIGTERM (what Slurm sends at a time limit) or SIGINT during a run keeps
# the completed trials: the results file is closed validly, every line is JSON, the
# finished protocol has its trials and summary, and an "interrupted" record names the
# protocol that was cut short. Plain process (exit status 128 + signal) and under mpirun.
set -u
bench="$GB_BUILDDIR/bench/gossip-bench"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
# run_and_signal NAME SIGNAL LAUNCHER...: waits until the first protocol has finished (its
# progress line on stderr), then signals the launcher.
run_and_signal() {
    name=$1 sig=$2
    shift 2
    "$@" "$bench" --nodes 2000000 --protocol push-pull,pull --trials 3 --warmup 0 \
        --output "$tmp/$name.jsonl" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    i=0
    while ! grep -q "push-pull: 3 trials" "$tmp/$name.err" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
            echo "FAIL $name: the first protocol did not finish in time"
            kill -KILL $pid 2>/dev/null
            fail=1
            return 1
        fi
        sleep 0.1
    done
    kill -"$sig" $pid
    # Bounded wait: the run must stop within a round or two, not run on.
    i=0
    while kill -0 $pid 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then
            echo "FAIL $name: still running 30 s after SIG$sig"
            kill -KILL $pid 2>/dev/null
            fail=1
            return 1
        fi
        sleep 0.1
    done
    wait $pid
    status=$?
    $PYTHON - "$tmp/$name.jsonl" <<'PY' || { echo "FAIL $name: results file:"; cat "$tmp/$name.err"; fail=1; }
import json, sys
recs = [json.loads(line) for line in open(sys.argv[1])]
kinds = [r["type"] for r in recs]
assert kinds[0] == "run", kinds
pp = [r for r in recs if r["type"] == "trial" and r["protocol"] == "push-pull"]
assert len(pp) == 3, "push-pull trials: %d" % len(pp)
assert any(r["type"] == "summary" and r["protocol"] == "push-pull" for r in recs)
intr = [r for r in recs if r["type"] == "interrupted"]
assert len(intr) == 1 and intr[0]["protocol"] == "pull", intr
assert intr[0]["completed_trials"] == len([r for r in recs if r["type"] == "trial"
                                           and r["protocol"] == "pull"])
assert intr[0]["signal"] in (2, 15), intr
PY
    echo "$name: exit status $status, $(grep -c . "$tmp/$name.jsonl") records"
    return 0
}
run_and_signal plain TERM env && [ "$status" = 143 ] || { echo "FAIL plain: exit $status, want 143"; fail=1; }
run_and_signal plain-int INT env && [ "$status" = 130 ] || { echo "FAIL plain-int: exit $status, want 130"; fail=1; }
run_and_signal mpirun TERM $MPIRUN_CMD 2 && [ "$status" != 0 ] || { echo "FAIL mpirun: exit $status, want non-zero"; fail=1; }
ls "$tmp"/.*.tmp.* >/dev/null 2>&1 && { echo "FAIL: temporary results files left behind"; fail=1; }
[ $fail = 0 ] && echo "PASS interruption keeps completed trials"
exit $fail
