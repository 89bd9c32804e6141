#!/bin/sh
# test_multihost.sh: runs across hosts give the same per-trial results as one process.
#
# Three "hosts" h1, h2, h3 are Linux network namespaces joined by a bridge in a fourth one
# (scripts/netns/hosts.sh), addresses 10.77.0.1-3/24 that exist only inside them. mpirun
# runs in h1 (with hostname h1) and starts Open MPI's daemons on h2 and h3 through
# scripts/netns/agent.sh, an ssh stand-in that runs them with "ip netns exec" in a UTS
# namespace of their own named after the host. Own host names are needed: Open MPI names its
# session directory and shared-memory segments after the host name, so two namespaces
# sharing one name crash in MPI_Init as soon as two of them hold ranks using the vader
# (shared memory) BTL; with distinct names, ranks on one "host" use shared memory and ranks
# on different hosts TCP over the bridge, as on a real cluster.
#
# Runs, each compared with tests/compare_trials.py against the same options in one process:
#   A: 6 ranks, 2 per host, btl tcp,self,vader, nbx transport;
#   B: 3 ranks, 1 per host, btl tcp,self (no shared memory at all), alltoallv transport;
#   C: as B with every link shaped by tc tbf to 1 Mbit/s both ways: same results, and its
#      time per round (gossip_s / rounds) must not be lower than B's (a loose sanity check;
#      skipped without tc or the tbf qdisc).
# A and B must also report 3 hosts (and A 2 ranks per host) in their "run" record.
#
# Needs root (namespaces) and Open MPI's mpirun: exit 77 (SKIP) otherwise. Every MPI step
# is bounded with timeout (a cut-off host makes MPI hang rather than fail); namespaces and
# whatever still runs in them are removed on any exit.
set -u
: "${GB_BUILDDIR:=$(pwd)}"
: "${GB_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${PYTHON:=python3}"
: "${MPIRUN:=mpirun}"
bench="$GB_BUILDDIR/bench/gossip-bench"
cmp="$PYTHON $GB_SRCDIR/tests/compare_trials.py"
record="$PYTHON $GB_SRCDIR/tests/multihost/run_record.py"
hosts_sh="$GB_SRCDIR/scripts/netns/hosts.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (network namespaces)"
    exit 77
fi
for tool in ip unshare timeout hostname "$MPIRUN"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done
if ! "$MPIRUN" --version 2>/dev/null | grep -q 'Open MPI'; then
    echo "SKIP: $MPIRUN is not Open MPI's (this test uses its rsh launcher and MCA options)"
    exit 77
fi
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Namespaces unique to this run, so that concurrent runs of the test do not meet.
GB_NETNS_PREFIX="gbmh$$-"
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM GB_NETNS_PREFIX

tmp=$(mktemp -d) || exit 99
up=0
cleanup() {
    [ "$up" = 0 ] || timeout -k 5 20 sh "$hosts_sh" down 3 || echo "WARNING: cleanup failed"
    ip netns del "${GB_NETNS_PREFIX}probe" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Can namespaces, veth pairs and bridges be made here (not in every container)?
probe="${GB_NETNS_PREFIX}probe"
if ! { ip netns add "$probe" && ip -n "$probe" link add p0 type veth peer name p1 &&
    ip -n "$probe" link add b0 type bridge; } >"$tmp/probe.log" 2>&1; then
    echo "SKIP: cannot make network namespaces, veth pairs and bridges here:"
    cat "$tmp/probe.log"
    exit 77
fi
ip netns del "$probe"

# The agent must be executable (the source tree may not keep modes); TMPDIR puts Open
# MPI's session directories (and shared-memory segments) under $tmp, removed at exit.
cp "$GB_SRCDIR/scripts/netns/agent.sh" "$tmp/agent.sh" && chmod 755 "$tmp/agent.sh" || exit 99
printf 'h1 slots=2\nh2 slots=2\nh3 slots=2\n' >"$tmp/hostfile2"
printf 'h1 slots=1\nh2 slots=1\nh3 slots=1\n' >"$tmp/hostfile1"
mkdir "$tmp/session" || exit 99

up=1
if ! timeout -k 5 20 sh "$hosts_sh" up 3 >"$tmp/up.log" 2>&1; then
    echo "FAIL: could not set up the namespaces:"
    cat "$tmp/up.log"
    exit 1
fi

fail=0 hung=0
start=$(date +%s)
opts="--protocol push,pull,push-pull,rumor:k=2 --topology random-regular:d=6 --nodes 999 --trials 3 --warmup 0 --seed 11"
dump_logs() { # name: what to look at when a run failed
    echo "--- mpirun output ($1):"
    tail -n 40 "$tmp/$1.log"
    echo "--- agent calls:"
    tail -n 10 "$tmp/agent.log" 2>/dev/null
    echo "--- addresses and processes in the namespaces:"
    for h in h1 h2 h3; do
        echo "$h: $(ip -n "$GB_NETNS_PREFIX$h" -br addr show dev eth0 2>&1)"
        echo "$h: pids $(ip netns pids "$GB_NETNS_PREFIX$h" 2>&1 | tr '\n' ' ')"
    done
}
mpi() { # name hostfile ranks btl limit_s args...: gossip-bench across the hosts, from h1
    name=$1 hostfile=$2 ranks=$3 btl=$4 limit=$5
    shift 5
    if [ "$hung" = 1 ]; then
        echo "SKIP $name: an earlier run hung"
        return 1
    fi
    TMPDIR="$tmp/session" GB_NETNS_AGENT_LOG="$tmp/agent.log" timeout -k 5 "$limit" \
        sh "$hosts_sh" exec h1 "$MPIRUN" --hostfile "$tmp/$hostfile" -n "$ranks" \
        --mca plm_rsh_agent "$tmp/agent.sh" --mca plm_rsh_no_tree_spawn 1 \
        --mca btl "$btl" --mca btl_tcp_if_include 10.77.0.0/24 \
        --mca oob_tcp_if_include 10.77.0.0/24 --mca mpi_yield_when_idle 1 \
        "$bench" --quiet --output "$tmp/$name.jsonl" "$@" >"$tmp/$name.log" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        case $rc in
            124|137) echo "FAIL $name: cut off after $limit s (hung)"; hung=1 ;;
            *) echo "FAIL $name: mpirun exited with $rc" ;;
        esac
        dump_logs "$name"
        fail=1
        return 1
    fi
    # The daemons on h2 and h3 exit just after mpirun; none may outlive the run for long.
    for h in h1 h2 h3; do
        i=0
        while left=$(ip netns pids "$GB_NETNS_PREFIX$h" 2>/dev/null) && [ -n "$left" ] &&
            [ "$i" -lt 30 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        if [ -n "$left" ]; then
            echo "WARNING $name: processes left in $h after 3 s, killed: $left"
            kill -KILL $left 2>/dev/null
        fi
    done
}
check() { # name ref: the same trials as the run "ref"
    if out=$($cmp "$tmp/$2.jsonl" "$tmp/$1.jsonl" 2>&1); then
        echo "PASS $1: same trials as one process ($out)"
    else
        echo "FAIL $1: $out"
        fail=1
    fi
}
check_record() { # name expected-hosts expected-ranks expected-max-ranks-per-host
    if ! info=$($record "$tmp/$1.jsonl" 2>&1); then
        echo "FAIL $1: $info"
        fail=1
        return
    fi
    for want in host=h1 "hosts=$2" "ranks=$3" "max_ranks_per_host=$4"; do
        case " $info " in
            *" $want "*) ;;
            *)
                echo "FAIL $1: expected $want, run record says $info"
                fail=1
                return ;;
        esac
    done
    echo "PASS $1: run record says $info"
}

timeout -k 5 60 "$bench" --quiet --output "$tmp/ref.jsonl" $opts >"$tmp/ref.log" 2>&1
rc=$?
if [ "$rc" != 0 ]; then
    echo "FAIL: gossip-bench in one process exited with $rc:"
    tail -n 20 "$tmp/ref.log"
    exit 1
fi

mpi A hostfile2 6 tcp,self,vader 60 $opts && check A ref && check_record A 3 6 2
mpi B hostfile1 3 tcp,self 60 $opts --transport alltoallv && check B ref && check_record B 3 3 1

# C: shaped links. 1 Mbit/s makes the exchange the bottleneck (about 30 ms a round here,
# against well under 2 ms unshaped), so "not faster" holds even on a loaded machine.
if [ "$fail" = 0 ] && command -v tc >/dev/null 2>&1 &&
    timeout -k 5 20 sh "$hosts_sh" shape 3 1mbit >"$tmp/shape.log" 2>&1; then
    if mpi C hostfile1 3 tcp,self 60 $opts --transport alltoallv; then
        check C ref
        b=$($record "$tmp/B.jsonl" | sed 's/.*us_per_round=//')
        c=$($record "$tmp/C.jsonl" | sed 's/.*us_per_round=//')
        if $PYTHON -c "import sys; sys.exit(0 if float('$c') >= float('$b') else 1)"; then
            echo "PASS C: time per round $b us on plain links, $c us on 1 Mbit/s links"
        else
            echo "FAIL C: 1 Mbit/s links faster than plain ones ($c us vs $b us a round)"
            fail=1
        fi
    fi
elif [ "$fail" = 0 ]; then
    echo "SKIP C (shaped links): no tc or no tbf qdisc here"
    cat "$tmp/shape.log" 2>/dev/null
fi
echo "multi-host runs took $(($(date +%s) - start)) s"
exit $fail
