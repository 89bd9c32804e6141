#!/bin/sh
# test_slurm.sh: the Slurm job templates (scripts/slurm/*.sbatch) on a real, private,
# single-node Slurm started on this machine for the test, then stopped.
#
# Installs Debian's slurm-wlm and munge when they are missing (as root; exit 77, automake's
# SKIP, when not root and they are missing; with them installed it also runs as an ordinary
# user, who then is the cluster's SlurmUser). Everything the daemons use lives in a
# temporary folder: a munge key and socket (munged runs as the invoking user, so neither
# /etc/munge nor /run/munge is used), slurm.conf (SLURM_CONF points at it), state, spool,
# logs and pid files, and two free TCP ports, so a system Slurm or munge, if any, is left
# alone. SlurmUser is the invoking user (root in CI). No cgroups: proctrack/linuxproc,
# task/none, no accounting; MpiDefault=pmix (Debian's Open MPI starts under srun
# --mpi=pmix only). The node is "localhost" with this machine's CPU count.
#
# It submits gossip-one.sbatch (2 ranks, torus, 2 protocols) and gossip-sweep.sbatch as a
# 2-task job array (one configuration each), waits for them, and checks the job states,
# the JSON Lines files (one summary per protocol), the sweep's manifest and the job output.
# Every step is bounded (timeout -k); the daemons are stopped by PID on every exit, and
# their logs are printed when something fails. About 12 s once the packages are installed
# (about 25 s with the installation). GB_KEEP_TMP=1 keeps the temporary folder.
# Run through tests/mpi-wrapper.sh (GB_BUILDDIR, GB_SRCDIR, PYTHON).
# shellcheck disable=SC2317  # functions run from traps
set -u
: "${GB_BUILDDIR:=$(pwd)}"
: "${GB_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${PYTHON:=python3}"
bench="$GB_BUILDDIR/bench/gossip-bench"
sweep="$GB_SRCDIR/scripts/gossip-sweep"
one_t="$GB_SRCDIR/scripts/slurm/gossip-one.sbatch"
sweep_t="$GB_SRCDIR/scripts/slurm/gossip-sweep.sbatch"
LIFE=240          # hard limit on every daemon's life, in seconds, should all else fail
for f in "$bench" "$sweep" "$one_t" "$sweep_t"; do
    [ -e "$f" ] || { echo "ERROR: $f is missing"; exit 99; }
done

# A Slurm of our own: nothing from a surrounding allocation or the user's sbatch defaults.
for v in $(env | sed -n 's/^\(SLURM_[A-Za-z0-9_]*\|SBATCH_[A-Za-z0-9_]*\|SRUN_[A-Za-z0-9_]*\|SALLOC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done

# ---------------------------------------------------------------- packages
PATH="$PATH:/usr/sbin:/sbin"
have_all() {
    for c in slurmctld slurmd sbatch squeue sinfo scontrol scancel srun munged munge; do
        command -v "$c" >/dev/null 2>&1 || return 1
    done
}
if ! have_all; then
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: slurm-wlm and munge are not installed and installing them needs root"
        exit 77
    fi
    echo "installing slurm-wlm and munge (apt-get)"
    DEBIAN_FRONTEND=noninteractive
    export DEBIAN_FRONTEND
    timeout -k 10 300 apt-get update -q >/dev/null ||
        echo "warning: apt-get update failed; trying the install anyway"
    aptlog=$(mktemp) || exit 99
    if ! timeout -k 10 300 apt-get install -y -q --no-install-recommends slurm-wlm munge \
            >"$aptlog" 2>&1 || ! have_all; then
        tail -n 20 "$aptlog"
        rm -f "$aptlog"
        echo "ERROR: could not install slurm-wlm and munge"
        exit 99
    fi
    rm -f "$aptlog"
fi

# ---------------------------------------------------------------- private setup
start=$(date +%s)
tmp=$(mktemp -d) || exit 99
# munged insists that every folder above its socket be searchable by everyone and
# writable by no one else.
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/out" "$tmp/jobs" || exit 99
chmod 755 "$tmp/munge"
fail=0
pids=""
jobs_submitted=""

say() { echo "[$(( $(date +%s) - start ))s] $*"; }

show_logs() {
    for f in "$tmp/munged.log" "$tmp/slurmctld.log" "$tmp/slurmd.log" \
             "$tmp/slurmctld.out" "$tmp/slurmd.out" "$tmp/munged.out" "$tmp"/jobs/*.out \
             "$tmp"/out/sweep/logs/*.log; do
        [ -s "$f" ] || continue
        echo "---- $f (last 40 lines)"
        tail -n 40 "$f"
    done
}

# stop PID: TERM, up to 10 s, then KILL (its child first: PID is a `timeout` wrapper).
stop() {
    kill -TERM "$1" 2>/dev/null
    i=0
    while kill -0 "$1" 2>/dev/null && [ "$i" -lt 20 ]; do
        sleep 0.5
        i=$((i + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        for c in $(pgrep -P "$1"); do kill -KILL "$c" 2>/dev/null; done
        kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
}

cleanup() {
    trap - EXIT INT TERM HUP
    if [ -n "$jobs_submitted" ]; then
        # shellcheck disable=SC2086
        timeout -k 2 10 scancel $jobs_submitted 2>/dev/null
        i=0
        while [ "$i" -lt 20 ] && [ -n "$(timeout -k 2 5 squeue -h -o %i 2>/dev/null)" ]; do
            sleep 0.5
            i=$((i + 1))
        done
    fi
    [ "$fail" = 0 ] || show_logs
    # The reverse order of starting: slurmd, slurmctld, munged.
    for p in $pids; do stop "$p"; done
    if [ -n "${GB_KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'fail=1; exit 1' INT TERM HUP

die() {
    echo "FAIL: $*"
    fail=1
    exit 1
}

# Two free TCP ports for slurmctld and slurmd.
ports=$($PYTHON -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))') || die "no free TCP ports"
# shellcheck disable=SC2086  # two words on purpose
set -- $ports
ctld_port=$1 slurmd_port=$2
user=$(id -un)
cpus=$(nproc)
host=$(hostname -s 2>/dev/null || hostname)
overcommit=""
[ "$cpus" -ge 2 ] || overcommit=--overcommit   # 2 tasks on a 1-CPU machine

# ---------------------------------------------------------------- munge
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null || die "no munge key"
chmod 0400 "$tmp/munge/munge.key"
sock="$tmp/munge/munge.socket"
timeout -k 5 $LIFE munged -F --force --socket="$sock" --key-file="$tmp/munge/munge.key" \
    --log-file="$tmp/munged.log" --pid-file="$tmp/munge/munged.pid" \
    --seed-file="$tmp/munge/munged.seed" >"$tmp/munged.out" 2>&1 &
pids="$!"
i=0
until timeout -k 2 5 munge -n -S "$sock" 2>/dev/null | timeout -k 2 5 unmunge -S "$sock" \
        >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 40 ] || die "munged did not start"
    sleep 0.25
done
say "munged is up"

# ---------------------------------------------------------------- slurm
SLURM_CONF="$tmp/slurm.conf"
export SLURM_CONF
: >"$tmp/plugstack.conf"
# The controller is this host by name (slurmctld checks that) at 127.0.0.1; the compute
# node is "localhost" (slurmd -N localhost). SlurmUser is the invoking user (root in CI):
# simplest for a throw-away cluster, never for a real one. MinJobAge keeps finished jobs
# in scontrol for 5 minutes, which is how states are read without accounting.
cat >"$SLURM_CONF" <<EOF
ClusterName=gbtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
MailProg=/bin/true
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$tmp/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=pmix
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=300
KillWait=5
InactiveLimit=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
timeout -k 5 $LIFE slurmctld -D -c -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids="$! $pids"
timeout -k 5 $LIFE slurmd -D -N localhost -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids="$! $pids"
i=0
state=""
while [ $i -lt 120 ]; do
    state=$(timeout -k 2 5 sinfo -h -N -n localhost -o %t 2>/dev/null)
    [ "$state" = idle ] && break
    i=$((i + 1))
    sleep 0.5
done
[ "$state" = idle ] || die "the node did not become idle within 60 s (state '$state')"
say "slurmctld and slurmd are up, node localhost idle with $cpus CPUs"

# ---------------------------------------------------------------- jobs
# Ranks that outnumber the CPUs (and other tests running beside this one) make Open MPI's
# busy polling crawl; yielding keeps the jobs to seconds. The jobs inherit it (--export=ALL).
OMPI_MCA_mpi_yield_when_idle=1
export OMPI_MCA_mpi_yield_when_idle
# One configuration: 2 ranks, a 16x16 torus, push and pull, 3 trials. Submitted from the
# build folder without GB_BENCH, so the template finds bench/gossip-bench there by itself.
one_out="$tmp/out/one"
one=$(cd "$GB_BUILDDIR" && GB_PROTOCOLS=push,pull GB_TOPOLOGY=torus:dims=16x16 GB_NODES=256 \
      GB_TRIALS=3 GB_OUT="$one_out" GB_NAME=one \
      timeout -k 2 20 sbatch --parsable --ntasks=2 $overcommit --time=5 \
      --output="$tmp/jobs/one-%j.out" "$one_t") || die "sbatch gossip-one.sbatch failed"
jobs_submitted="$one"
# A sweep of 2 configurations as a 2-task array; the grid asks for 3 ranks, more than
# the 2 tasks (and maybe CPUs) allocated, so gossip-sweep adds --overcommit where needed.
cat >"$tmp/grid.json" <<EOF
{"protocols": ["push", "rumor:k=2"], "topologies": ["complete", "random-regular:d=4"],
 "nodes": [128], "fanouts": [1], "trials": 3, "seed": 5, "ranks": 3}
EOF
n=$($PYTHON "$sweep" --grid "$tmp/grid.json" --count-configs) || die "--count-configs failed"
[ "$n" = 2 ] || die "--count-configs says '$n', want 2"
sweep_out="$tmp/out/sweep"
arr=$(GB_SWEEP="$sweep" GB_BENCH="$bench" GB_GRID="$tmp/grid.json" GB_OUT="$sweep_out" \
      timeout -k 2 20 sbatch --parsable --array=0-$((n - 1)) --ntasks=2 $overcommit --time=5 \
      --output="$tmp/jobs/sweep-%A_%a.out" "$sweep_t") || die "sbatch gossip-sweep.sbatch failed"
jobs_submitted="$one $arr"
say "submitted job $one (gossip-one) and array $arr (gossip-sweep, $n tasks)"

i=0
while [ -n "$(timeout -k 2 5 squeue -h -o %i 2>/dev/null)" ]; do
    i=$((i + 1))
    [ $i -lt 180 ] || die "jobs still queued or running after 90 s: $(squeue -h 2>&1)"
    sleep 0.5
done
say "all jobs left the queue"

# ---------------------------------------------------------------- checks
# Job states from scontrol (no accounting here): every job COMPLETED with exit code 0:0.
for j in "$one" "${arr}_0" "${arr}_1"; do
    info=$(timeout -k 2 10 scontrol -o show job "$j" 2>&1)
    case "$info" in
        *JobState=COMPLETED*ExitCode=0:0*) echo "PASS: job $j completed, exit code 0:0" ;;
        *) echo "FAIL: job $j: $(echo "$info" | grep -o 'JobState=[^ ]*\|ExitCode=[^ ]*' |
                                 tr '\n' ' ')"
           fail=1 ;;
    esac
done

$PYTHON - "$one_out/one.jsonl" "$one_out/one.csv" "$sweep_out" <<'EOF' || fail=1
import glob, json, os, sys

one, one_csv, sweep = sys.argv[1:]
bad = 0

def check(ok, what):
    global bad
    print("%s: %s" % ("PASS" if ok else "FAIL", what))
    bad += not ok

def records(path):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f]
    except (OSError, ValueError) as e:
        check(False, "%s: %s" % (path, e))
        return []

r = records(one)
run = r[0] if r else {}
check(run.get("type") == "run" and run.get("ranks") == 2 and run.get("nodes") == 256,
      "gossip-one: run record with 2 ranks and 256 nodes")
check(sum(x.get("type") == "summary" for x in r) == 2
      and sum(x.get("type") == "trial" for x in r) == 6,
      "gossip-one: 2 summaries and 6 trial records")
check(os.path.isfile(one_csv), "gossip-one: CSV written")

try:
    m = json.load(open(os.path.join(sweep, "manifest.json")))
except (OSError, ValueError) as e:
    m = {}
    check(False, "sweep manifest: %s" % e)
cfgs = m.get("configs", [])
check(len(cfgs) == 2 and all(c.get("status") == "done" for c in cfgs),
      "sweep manifest: 2 configurations, both done (%s)"
      % [(c.get("id"), c.get("status")) for c in cfgs])
check(m.get("launcher", {}).get("kind") == "srun"
      and all(c.get("command", [])[:2] == ["srun", "--mpi=pmix"] for c in cfgs),
      "sweep: runs started with srun --mpi=pmix")
for c in cfgs:
    r = records(os.path.join(sweep, c.get("output", "?")))
    run = r[0] if r else {}
    check(run.get("ranks") == 3 and run.get("seed") == 5
          and sum(x.get("type") == "summary" for x in r) == 2,
          "sweep %s: 3 ranks, seed 5, 2 summaries" % c.get("id"))
check(len(glob.glob(os.path.join(sweep, "*.jsonl"))) == 2, "sweep: exactly 2 .jsonl files")
sys.exit(1 if bad else 0)
EOF

# Job stdout: the sbatch header, the srun command, the sweep's progress lines.
check_out() {  # FILE PATTERN WHAT
    if grep -q -- "$2" "$1" 2>/dev/null; then
        echo "PASS: $3"
    else
        echo "FAIL: $3 ('$2' not in $1)"
        fail=1
    fi
}
check_out "$tmp/jobs/one-$one.out" "# gossip-one: job $one" "gossip-one stdout has its header"
check_out "$tmp/jobs/one-$one.out" "srun --mpi=pmix -n 2" "gossip-one stdout shows the srun command"
check_out "$tmp/jobs/one-$one.out" "# gossip-one: results in" "gossip-one stdout ends with the results"
check_out "$tmp/jobs/sweep-${arr}_0.out" "\[1/2\] .*: done" "sweep task 0 ran configuration 1 of 2"
check_out "$tmp/jobs/sweep-${arr}_1.out" "\[2/2\] .*: done" "sweep task 1 ran configuration 2 of 2"

say "checks done"
[ "$fail" = 0 ] || exit 1
exit 0
