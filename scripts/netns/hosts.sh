#!/bin/sh
# hosts.sh: "hosts" for multi-host MPI runs on one Linux machine, made of network
# namespaces on a private bridge. Needs root (iproute2; tc to shape links).
#
#   hosts.sh up N [RATE]   namespaces PREFIXh1..PREFIXhN, each with eth0 = 10.77.0.I/24,
#                          joined by bridge br0 in namespace PREFIXbr; RATE (e.g. 100mbit)
#                          shapes every link both ways with tc tbf
#   hosts.sh shape N RATE  shapes the links of hosts h1..hN both ways with tc tbf at RATE,
#                          or removes the shaping when RATE is "none"
#   hosts.sh down N        deletes them (and their links), after killing what still runs
#                          in them (e.g. Open MPI daemons left by a run that was cut off)
#   hosts.sh exec HOST CMD [ARG...]
#                          runs CMD in PREFIXHOST with hostname HOST (own UTS namespace),
#                          e.g. mpirun, as "agent.sh HOST ..." runs Open MPI's daemons
#
# PREFIX is $GB_NETNS_PREFIX (default "gb-"). Nothing is attached to the root namespace:
# the addresses exist and route only inside these namespaces. Example (as root):
#   scripts/netns/hosts.sh up 3
#   printf 'h1 slots=2\nh2 slots=2\nh3 slots=2\n' > hostfile
#   scripts/netns/hosts.sh exec h1 mpirun --hostfile hostfile -n 6 \
#       --mca plm_rsh_agent "$PWD/scripts/netns/agent.sh" --mca plm_rsh_no_tree_spawn 1 \
#       --mca btl tcp,self,vader --mca btl_tcp_if_include 10.77.0.0/24 \
#       --mca oob_tcp_if_include 10.77.0.0/24 --mca mpi_yield_when_idle 1 \
#       bench/gossip-bench --nodes 999
#   scripts/netns/hosts.sh down 3
set -eu
P=${GB_NETNS_PREFIX-gb-}
NET=10.77.0
usage() {
    echo "usage: hosts.sh up N [RATE] | shape N RATE|none | down N | exec HOST CMD [ARG...]" >&2
    exit 2
}
count() { # N: validate a host count
    case $1 in ''|*[!0-9]*) usage ;; esac
    [ "$1" -ge 1 ] && [ "$1" -le 250 ] || usage
}
shape() { # N RATE|none: tbf on both ends of every link (host -> bridge, bridge -> host)
    i=1
    while [ "$i" -le "$1" ]; do
        ip netns exec "${P}h$i" tc qdisc del dev eth0 root 2>/dev/null || true
        ip netns exec "${P}br" tc qdisc del dev "h$i" root 2>/dev/null || true
        if [ "$2" != none ]; then
            ip netns exec "${P}h$i" tc qdisc add dev eth0 root tbf rate "$2" burst 32kbit latency 50ms
            ip netns exec "${P}br" tc qdisc add dev "h$i" root tbf rate "$2" burst 32kbit latency 50ms
        fi
        i=$((i + 1))
    done
}
[ $# -ge 2 ] || usage
cmd=$1
shift
case $cmd in
up)
    n=$1 rate=${2:-}
    count "$n"
    ip netns add "${P}br"
    ip -n "${P}br" link set lo up
    ip -n "${P}br" link add br0 type bridge
    ip -n "${P}br" link set br0 up
    i=1
    while [ "$i" -le "$n" ]; do
        h="${P}h$i"
        ip netns add "$h"
        ip -n "$h" link set lo up
        # One veth pair per host: "hI" on the bridge, "eth0" in the host namespace.
        ip -n "${P}br" link add "h$i" type veth peer name eth0 netns "$h"
        ip -n "${P}br" link set "h$i" master br0 up
        ip -n "$h" addr add "$NET.$i/24" dev eth0
        ip -n "$h" link set eth0 up
        i=$((i + 1))
    done
    [ -z "$rate" ] || shape "$n" "$rate"
    ;;
shape)
    [ $# -eq 2 ] || usage
    count "$1"
    shape "$1" "$2"
    ;;
down)
    n=$1
    count "$n"
    i=0
    while [ "$i" -le "$n" ]; do # the bridge (i = 0), then h1..hN
        ns="${P}h$i"
        [ "$i" -gt 0 ] || ns="${P}br"
        if [ -e "/run/netns/$ns" ]; then
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
            ip netns del "$ns" 2>/dev/null || true
        fi
        i=$((i + 1))
    done
    ;;
exec)
    host=$1
    shift
    [ $# -ge 1 ] || usage
    exec ip netns exec "$P$host" unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' \
        hosts.sh "$host" "$@"
    ;;
*) usage ;;
esac
