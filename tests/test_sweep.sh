#!/bin/sh
# test_sweep.sh: scripts/gossip-sweep end to end, with gossip-bench under mpirun (2 ranks).
# A 2 topologies x 2 node counts x 1 fanout grid (2 protocols, 3 trials): one complete
# results file per configuration and a complete, valid manifest; a second run skips
# everything and changes no file; a results file cut short is the only one run again; a
# failing configuration is recorded as failed while the others still run (exit 1); bad
# input is one line on stderr with exit status 2 and nothing written; --dry-run,
# --list-configs, --count-configs and --only. About 10 s on a 2-core machine.
# Run through tests/mpi-wrapper.sh (GB_BUILDDIR, GB_SRCDIR, PYTHON; MPIRUN from make).
set -u
: "${GB_BUILDDIR:=$(pwd)}"
: "${GB_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${PYTHON:=python3}"
bench="$GB_BUILDDIR/bench/gossip-bench"
sweep="$GB_SRCDIR/scripts/gossip-sweep"
for f in "$bench" "$sweep"; do
    [ -e "$f" ] || { echo "ERROR: $f is missing"; exit 99; }
done
if [ "$(id -u)" = 0 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
# Oversubscribed ranks (and other tests beside this one) make busy polling crawl.
OMPI_MCA_mpi_yield_when_idle=1
MPIRUN="${MPIRUN:-mpirun} --bind-to none"
export OMPI_MCA_mpi_yield_when_idle MPIRUN
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
out="$tmp/out"

pass() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
show() { sed 's/^/    | /' "$1"; }

# sweep ARGS...: gossip-sweep with this build's gossip-bench; stdout, stderr and the exit
# status in $tmp/stdout, $tmp/stderr and $rc.
sweep() {
    $PYTHON "$sweep" --bench "$bench" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
}
grid="--protocols push;rumor:k=2 --topologies complete;torus --nodes 64,256 --fanouts 1
      --trials 3 --seed 7 --ranks 2 --launcher mpirun"

# check_results DIR DONE PENDING: the manifest is valid JSON, lists 4 configurations with
# DONE done and PENDING pending (none failed or running), and every done one has its
# results file with 2 summaries and 6 trials from 2 ranks; no other .jsonl files.
check_results() {
    $PYTHON - "$@" <<'EOF'
import glob, json, os, sys
d, want_done, want_pending = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = json.load(open(os.path.join(d, "manifest.json")))
problems = []
cfgs = m["configs"]
if m["schema"] != "gossip-sweep/1" or m["configurations"] != 4 or len(cfgs) != 4:
    problems.append("schema or configuration count")
for key in ("grid", "launcher", "gossip_bench_version", "host", "start", "end"):
    if not m.get(key):
        problems.append("no %s" % key)
st = [c["status"] for c in cfgs]
if st.count("done") != want_done or st.count("pending") != want_pending:
    problems.append("statuses %s" % st)
if sorted(c["id"] for c in cfgs) != sorted(["complete_n64_f1", "complete_n256_f1",
                                            "torus_n64_f1", "torus_n256_f1"]):
    problems.append("ids %s" % [c["id"] for c in cfgs])
files = set()
for c in cfgs:
    if c["status"] != "done":
        continue
    for key in ("command", "output", "log", "wall_s", "start", "end", "host"):
        if c.get(key) is None and not c.get("skipped"):
            problems.append("%s: no %s" % (c["id"], key))
    path = os.path.join(d, c["output"])
    files.add(os.path.abspath(path))
    recs = [json.loads(l) for l in open(path)]
    types = [r["type"] for r in recs]
    if (types.count("run") != 1 or types.count("summary") != 2 or types.count("trial") != 6
            or recs[0]["ranks"] != 2 or recs[0]["nodes"] != c["nodes"]
            or recs[0]["seed"] != 7):
        problems.append("%s: records %s" % (c["id"], types))
if set(map(os.path.abspath, glob.glob(os.path.join(d, "*.jsonl")))) != files:
    problems.append("other .jsonl files: %s" % sorted(glob.glob(os.path.join(d, "*.jsonl"))))
print("; ".join(problems) if problems else "ok")
sys.exit(1 if problems else 0)
EOF
}

# ---------------------------------------------------------------- first run
t0=$(date +%s)
# shellcheck disable=SC2086
sweep $grid --out "$out"
if [ $rc = 0 ] && why=$(check_results "$out" 4 0); then
    pass "first run: 4 configurations done, manifest and results complete"
else
    bad "first run: exit $rc; ${why:-}"
    show "$tmp/stderr"
fi
if grep -q '^\[4/4\] torus_n256_f1: running (elapsed [0-9:]*, ETA [0-9:]*)' "$tmp/stderr" &&
   [ "$(grep -c ': done in ' "$tmp/stderr")" = 4 ]; then
    pass "first run: progress lines with elapsed time and ETA"
else
    bad "first run: progress lines"
    show "$tmp/stderr"
fi
cksum "$out"/*.jsonl >"$tmp/sums1"
ls -l --time-style=full-iso "$out"/*.jsonl >"$tmp/ls1"

# ---------------------------------------------------------------- rerun: all skipped
# shellcheck disable=SC2086
sweep $grid --out "$out"
cksum "$out"/*.jsonl >"$tmp/sums2"
ls -l --time-style=full-iso "$out"/*.jsonl >"$tmp/ls2"
skipped=$($PYTHON -c 'import json,sys; m=json.load(open(sys.argv[1]));
print(sum(c["skipped"] for c in m["configs"]))' "$out/manifest.json")
if [ $rc = 0 ] && [ "$(grep -c ': skipped (complete)$' "$tmp/stderr")" = 4 ] &&
   ! grep -q ': running' "$tmp/stderr" && [ "$skipped" = 4 ] &&
   cmp -s "$tmp/sums1" "$tmp/sums2" && cmp -s "$tmp/ls1" "$tmp/ls2" &&
   check_results "$out" 4 0 >/dev/null; then
    pass "rerun: 4 skipped (progress and manifest), files unchanged"
else
    bad "rerun: exit $rc, $skipped skipped in the manifest"
    show "$tmp/stderr"
fi

# ---------------------------------------------------------------- one file cut short
victim="$out/torus_n64_f1.jsonl"
size=$(wc -c <"$victim")
head -c $((size / 2)) "$victim" >"$tmp/half" && cat "$tmp/half" >"$victim"
grep -v torus_n64_f1 "$tmp/sums1" >"$tmp/others1"
# shellcheck disable=SC2086
sweep $grid --out "$out"
cksum "$out"/*.jsonl | grep -v torus_n64_f1 >"$tmp/others2"
redone=$($PYTHON -c 'import json,sys; m=json.load(open(sys.argv[1]));
print(",".join(c["id"] for c in m["configs"] if not c["skipped"]))' "$out/manifest.json")
if [ $rc = 0 ] && [ "$(grep -c ': running' "$tmp/stderr")" = 1 ] &&
   grep -q '^\[3/4\] torus_n64_f1: running, again: line [0-9]* is cut off' "$tmp/stderr" &&
   [ "$(grep -c ': skipped (complete)$' "$tmp/stderr")" = 3 ] && [ "$redone" = torus_n64_f1 ] &&
   cmp -s "$tmp/others1" "$tmp/others2" && check_results "$out" 4 0 >/dev/null; then
    pass "cut-short file: exactly that configuration ran again, the others untouched"
else
    bad "cut-short file: exit $rc, redone '$redone'"
    show "$tmp/stderr"
fi

# A file that lost its summary records (cut at a line boundary) is incomplete too.
head -n 3 "$victim" >"$tmp/head" && cat "$tmp/head" >"$victim"
# shellcheck disable=SC2086
sweep $grid --out "$out"
if [ $rc = 0 ] && grep -q 'torus_n64_f1: running, again: 0 of 2 summary records' "$tmp/stderr" &&
   [ "$(grep -c ': running' "$tmp/stderr")" = 1 ] && check_results "$out" 4 0 >/dev/null; then
    pass "file without its summaries: run again"
else
    bad "file without its summaries: exit $rc"
    show "$tmp/stderr"
fi
# A whole file that says its run was interrupted (gossip-bench keeps the trials done before
# a signal, in a valid file with an "interrupted" record) is incomplete too.
echo '{"type":"interrupted","signal":15,"protocol":"push"}' >>"$victim"
# shellcheck disable=SC2086
sweep $grid --out "$out"
if [ $rc = 0 ] && grep -q 'torus_n64_f1: running, again: the run was interrupted' "$tmp/stderr" &&
   [ "$(grep -c ': running' "$tmp/stderr")" = 1 ] && check_results "$out" 4 0 >/dev/null; then
    pass "file of an interrupted run: run again"
else
    bad "file of an interrupted run: exit $rc"
    show "$tmp/stderr"
fi
echo "(runs took $(( $(date +%s) - t0 )) s)"

# ---------------------------------------------------------------- dry run, listing, --only
# shellcheck disable=SC2086
sweep $grid --out "$tmp/dry" --dry-run --launcher-args "-x GB_X=1"
if [ $rc = 0 ] && [ "$(grep -c "mpirun --bind-to none --oversubscribe -n 2 -x GB_X=1 " "$tmp/stdout")" = 4 ] &&
   [ "$(grep -c "would run (no results file)" "$tmp/stdout")" = 4 ] && [ ! -e "$tmp/dry" ]; then
    pass "--dry-run: 4 commands, nothing run or written"
else
    bad "--dry-run: exit $rc"
    show "$tmp/stdout"
fi
# shellcheck disable=SC2086
sweep $grid --list-configs
if [ $rc = 0 ] && [ "$(cut -f1,2 "$tmp/stdout" | tr '\t\n' ' ;')" = \
     "0 complete_n64_f1;1 complete_n256_f1;2 torus_n64_f1;3 torus_n256_f1;" ]; then
    pass "--list-configs: index and id of the 4 configurations, in grid order"
else
    bad "--list-configs: exit $rc"
    show "$tmp/stdout"
fi
cat >"$tmp/grid.json" <<EOF
{"protocols": ["push", "rumor:k=2"], "topologies": ["complete", "torus"], "nodes": [64, 256],
 "fanouts": [1], "trials": 3, "seed": 7, "ranks": 2}
EOF
sweep --grid "$tmp/grid.json" --count-configs
n=$(cat "$tmp/stdout")
sweep --grid "$tmp/grid.json" --out "$tmp/only" --only 2 --launcher mpirun
if [ "$n" = 4 ] && [ $rc = 0 ] && [ "$(ls "$tmp/only"/*.jsonl)" = "$tmp/only/torus_n64_f1.jsonl" ] &&
   check_results "$tmp/only" 1 3 >/dev/null; then
    pass "grid file, --count-configs 4, --only 2 ran torus_n64_f1 alone (3 pending)"
else
    bad "grid file / --only: count '$n', exit $rc"
    show "$tmp/stderr"
fi

# ---------------------------------------------------------------- a failing configuration
sweep --protocols push --topologies "hypercube" --nodes 100,64 --trials 2 --launcher none \
      --out "$tmp/fail"
st=$($PYTHON -c 'import json,sys; m=json.load(open(sys.argv[1]));
print(" ".join("%s=%s" % (c["id"], c["status"]) for c in m["configs"]))' "$tmp/fail/manifest.json")
if [ $rc = 1 ] && [ "$st" = "hypercube_n100_f1=failed hypercube_n64_f1=done" ] &&
   grep -q 'hypercube_n100_f1: FAILED .*power of two' "$tmp/stderr" &&
   [ ! -e "$tmp/fail/hypercube_n100_f1.jsonl" ] && [ -s "$tmp/fail/hypercube_n64_f1.jsonl" ]; then
    pass "failing configuration: recorded as failed, the next one ran, exit 1"
else
    bad "failing configuration: exit $rc, '$st'"
    show "$tmp/stderr"
fi

# ---------------------------------------------------------------- bad input
# expect_usage PATTERN ARGS...: exit 2, one line on stderr naming the problem, nothing
# on stdout, no results folder.
expect_usage() {
    pattern=$1
    shift
    sweep "$@"
    lines=$(wc -l <"$tmp/stderr")
    if [ $rc = 2 ] && [ "$lines" = 1 ] && grep -q "^gossip-sweep: .*$pattern" "$tmp/stderr" &&
       [ ! -s "$tmp/stdout" ] && [ ! -e "$tmp/bad" ]; then
        pass "bad input ($*): $(cat "$tmp/stderr")"
    else
        bad "bad input ($*): exit $rc, $lines lines"
        show "$tmp/stderr"
    fi
    rm -rf "$tmp/bad"
}
printf '{"protocols": ["push"], "nodes": [64, "many"]}\n' >"$tmp/g1.json"
printf '{"protocols": ["push"],\n "nodes": [64,]}\n' >"$tmp/g2.json"
printf '{"protocols": ["push"], "node": [64]}\n' >"$tmp/g3.json"
printf '["push"]\n' >"$tmp/g4.json"
printf '{"topologies": ["complete", "mesh9"]}\n' >"$tmp/g5.json"
expect_usage "nodes: expected a whole number, got 'many'" --grid "$tmp/g1.json" --out "$tmp/bad"
expect_usage "not valid JSON.*line 2" --grid "$tmp/g2.json" --out "$tmp/bad"
expect_usage "unknown key 'node'" --grid "$tmp/g3.json" --out "$tmp/bad"
expect_usage "expected a JSON object" --grid "$tmp/g4.json" --out "$tmp/bad"
expect_usage "unknown topology 'mesh9'" --grid "$tmp/g5.json" --out "$tmp/bad"
expect_usage "cannot read" --grid "$tmp/none.json" --out "$tmp/bad"
expect_usage "unknown protocol 'gossip'" --protocols "push;gossip" --out "$tmp/bad"
expect_usage "nodes: 1 is out of range" --nodes 64,1 --out "$tmp/bad"
expect_usage "fanouts: 65 is out of range" --fanouts 65 --out "$tmp/bad"
expect_usage "'torus' is given twice" --topologies "torus;complete;torus" --out "$tmp/bad"
expect_usage "--only: 4 is out of range" --nodes 64 --fanouts 1,2,3,4 --only 4 --out "$tmp/bad"
expect_usage "set by gossip-sweep itself" --extra="--trials 5" --out "$tmp/bad"
expect_usage "--launcher none runs one process" --launcher none --ranks 2 --out "$tmp/bad"
expect_usage "--out DIR is required" --nodes 64
if "$bench" --help | grep -q -- '--faults'; then
    echo "(this gossip-bench has --faults: the no-fault-layer case is not tested)"
else
    expect_usage "no fault layer" --faults "crash=0.1" --out "$tmp/bad"
fi

[ "$fail" = 0 ] && echo "all gossip-sweep checks passed"
exit $fail
