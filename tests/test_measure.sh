#!/bin/sh
# test_measure.sh: the measurement layer.
# - The suite's SDE counters, read back through PAPI (sde:::gossipbench::*), equal the
#   engine's own message, byte, duplicate, round and informed counts exactly, in one process
#   and over 3 ranks (skipped, with the reason, when built without PAPI: then the results
#   must say so).
# - Baselines (MPI_Bcast, MPI_Allreduce) are present and positive and the summaries carry
#   gossip_over_bcast; compute + exchange = gossip time; bandwidth fields are consistent.
# - hwloc facts in the run record agree with hwloc-calc on this machine.
# - --papi-required with an event no machine has exits 1 with one line naming it.
set -u
bench="$GB_BUILDDIR/bench/gossip-bench"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
common="--protocol push,pull,rumor:k=2,median-counter --topology random-regular:d=6 --nodes 600 --trials 3 --warmup 1 --quiet"
"$bench" $common --output "$tmp/one.jsonl" >/dev/null || { echo "FAIL: 1 process run"; fail=1; }
$MPIRUN_CMD 3 "$bench" $common --output "$tmp/three.jsonl" >/dev/null || { echo "FAIL: 3-rank run"; fail=1; }
cores=""
if command -v hwloc-calc >/dev/null 2>&1; then
    cores=$(hwloc-calc --number-of core all 2>/dev/null)
fi
for f in "$tmp/one.jsonl" "$tmp/three.jsonl"; do
    $PYTHON - "$f" "$cores" <<'PY' || fail=1
import json, sys
path, cores = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(path)]
run = [r for r in recs if r["type"] == "run"][0]
trials = [r for r in recs if r["type"] == "trial"]
sums = [r for r in recs if r["type"] == "summary"]
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
papi = run["papi"]
for t in trials:
    name = "%s trial %d" % (t["protocol"], t["trial"])
    check(abs(t["compute_s"] - (t["gossip_s"] - t["exchange_s"])) <= 1e-6 + 1e-3 * t["gossip_s"]
          or t["ranks"] > 1, name + ": compute_s != gossip_s - exchange_s")
    check(t["modelled_bytes_per_s"] > 0 and t["mpi_bytes_per_s"] >= 0, name + ": bandwidth")
    if not papi["built"]:
        check("papi" not in t or t["papi"]["sde"] is None, name + ": SDE without PAPI")
        continue
    sde = t["papi"]["sde"]
    check(sde is not None, name + ": SDE counters not readable through PAPI")
    if sde is None:
        continue
    want = {"messages_sent": t["messages"], "bytes_sent": t["bytes"],
            "messages_received": t["messages"], "bytes_received": t["bytes"],
            "duplicates": t["duplicates"], "rounds": t["rounds"] * t["ranks"],
            "nodes_informed": t["informed"] - 1}
    for k, v in want.items():
        check(sde[k] == v, "%s: sde %s = %s, engine says %s" % (name, k, sde[k], v))
    for e in t["papi"]["events"]:
        if e["available"]:
            check(e["min"] <= e["mean"] <= e["max"], name + ": %s min/mean/max" % e["name"])
        else:
            check(e.get("reason"), name + ": %s unavailable without a reason" % e["name"])
b = run["baselines"]
check(b["bcast_s"] > 0 and b["allreduce_s"] > 0, "baselines not positive: %r" % b)
check(0 < b["bcast_latency_min_s"] <= b["bcast_latency_s"], "one MPI_Bcast: %r" % b)
for s in sums:
    check(s.get("gossip_over_bcast", 0) > 0, s["protocol"] + ": no gossip_over_bcast")
    check(abs(s["gossip_over_bcast_latency"] * s["bcast_latency_s"] - s["gossip_s"]["median"])
          <= 1e-9 * s["gossip_s"]["median"], s["protocol"] + ": gossip_over_bcast_latency")
m = run["machine"]
check(len(m["ranks"]) == run["ranks"], "machine: one entry per rank")
if cores and run["hwloc"] != "not built":
    check(m["hosts"][0]["cores"] == int(cores),
          "hwloc cores %s != hwloc-calc %s" % (m["hosts"][0]["cores"], cores))
if bad:
    print("FAIL %s:\n  " % path + "\n  ".join(bad[:20]))
    sys.exit(1)
print("PASS %s: %d trials, SDE %s, %d baseline(s), hwloc %s" % (
    path.rsplit("/", 1)[-1], len(trials), "exact" if papi["built"] else "not built",
    2, run["hwloc"]))
PY
done
out=$("$bench" --nodes 100 --trials 1 --papi-events PAPI_TOT_CYC,gb_no_such_event --papi-required \
    --output "$tmp/req.jsonl" 2>&1 >/dev/null)
st=$?
if [ "$st" = 1 ] && [ "$(printf '%s\n' "$out" | grep -c '^gossip-bench:')" = 1 ] && \
    [ ! -e "$tmp/req.jsonl" ]; then
    echo "PASS --papi-required: $out"
else
    echo "FAIL --papi-required: exit $st, output: $out"
    fail=1
fi
exit $fail
