#!/bin/sh
# test_swim.sh: the swim session protocol end to end under MPI.
# - reproducibility: the same seed gives identical swim trials (rounds, messages, bytes,
#   dropped, pending, steps, metrics, series but round_s) in one process, on 3 ranks with
#   NBX and on 2 ranks with Alltoallv, with crash (and recovery, with state and empty),
#   loss, join, leave, churn and partition faults, for several parameter sets;
# - a partition that heals: with rejoin=1 every trial re-merges (converged, pending 0,
#   remerge reported); with rejoin=0 none does (members confirmed dead stay out, until
#   --max-rounds);
# - crashes without loss: every crashed member confirmed dead by all, no false positive.
set -u
. "$GB_SRCDIR/tests/lib.sh"
# $PYTHON - FILE <<EOF ... : a check over a results file, one line of verdict.
verdict() { # name
    if out=$($PYTHON - "$tmp/v.jsonl" 2>&1); then
        echo "PASS $1: $out"
    else
        echo "FAIL $1: $out"
        fail=1
    fi
}

# 1. Same trials on 1 process, 3 ranks (NBX) and 2 ranks (Alltoallv); 101 nodes: uneven blocks.
protos="swim,swim:sync=5,target=random,swim:rejoin=0,k=1,swim:k=0,max_piggyback=2,lambda=1"
faults="loss=0.05;crash=0.05@4-25;crash=0.03@9;crash=0.03@5-11:empty;join=0.05@6;leave=0.04@8;churn=0.01:0.2@10-16;partition=2@12-18"
common="--protocol $protos --nodes 101 --trials 2 --warmup 0 --seed 13 --max-rounds 150"
run "$tmp/ref.jsonl" 0 $common --faults "$faults"
run "$tmp/nbx3.jsonl" 3 $common --faults "$faults"
check "swim, faults, 3 ranks, nbx" "$tmp/ref.jsonl" "$tmp/nbx3.jsonl"
run "$tmp/a2a2.jsonl" 2 $common --faults "$faults" --transport alltoallv
check "swim, faults, 2 ranks, alltoallv" "$tmp/ref.jsonl" "$tmp/a2a2.jsonl"
# Faults and parameters change the trials (so the comparison can fail).
run "$tmp/other.jsonl" 0 $common --faults "loss=0.06;crash=0.05@4-25"
if $cmp "$tmp/ref.jsonl" "$tmp/other.jsonl" >/dev/null 2>&1; then
    echo "FAIL other faults left the swim trials unchanged"
    fail=1
else
    echo "PASS other faults change the swim trials"
fi

# 2. A partition into 2 halves for rounds 3..30 heals at round 31.
run "$tmp/v.jsonl" 2 --protocol swim,swim:sync=10,swim:rejoin=0 --nodes 64 --trials 3 --warmup 0 \
    --seed 4 --max-rounds 300 --faults "partition=2@3-30"
verdict "partition heals" <<'EOF'
import json, sys
t = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "trial"]
msg = []
for r in t:
    rejoin = "rejoin=1" in r["protocol_params"]
    m = r["metrics"]
    dead_max = max(r["series"]["dead"])
    # each half confirms the other dead (2 * 32 * 32 entries), but for a few stragglers
    # that the DEAD updates missed and that did not probe every member during the cut
    if dead_max < 0.95 * 2 * 32 * 32:
        sys.exit("%s trial %d: at most %d DEAD entries during the partition" % (r["protocol_params"], r["trial"], dead_max))
    if rejoin and not (r["converged"] and r["pending"] == 0 and m["remerge"] is not None and m["remerge"] >= 1):
        sys.exit("rejoin=1 trial %d did not re-merge: converged %s pending %d remerge %s" % (r["trial"], r["converged"], r["pending"], m["remerge"]))
    if not rejoin and (r["converged"] or r["pending"] == 0 or r["series"]["dead"][-1] < 0.95 * 2 * 32 * 32):
        sys.exit("rejoin=0 trial %d: converged %s pending %d dead %s" % (r["trial"], r["converged"], r["pending"], r["series"]["dead"][-1]))
    if rejoin:
        msg.append("%s remerge %g" % ("sync" if "sync=10" in r["protocol_params"] else "plain", m["remerge"]))
split = [r["series"]["dead"][-1] for r in t if "rejoin=0" in r["protocol_params"]]
print("rejoin=1 re-merges (%s); rejoin=0 stays split (DEAD entries at the end: %s of 2048)" % (", ".join(msg), split))
EOF

# 3. Crashes without loss on 3 ranks: confirmed by every live member, no false positive.
run "$tmp/v.jsonl" 3 --protocol swim --nodes 200 --trials 3 --warmup 0 --seed 8 --faults "crash=0.05@4"
verdict "crash=0.05@4" <<'EOF'
import json, sys
t = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "trial"]
for r in t:
    m = r["metrics"]
    if not r["converged"] or r["series"]["dead"][-1] != 10 * 190 or m["false_positives"] != 0:
        sys.exit("trial %d: converged %s, dead %s, false positives %s" % (r["trial"], r["converged"], r["series"]["dead"][-1], m["false_positives"]))
    if not (1 <= m["first_detection"] <= m["first_confirm"] <= m["full_detection"]):
        sys.exit("trial %d: detection %s" % (r["trial"], m))
print("first detection %s, full detection %s periods" % ([r["metrics"]["first_detection"] for r in t], [r["metrics"]["full_detection"] for r in t]))
EOF
exit $fail
