#!/bin/sh
# agent.sh: an ssh stand-in for Open MPI's rsh launcher that runs on "hosts" made of Linux
# network namespaces (see scripts/netns/hosts.sh). Give it to mpirun with
#   --mca plm_rsh_agent /path/to/scripts/netns/agent.sh
# Open MPI calls it like ssh: "agent.sh HOST COMMAND...". HOST is one of the
# names in the hostfile (h1, h2, ...); the command runs in network namespace
# "$GB_NETNS_PREFIX$HOST" (prefix default "gb-"), in a UTS namespace of its own whose
# hostname is HOST. The hostname matters: Open MPI names its session directory and its
# shared-memory segments after the host name, so two "hosts" with the same name on one
# machine would share (and clobber) them. Needs root (ip netns exec, unshare).
set -u
[ $# -ge 2 ] || { echo "usage: agent.sh HOST COMMAND..." >&2; exit 255; }
host=$1
shift
case $host in
    *[!A-Za-z0-9_.-]*|'') echo "agent.sh: bad host name '$host'" >&2; exit 255 ;;
esac
ns="${GB_NETNS_PREFIX-gb-}$host"
if [ -n "${GB_NETNS_AGENT_LOG:-}" ]; then
    echo "agent.sh: $ns: $*" >>"$GB_NETNS_AGENT_LOG"
fi
# Like ssh, join the words into one command line for a shell on the "remote" side.
exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$1" && shift && exec sh -c "$*"' \
    agent "$host" "$@"
