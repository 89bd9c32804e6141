#!/bin/sh
# test_smpi.sh: the SimGrid SMPI build keeps the reproducibility contract. Skips (77) when
# smpicc/smpirun are not installed (Debian: libsimgrid-dev).
#
# Normal build: gossip-bench is built --with-smpi in a temporary directory (scripts/smpi-build:
# out of tree, from a `make distdir` copy when the source tree is configured in place), then
# the same options and seed run under smpirun (8 simulated ranks on
# scripts/platforms/cluster-16.xml, scripts/smpi-run's model settings) and under mpirun with
# 8 real ranks; every trial must be identical (tests/compare_trials.py: rounds, curves,
# message and byte counts), with NBX and with Alltoallv, on three overlays. The simulated
# run record must say so and hold SimGrid's settings; its MPI_Bcast baselines and
# gossip_over_bcast(_latency) must be there, and one broadcast must take what the platform's
# link latencies give a binomial tree (3 x 0.66 us for 8 ranks).
# --with-smpi build (GB_SMPI_BUILD=yes): this build's gossip-bench is the simulated one; the
# simulated runs on 8 ranks (both transports) must equal the simulated run on 1 rank.
set -u
if ! command -v smpicc >/dev/null 2>&1 || ! command -v smpirun >/dev/null 2>&1; then
    echo "SKIP: smpicc/smpirun not installed (Debian: apt-get install libsimgrid-dev)"
    exit 77
fi
cmp="$PYTHON $GB_SRCDIR/tests/compare_trials.py"
smpirun_="$PYTHON $GB_SRCDIR/scripts/smpi-run"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # name ref.jsonl other.jsonl
    if out=$($cmp "$2" "$3" 2>&1); then
        echo "PASS $1 ($out)"
    else
        echo "FAIL $1: $out"
        fail=1
    fi
}
sim() { # out ranks args...: a simulated run on cluster-16
    out=$1 ranks=$2
    shift 2
    $smpirun_ --run cluster-16 "$ranks" --bench "$simbench" -- --quiet --output "$out" "$@" \
        >"$out.log" 2>&1 || { echo "FAIL: simulated gossip-bench exited with $? ($ranks ranks: $*)"
                              tail -n 5 "$out.log"; fail=1; }
}
real() { # out ranks args...
    out=$1 ranks=$2
    shift 2
    $MPIRUN_CMD "$ranks" "$GB_BUILDDIR/bench/gossip-bench" --quiet --output "$out" "$@" \
        >/dev/null || { echo "FAIL: gossip-bench exited with $? ($ranks ranks: $*)"; fail=1; }
}

start=$(date +%s)
if [ "${GB_SMPI_BUILD:-no}" = yes ]; then
    simbench="$GB_BUILDDIR/bench/gossip-bench"
else
    if ! simbench=$(GB_SRCDIR="$GB_SRCDIR" GB_BUILDDIR="$GB_BUILDDIR" \
            sh "$GB_SRCDIR/scripts/smpi-build" "$tmp/build" 2>"$tmp/build.err"); then
        echo "FAIL: scripts/smpi-build: $(cat "$tmp/build.err")"
        tail -n 20 "$tmp/build/build.log" 2>/dev/null
        exit 1
    fi
    echo "PASS gossip-bench built --with-smpi in $(($(date +%s) - start)) s"
fi

protos="push,pull,push-pull,rumor:k=2,median-counter"
for topo in complete random-regular:d=4 torus:dims=4x4x4; do
    name=$(echo "$topo" | tr ':=,' '___')
    common="--protocol $protos --topology $topo --nodes 64 --trials 3 --warmup 0 --seed 9 --source random"
    if [ "${GB_SMPI_BUILD:-no}" = yes ]; then
        sim "$tmp/$name-ref.jsonl" 1 $common
    else
        real "$tmp/$name-ref.jsonl" 8 $common
    fi
    for t in nbx alltoallv; do
        sim "$tmp/$name-$t.jsonl" 8 $common --transport "$t"
        check "$topo, 8 simulated ranks, $t" "$tmp/$name-ref.jsonl" "$tmp/$name-$t.jsonl"
    done
done

# The simulated run record: simulated, with SimGrid's settings and the MPI_Bcast baseline.
if $PYTHON - "$tmp/complete-nbx.jsonl" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
run = recs[0]
sim = run.get("simulation") or {}
cfg = sim.get("config") or {}
summ = [r for r in recs if r.get("type") == "summary"]
assert run.get("simulated") is True, "run record does not say simulated"
assert run["mpi_library"].startswith("SMPI"), run["mpi_library"]
assert cfg.get("smpi/test") == 5e-7 and cfg.get("smpi/iprobe") == 0.0, cfg
assert cfg.get("smpi/simulate-computation") is False, cfg
assert sim.get("host_speed_flops") == 1e10, sim
assert run["baselines"]["bcast_s"] > 0, run["baselines"]
assert summ and all(r.get("gossip_over_bcast", 0) > 0 for r in summ), "no gossip_over_bcast"
assert all(r.get("gossip_over_bcast_latency", 0) > 0 for r in summ), "no gossip_over_bcast_latency"
# Theory: one binomial-tree MPI_Bcast (smpi-run's choice) of 32 bytes over 8 ranks on 8
# hosts of cluster-16 is 3 sends deep, each crossing two private links of 0.33 us: at least
# 1.98 us from the root's entry to the last rank's return, and at most 5 % more (transfer
# time of a few dozen bytes at 50 GB/s, no software overhead modelled).
lat, floor = run["baselines"]["bcast_latency_s"], 3 * 2 * 0.33e-6
assert floor * (1 - 1e-9) <= lat <= floor * 1.05, "one MPI_Bcast %.4g s, theory %.4g s" % (lat, floor)
assert run["baselines"]["bcast_latency_min_s"] <= lat, run["baselines"]
assert run["hosts"] == 8 and run["machine"]["ranks"][5]["host"] == "host-5", run["hosts"]
EOF
then
    echo "PASS simulated run record: SMPI, model settings, simulated hosts, one MPI_Bcast = 3 x 0.66 us"
else
    echo "FAIL simulated run record"
    fail=1
fi
echo "test_smpi: $(($(date +%s) - start)) s"
exit $fail
