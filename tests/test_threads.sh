#!/bin/sh
# test_threads.sh: --threads never changes a result. For push, pull and push-pull (the
# thread-safe protocols, with null and rumor beside them: rumor is not thread-safe and runs
# on one thread), without faults, with message loss and with crashes (and recovery, slow
# nodes, churn), the trials of --threads 2 and 3, of OMP_NUM_THREADS=2 (the default of
# --threads) and of 2 ranks x 2 threads are identical to one thread's; with and without
# --ordered-delivery, and with fanout 2 on a random regular overlay. The records name the
# thread count. Skipped (77) when gossip-bench was built without OpenMP.
set -u
. "$GB_SRCDIR/tests/lib.sh"
if ! "$bench" --threads 2 --version >/dev/null 2>&1; then
    echo "SKIP: gossip-bench was built without OpenMP (--threads 2 is refused)"
    exit 77
fi

protos="push,pull,push-pull,null:rounds=6,rumor:k=2"
i=0
for faults in none "loss=0.1" "crash=0.2@3;crash=0.1@2-6:empty;slow=0.1:2;loss=0.05" \
              "churn=0.05:0.2@2-5;partition=2@1-2"; do
    i=$((i + 1))
    common="--protocol $protos --nodes 2003 --trials 3 --warmup 0 --seed 17 --source random"
    run "$tmp/ref$i.jsonl" 0 $common --faults "$faults" --threads 1
    for t in 2 3; do
        run "$tmp/t$t-$i.jsonl" 0 $common --faults "$faults" --threads "$t"
        check "--faults '$faults', $t threads" "$tmp/ref$i.jsonl" "$tmp/t$t-$i.jsonl"
    done
    run "$tmp/mpi$i.jsonl" 2 $common --faults "$faults" --threads 2
    check "--faults '$faults', 2 ranks x 2 threads" "$tmp/ref$i.jsonl" "$tmp/mpi$i.jsonl"
    if [ "$i" = 3 ]; then
        OMP_NUM_THREADS=2 run "$tmp/env$i.jsonl" 0 $common --faults "$faults"
        check "--faults '$faults', OMP_NUM_THREADS=2" "$tmp/ref$i.jsonl" "$tmp/env$i.jsonl"
        run "$tmp/ord$i.jsonl" 0 $common --faults "$faults" --threads 2 --ordered-delivery
        check "--faults '$faults', 2 threads, ordered delivery" "$tmp/ref$i.jsonl" \
            "$tmp/ord$i.jsonl"
    fi
done

# Fanout 2 on an explicit overlay (several peers per node, CSR lookups), 3 ranks x 2 threads.
common="--protocol push,pull,push-pull --topology random-regular:d=6 --nodes 1500 --fanout 2 --trials 3 --warmup 0 --seed 3"
run "$tmp/rr1.jsonl" 0 $common --threads 1
run "$tmp/rr3.jsonl" 0 $common --threads 3
check "random-regular, fanout 2, 3 threads" "$tmp/rr1.jsonl" "$tmp/rr3.jsonl"
run "$tmp/rrm.jsonl" 3 $common --threads 2 --faults "loss=0.2"
run "$tmp/rr1l.jsonl" 0 $common --threads 1 --faults "loss=0.2"
check "random-regular, fanout 2, loss, 3 ranks x 2 threads" "$tmp/rr1l.jsonl" "$tmp/rrm.jsonl"

# More threads than nodes: empty chunks are fine.
run "$tmp/few1.jsonl" 0 --protocol push-pull --nodes 3 --trials 4 --warmup 0 --threads 1
run "$tmp/few8.jsonl" 0 --protocol push-pull --nodes 3 --trials 4 --warmup 0 --threads 8
check "3 nodes, 8 threads" "$tmp/few1.jsonl" "$tmp/few8.jsonl"

# --threads auto: the CPUs a rank may run on, at most its host's cores divided by the ranks
# there. One process gets min(affinity, cores) threads; pinned to one CPU (taskset), one;
# 2 ranks get at most cores / 2 each. The results are one thread's.
run "$tmp/auto.jsonl" 0 $common --threads auto
check "random-regular, fanout 2, --threads auto" "$tmp/rr1.jsonl" "$tmp/auto.jsonl"
if command -v taskset >/dev/null 2>&1; then
    taskset -c 0 "$bench" --quiet --output "$tmp/auto1.jsonl" $common --threads auto >/dev/null ||
        { echo "FAIL: --threads auto under taskset exited with $?"; fail=1; }
    check "random-regular, fanout 2, --threads auto on one CPU" "$tmp/rr1.jsonl" "$tmp/auto1.jsonl"
fi
run "$tmp/auto2.jsonl" 2 $common --threads auto
check "random-regular, fanout 2, 2 ranks x --threads auto" "$tmp/rr1.jsonl" "$tmp/auto2.jsonl"
if $PYTHON - "$tmp/auto.jsonl" "$tmp/auto1.jsonl" "$tmp/auto2.jsonl" <<'EOF'
import json, os, sys
def run(path):
    if not os.path.exists(path):
        return None
    r = json.loads(open(path).readline())
    assert r["type"] == "run" and r["threads_auto"] is True, path
    return r
one, pinned, two = (run(p) for p in sys.argv[1:])
cores = one["machine"]["hosts"][0]["cores"]
cpus = len(os.sched_getaffinity(0))
if cores <= 0:
    cores = cpus
want = max(1, min(cpus, cores))
assert one["threads"] == want, ("one process", one["threads"], want)
assert pinned is None or pinned["threads"] == 1, ("taskset -c 0", pinned["threads"])
assert 1 <= two["threads"] <= max(1, cores // 2), ("2 ranks", two["threads"])
print(f"one process {one['threads']} (affinity {cpus}, cores {cores}), "
      f"pinned {pinned['threads'] if pinned else '-'}, 2 ranks {two['threads']}")
EOF
then
    echo "PASS --threads auto resolves to the CPUs each rank is given"
else
    echo "FAIL --threads auto"
    fail=1
fi

# The records say how many threads ran: the run record the requested count, each trial
# the count its protocol used (rumor is not thread-safe: 1).
if $PYTHON - "$tmp/t3-1.jsonl" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
run = recs[0]
assert run["type"] == "run" and run["threads"] == 3 and run["openmp"] is True, run.get("threads")
for r in recs[1:]:
    if r.get("type") in ("trial", "summary"):
        want = 1 if r["protocol"] == "rumor" else 3
        assert r["threads"] == want, (r["protocol"], r["threads"])
EOF
then
    echo "PASS records name the thread count"
else
    echo "FAIL records do not name the thread count"
    fail=1
fi
exit $fail
