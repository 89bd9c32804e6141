#!/bin/sh
# test_faults.sh: the fault layer (--faults) end to end.
# - reproducibility: the same seed gives identical trials (dropped and residue_live too) in
#   one process and on 2 and 3 ranks, both transports and the canonical delivery path;
# - loss=0.5 drops about half of the messages (within 5 sigma), and push still converges,
#   in more rounds than without loss;
# - crashes: trials converge with every live node informed (residue_live 0) while the
#   crashed ones count as residue; the run record holds the resolved schedule;
# - a bad schedule is one line and exit status 2.
set -u
. "$GB_SRCDIR/tests/lib.sh"
# Same trials, including the fault layer's own fields (compare_trials.py checks the rest).
same() { # name ref other
    if out=$($cmp "$2" "$3" 2>&1) && out2=$($PYTHON - "$2" "$3" <<'EOF' 2>&1
import json, sys
def load(p):
    return {(r["protocol"], r["protocol_params"], r["trial"]): (r["dropped"], r["residue_live"])
            for r in map(json.loads, open(p)) if r["type"] == "trial"}
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    sys.exit("dropped/residue_live differ: %s" % sorted(k for k in a if a[k] != b.get(k))[:3])
print("dropped identical")
EOF
); then
        echo "PASS $1 ($out, $out2)"
    else
        echo "FAIL $1: $out ${out2:-}"
        fail=1
    fi
}

# 1. Reproducibility on 1, 2 and 3 ranks with every kind of fault.
faults="loss=0.2;crash=0.1@3-9;partition=3@2-6;slow=0.3:3"
for topo in complete torus:dims=7x11x13; do
    name=$(echo "$topo" | tr ':=,' '___')
    common="--protocol push,pull,push-pull,rumor:k=2,median-counter --topology $topo --nodes 1001 --fanout 2 --trials 3 --warmup 0 --seed 7 --source random --max-rounds 400"
    run "$tmp/$name-ref.jsonl" 0 $common --faults "$faults"
    run "$tmp/$name-ord.jsonl" 0 $common --faults "$faults" --ordered-delivery
    same "$topo, faults, 1 process, ordered delivery" "$tmp/$name-ref.jsonl" "$tmp/$name-ord.jsonl"
    run "$tmp/$name-3.jsonl" 3 $common --faults "$faults"
    same "$topo, faults, 3 ranks, nbx" "$tmp/$name-ref.jsonl" "$tmp/$name-3.jsonl"
    run "$tmp/$name-2a.jsonl" 2 $common --faults "$faults" --transport alltoallv
    same "$topo, faults, 2 ranks, alltoallv" "$tmp/$name-ref.jsonl" "$tmp/$name-2a.jsonl"
    run "$tmp/$name-3o.jsonl" 3 $common --faults "$faults" --ordered-delivery
    same "$topo, faults, 3 ranks, ordered delivery" "$tmp/$name-ref.jsonl" "$tmp/$name-3o.jsonl"
done
# Faults change the trials (the comparison can fail).
run "$tmp/nofault.jsonl" 0 --protocol push --nodes 1001 --trials 3 --warmup 0 --seed 7
run "$tmp/fault.jsonl" 0 --protocol push --nodes 1001 --trials 3 --warmup 0 --seed 7 --faults loss=0.1
if $cmp "$tmp/nofault.jsonl" "$tmp/fault.jsonl" >/dev/null 2>&1; then
    echo "FAIL --faults loss=0.1 left the trials unchanged"
    fail=1
else
    echo "PASS --faults changes the trials"
fi

# 2. loss=0.5 halves the delivered messages; push converges, later than without loss.
run "$tmp/loss.jsonl" 0 --protocol push --nodes 2000 --trials 5 --warmup 0 --seed 3 --faults loss=0.5
run "$tmp/noloss.jsonl" 0 --protocol push --nodes 2000 --trials 5 --warmup 0 --seed 3
if out=$($PYTHON - "$tmp/loss.jsonl" "$tmp/noloss.jsonl" <<'EOF' 2>&1
import json, math, sys
def trials(p):
    return [r for r in map(json.loads, open(p)) if r["type"] == "trial"]
lossy, clean = trials(sys.argv[1]), trials(sys.argv[2])
m = sum(r["messages"] for r in lossy)
d = sum(r["dropped"] for r in lossy)
z = (d / m - 0.5) / math.sqrt(0.25 / m)
if abs(z) > 5:
    sys.exit("dropped/messages = %d/%d = %.4f, %.1f sigma from 0.5" % (d, m, d / m, z))
if not all(r["converged"] and r["residue_live"] == 0 for r in lossy):
    sys.exit("push with loss=0.5 did not converge in every trial")
if not all(r["dropped"] == 0 for r in clean):
    sys.exit("messages dropped without --faults")
rl = sum(r["rounds"] for r in lossy) / len(lossy)
rc = sum(r["rounds"] for r in clean) / len(clean)
if not rl > rc:
    sys.exit("rounds with loss %.1f, without %.1f: expected more with loss" % (rl, rc))
print("dropped %.4f of %d messages (%.1f sigma), rounds %.1f vs %.1f" % (d / m, m, z, rl, rc))
EOF
); then
    echo "PASS loss=0.5: $out"
else
    echo "FAIL loss=0.5: $out"
    fail=1
fi

# 3. Permanent crashes: every live node informed, crashed ones are residue; run record.
run "$tmp/crash.jsonl" 0 --protocol push,push-pull --nodes 1000 --trials 4 --warmup 0 --seed 9 --faults "crash=0.25@4"
if out=$($PYTHON - "$tmp/crash.jsonl" <<'EOF' 2>&1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
run = [r for r in recs if r["type"] == "run"][0]
if run.get("faults") != "crash=0.25@4":
    sys.exit("run record faults = %r" % run.get("faults"))
for r in (r for r in recs if r["type"] == "trial"):
    if not r["converged"] or r["residue_live"] != 0:
        sys.exit("trial %s of %s: converged %s, residue_live %s" % (r["trial"], r["protocol"], r["converged"], r["residue_live"]))
    if r["informed"] < 750 or r["informed"] > 1000 or r["residue"] > 0.25:
        sys.exit("trial %s: informed %s, residue %s" % (r["trial"], r["informed"], r["residue"]))
print("all trials converged with residue_live 0")
EOF
); then
    echo "PASS crash=0.25@4: $out"
else
    echo "FAIL crash=0.25@4: $out"
    fail=1
fi

# 5. The newer kinds, from a schedule file, on 1, 3 and 2 ranks; the resolved schedule of
#    the run record parses back to the same schedule (same trials again).
cat >"$tmp/sched.txt" <<'EOF'
# every kind of item, some twice
crossloss=0.3@3
churn=0.02:0.2@2-30     # leave 2 %, join 20 % per round
crash=0.1@3-8:empty
crash=0.05@6
join=0.1@4
leave=0.05@9
partition=2@2-3
partition=3@10-12
partition=2@14-16:random
loss=0.05
EOF
common="--protocol push,pull,push-pull,rumor:mode=push-pull,median-counter --nodes 999 --fanout 2 --trials 3 --warmup 0 --seed 11 --source random --max-rounds 400"
for topo in complete torus:dims=9x111; do
    name=sched-$(echo "$topo" | tr ':=,' '___')
    run "$tmp/$name-ref.jsonl" 0 $common --topology $topo --faults "@$tmp/sched.txt"
    run "$tmp/$name-ord.jsonl" 0 $common --topology $topo --faults "@$tmp/sched.txt" --ordered-delivery
    same "$topo, @FILE schedule, 1 process, ordered delivery" "$tmp/$name-ref.jsonl" "$tmp/$name-ord.jsonl"
    run "$tmp/$name-3.jsonl" 3 $common --topology $topo --faults "@$tmp/sched.txt"
    same "$topo, @FILE schedule, 3 ranks, nbx" "$tmp/$name-ref.jsonl" "$tmp/$name-3.jsonl"
    run "$tmp/$name-2a.jsonl" 2 $common --topology $topo --faults "@$tmp/sched.txt" --transport alltoallv
    same "$topo, @FILE schedule, 2 ranks, alltoallv" "$tmp/$name-ref.jsonl" "$tmp/$name-2a.jsonl"
done
resolved=$($PYTHON -c 'import json, sys
print([r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "run"][0]["faults"])' "$tmp/sched-complete-ref.jsonl")
echo "resolved schedule: $resolved"
run "$tmp/sched-inline.jsonl" 0 $common --topology complete --faults "$resolved"
same "resolved schedule given inline" "$tmp/sched-complete-ref.jsonl" "$tmp/sched-inline.jsonl"
# The schedule did something: messages were dropped, and the protocols that do not stop by
# themselves reached every live node.
if out=$($PYTHON - "$tmp/sched-complete-ref.jsonl" <<'EOF' 2>&1
import json, sys
trials = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "trial"]
if not all(r["dropped"] > 0 for r in trials):
    sys.exit("a trial without dropped messages")
bad = [(r["protocol"], r["trial"]) for r in trials
       if r["protocol"] in ("push", "pull", "push-pull") and not r["converged"]]
if bad:
    sys.exit("not converged: %s" % bad)
print("%d trials, all with dropped messages; push, pull and push-pull converged" % len(trials))
EOF
); then
    echo "PASS @FILE schedule outcomes: $out"
else
    echo "FAIL @FILE schedule outcomes: $out"
    fail=1
fi

# crossloss=0.5@4 on the complete graph: a push goes to another of the 4 groups of 500 with
# probability 1500/1999, so 0.5 * 1500/1999 of the messages are dropped (within 5 sigma);
# push has no replies, whose mix of groups would depend on which contacts arrived.
run "$tmp/cross.jsonl" 0 --protocol push --nodes 2000 --trials 5 --warmup 0 --seed 3 --faults crossloss=0.5@4
if out=$($PYTHON - "$tmp/cross.jsonl" <<'EOF' 2>&1
import json, math, sys
trials = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "trial"]
m = sum(r["messages"] for r in trials)
d = sum(r["dropped"] for r in trials)
p = 0.5 * 1500 / 1999
z = (d - p * m) / math.sqrt(m * p * (1 - p))
if abs(z) > 5 or not all(r["converged"] and r["residue_live"] == 0 for r in trials):
    sys.exit("dropped %d of %d = %.4f, expected %.4f (%.1f sigma); converged %s"
             % (d, m, d / m, p, z, [r["converged"] for r in trials]))
print("dropped %.4f of %d messages, expected %.4f (%.1f sigma)" % (d / m, m, p, z))
EOF
); then
    echo "PASS crossloss=0.5@4: $out"
else
    echo "FAIL crossloss=0.5@4: $out"
    fail=1
fi

# 6. Permanent crashes no longer keep self-terminating protocols running to --max-rounds:
#    crashed spreaders are not active.
sterm="--protocol rumor:k=2,rumor:mode=push-pull,median-counter --nodes 1000 --trials 5 --warmup 0 --seed 9 --faults crash=0.2@3 --max-rounds 2000"
run "$tmp/term.jsonl" 0 $sterm
run "$tmp/term3.jsonl" 3 $sterm
same "crash=0.2@3, self-terminating, 3 ranks" "$tmp/term.jsonl" "$tmp/term3.jsonl"
if out=$($PYTHON - "$tmp/term.jsonl" <<'EOF' 2>&1
import json, sys
trials = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "trial"]
bad = [(r["protocol"], r["protocol_params"], r["trial"], r["rounds"]) for r in trials
       if r["terminated"] != 1 or r["rounds"] >= 200]
if bad or len(trials) != 15:
    sys.exit("%d trials; not terminated within 200 rounds: %s" % (len(trials), bad[:4]))
print("all %d trials terminated, in at most %d rounds (--max-rounds 2000)"
      % (len(trials), max(r["rounds"] for r in trials)))
EOF
); then
    echo "PASS crash=0.2@3 terminates: $out"
else
    echo "FAIL crash=0.2@3 terminates: $out"
    fail=1
fi

# 7. A partition that heals: push-pull is stuck in the source's half until round 30, then
#    informs every live node (eventual consistency); crashed nodes are the only residue.
run "$tmp/heal.jsonl" 0 --protocol push-pull --nodes 1000 --trials 4 --warmup 0 --seed 5 --source random --faults "partition=2@1-30;crash=0.1@10"
if out=$($PYTHON - "$tmp/heal.jsonl" <<'EOF' 2>&1
import json, sys
trials = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "trial"]
if len(trials) != 4:
    sys.exit("%d trials" % len(trials))
for r in trials:
    c = r["curve"]
    if not (r["converged"] and r["residue_live"] == 0 and r["rounds"] > 30):
        sys.exit("trial %d: converged %s, residue_live %s, rounds %d"
                 % (r["trial"], r["converged"], r["residue_live"], r["rounds"]))
    if c[30] > 500:
        sys.exit("trial %d: %d nodes informed while split in halves" % (r["trial"], c[30]))
print("informed at round 30 (split): %s; converged in rounds %s, residue_live 0"
      % ([r["curve"][30] for r in trials], [r["rounds"] for r in trials]))
EOF
); then
    echo "PASS partition heals: $out"
else
    echo "FAIL partition heals: $out"
    fail=1
fi

# 4. A bad schedule: one line, exit status 2, on one and on two ranks.
for r in 0 2; do
    if [ "$r" = 0 ]; then
        "$bench" --nodes 16 --faults "crash=1.5@3" >"$tmp/out" 2>"$tmp/err"
    else
        $MPIRUN_CMD 2 "$bench" --nodes 16 --faults "crash=1.5@3" >"$tmp/out" 2>"$tmp/err"
    fi
    got=$?
    if [ "$got" = 2 ] && [ "$(grep -c . "$tmp/err")" = 1 ] &&
        grep -q "^gossip-bench: --faults: 'crash=1.5@3': fraction must be in \[0, 1\]" "$tmp/err"; then
        echo "PASS bad schedule ($r ranks): $(cat "$tmp/err")"
    else
        echo "FAIL bad schedule ($r ranks): exit $got, stderr:"
        sed 's/^/    | /' "$tmp/err"
        fail=1
    fi
done
exit $fail
