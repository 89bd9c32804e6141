#!/bin/sh
# test_topology_theory.sh: push on non-complete overlays against theory (star and path:
# exact means and variances; random d-regular graphs: the Fountoulakis-Panagiotou constant
# C_d of C_d ln n). tests/topology_theory.py runs gossip-bench as plain processes and
# holds the derivations. Run through tests/mpi-wrapper.sh, which exports GB_BUILDDIR,
# GB_SRCDIR and PYTHON. Exit status: 0 pass, 1 a check failed, 2 a run failed or its
# results could not be read, 99 when a program is missing. About 15 s on 2 cores.
set -u
bench="$GB_BUILDDIR/bench/gossip-bench"
script="$GB_SRCDIR/tests/topology_theory.py"
: "${PYTHON:=python3}"
if [ ! -x "$bench" ]; then
    echo "ERROR: $bench is missing (build it first)"
    exit 99
fi
if [ ! -f "$script" ]; then
    echo "ERROR: $script is missing"
    exit 99
fi
echo "# topology theory: push on star, path and random-regular overlays"
"$PYTHON" "$script" "$bench"
rc=$?
if [ "$rc" = 0 ]; then
    echo "PASS topology theory"
else
    echo "FAIL topology theory: topology_theory.py exited with $rc"
fi
exit "$rc"
