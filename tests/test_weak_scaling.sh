#!/bin/sh
# test_weak_scaling.sh: scripts/weak-scaling on a small sweep (2 and 3 ranks, 512 nodes per
# rank, both transports), checking what its report rests on, not timings:
# - every run is done and its figures are there (rounds, exchange time, bytes and messages);
# - NBX and Alltoallv ran the same trials at each rank count (the reproducibility contract:
#   the transport changes nothing but times), and so moved the same MPI bytes per rank;
# - the Alltoallv / NBX ratios and the crossover follow from the exchange times (recomputed);
# - runs above the core count are marked oversubscribed in the rows and the report;
# - bad options get one line and exit 2, without a results directory.
set -u
. "$GB_SRCDIR/tests/lib.sh"
ws="$PYTHON $GB_SRCDIR/scripts/weak-scaling"
launcher="${MPIRUN_CMD% -n}"

if ! $ws --ranks 2,3 --nodes-per-rank 512 --trials 2 --warmup 0 --seed 5 \
        --bench "$bench" --launcher "$launcher" --out "$tmp/ws" 2>"$tmp/ws.err"; then
    echo "FAIL: weak-scaling exited non-zero:"
    cat "$tmp/ws.err"
    exit 1
fi
for r in 2 3; do
    check "$r ranks: NBX and Alltoallv ran the same trials" \
        "$tmp/ws/runs/r${r}_nbx.jsonl" "$tmp/ws/runs/r${r}_alltoallv.jsonl"
done
if $PYTHON - "$tmp/ws" "$(nproc)" <<'EOF'
import csv, json, os, sys
out, ncores = sys.argv[1], int(sys.argv[2])
rows = [json.loads(l) for l in open(os.path.join(out, "weak-scaling.jsonl"))]
bad = []
def check(ok, msg):
    if not ok:
        bad.append(msg)
check(len(rows) == 4, "%d rows, want 4" % len(rows))
by = {(r["ranks"], r["transport"]): r for r in rows}
for (p, t), r in by.items():
    check(r["status"] == "done", "%s: %s" % ((p, t), r["status"]))
    check(r["nodes"] == 512 * p and r["trials"] == 2, "%s: nodes/trials %r" % ((p, t), r))
    for k in ("rounds", "round_s", "exchange_s", "bytes", "msgs"):
        check(isinstance(r.get(k), (int, float)) and r[k] > 0, "%s: %s = %r" % ((p, t), k, r.get(k)))
    check(r["exchange_s"] <= r["round_s"], "%s: exchange above the round time" % ((p, t),))
    check(r["oversubscribed"] == (p > ncores), "%s: oversubscribed %r on %d cores"
          % ((p, t), r["oversubscribed"], ncores))
ratios = {}
for p in (2, 3):
    n, a = by[(p, "nbx")], by[(p, "alltoallv")]
    check(n["bytes"] == a["bytes"] and n["rounds"] == a["rounds"],
          "%d ranks: bytes/rounds differ between transports: %r %r" % (p, n, a))
    ratios[p] = a["exchange_s"] / n["exchange_s"]
    check(abs(a["alltoallv_over_nbx"] - ratios[p]) <= 1e-12 * ratios[p],
          "%d ranks: ratio %r, recomputed %r" % (p, a["alltoallv_over_nbx"], ratios[p]))
want = next((p for i, p in enumerate((2, 3)) if all(ratios[q] > 1 for q in (2, 3)[i:])), None)
report = open(os.path.join(out, "report.md")).read()
check("on): %s" % (want if want else "none in the measured range") in report,
      "report's crossover is not %r" % want)
check(("OVERSUBSCRIBED" in report) == (3 > ncores), "report's oversubscription note")
with open(os.path.join(out, "weak-scaling.csv"), newline="") as f:
    check(len(list(csv.DictReader(f))) == 4, "CSV rows")
if bad:
    print("FAIL weak-scaling outputs:\n  " + "\n  ".join(bad))
    sys.exit(1)
print("PASS weak-scaling outputs: 4 runs, same bytes and rounds per transport, ratios %s, "
      "crossover %s" % ({p: round(v, 3) for p, v in ratios.items()}, want))
EOF
then :; else fail=1; fi

bad_case() { # name expected-fragment args...
    name=$1 frag=$2
    shift 2
    $ws --out "$tmp/bad" --bench "$bench" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
    rc=$?
    lines=$(wc -l <"$tmp/bad.err")
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q -- "$frag" "$tmp/bad.err" && [ ! -e "$tmp/bad" ]; then
        echo "PASS bad input: $name"
    else
        echo "FAIL bad input: $name: exit $rc, $lines line(s): $(head -c 300 "$tmp/bad.err")"
        fail=1
    fi
}
bad_case "one rank" "at least 2" --ranks 1,2
bad_case "ranks not numbers" "--ranks 2,x" --ranks 2,x
bad_case "unknown transport" "unknown bogus" --transports nbx,bogus
bad_case "zero nodes per rank" "nodes-per-rank" --nodes-per-rank 0
exit $fail
